"""Who is signed in at a bay, and who came from it, are kept by bay as the technicians'
states change: after any sequence of sign-ins and sign-outs (from bay to bay, clocks on
and off), and after a reload from the store, they are what a look at every technician
finds."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.errors import DomainError
from core.domain.model import TechnicianState
from core.domain.workshop import Workshop
from core.engine.effects import rows_to_write
from core.store.repository import Batch, Store
from tests.helpers import T0, domain_workshop

TECHS = ["T001", "T002", "T003", "T004"]
BAYS = ["B01", "B02", "B03"]

step = st.tuples(st.sampled_from(["in", "out"]), st.sampled_from(TECHS), st.sampled_from(BAYS))


def by_scan(ws: Workshop, bay: str) -> tuple[list[str], list[str]]:
    states = sorted(ws.tech_states.values(), key=lambda t: t.id)
    return (
        [t.id for t in states if t.bay == bay],
        [t.id for t in states if t.came_from == bay],
    )


def by_index(ws: Workshop, bay: str) -> tuple[list[str], list[str]]:
    return [t.id for t in ws.signed_in_at(bay)], [t.id for t in ws.came_from(bay)]


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_the_bays_people_are_those_a_scan_finds(steps: list[tuple[str, str, str]]) -> None:
    ws = domain_workshop()
    for i, (what, tech, bay) in enumerate(steps):
        at = T0 + timedelta(minutes=i)
        try:
            if what == "in":
                ws.sign_in(tech, bay, at)
            else:
                ws.sign_out(tech, bay, at)
        except DomainError:
            pass  # not signed in there: refused, nothing changed
        for b in BAYS:
            assert by_index(ws, b) == by_scan(ws, b)


def test_a_moved_technician_is_found_where_they_are_and_where_they_came_from() -> None:
    ws = domain_workshop()
    ws.sign_in("T001", "B01", T0)
    ws.sign_in("T001", "B02", T0 + timedelta(minutes=5))
    assert by_index(ws, "B01") == ([], ["T001"])
    assert by_index(ws, "B02") == (["T001"], [])
    ws.sign_out("T001", "B02", T0 + timedelta(minutes=6))
    assert by_index(ws, "B01") == ([], []) and by_index(ws, "B02") == ([], [])


def test_a_workshop_made_with_its_technicians_states_has_them_by_bay() -> None:
    states = {
        "T001": TechnicianState(id="T001", bay="B02", signed_in_at=T0, came_from="B01"),
        "T002": TechnicianState(id="T002", bay="B02", signed_in_at=T0),
    }
    base = domain_workshop()
    ws = Workshop(site="demo", bays=base.bays, technicians=base.technicians, tech_states=states)
    assert by_index(ws, "B02") == (["T001", "T002"], [])
    assert by_index(ws, "B01") == ([], ["T001"])


def test_the_technicians_read_back_from_the_store_are_kept_by_bay(store: Store) -> None:
    ws = domain_workshop()
    ws.sign_in("T001", "B01", T0)
    ws.sign_in("T001", "B03", T0 + timedelta(minutes=1))
    ws.sign_in("T002", "B03", T0 + timedelta(minutes=2))
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), T0 + timedelta(minutes=3))
    loaded = store.load_workshop(ws.bays.values(), ws.technicians.values())
    assert by_index(loaded, "B03") == (["T001", "T002"], [])
    assert by_index(loaded, "B01") == ([], ["T001"])
