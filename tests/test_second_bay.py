"""A technician signing in at a second bay: refused while their clock runs at the first;
otherwise moved, with an audit line, and both kiosks and the dispatch board say so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.engine import Core
from core.store.repository import Store
from core.store.tables import AuditRow
from tests.helpers import Clock, FakeBus, Kiosk, checked_in_and_dispatched, settle
from tests.waiting import wait_until


def test_a_technician_whose_clock_runs_is_refused_at_a_second_bay(core: Core, bus: FakeBus) -> None:
    ro = checked_in_and_dispatched(core, "B03")
    b03 = Kiosk("kiosk-b03", "B03")
    core.on_message(*b03.event("tech.signed_in", tech="T002"), token=None)
    core.on_message(*b03.event("job.started", job=ro, tech="T002"), token=None)
    settle(core, bus, 2)
    b04 = Kiosk("kiosk-b04", "B04")
    core.on_message(*b04.event("tech.signed_in", tech="T002"), token=None)
    settle(core, bus, 1, "kiosk-b04")
    answer = bus.acks("kiosk-b04")[0]
    assert (answer["result"], answer["error"]["code"]) == ("rejected", "technician_busy")
    state = core.ws.tech_states["T002"]
    assert (state.bay, state.active_job) == ("B03", ro), "still at work where they were"


def test_a_move_between_bays_is_audited_and_shown_at_both_bays_and_on_the_board(
    core: Core, bus: FakeBus, store: Store, clock: Clock
) -> None:
    b03, b04 = Kiosk("kiosk-b03", "B03"), Kiosk("kiosk-b04", "B04")
    core.on_message(*b03.event("tech.signed_in", tech="T002"), token=None)
    settle(core, bus, 1)
    later = clock.advance(minutes=10)
    core.on_message(*b04.event("tech.signed_in", tech="T002", ts=later), token=None)
    settle(core, bus, 1, "kiosk-b04")
    assert bus.acks("kiosk-b04")[0]["result"] == "applied"

    with store.engine.connect() as conn:
        lines = conn.execute(
            select(AuditRow.source, AuditRow.payload).where(AuditRow.type == "tech.signed_in")
        ).all()
    assert [(s, p.get("moved_from")) for s, p in lines] == [
        ("kiosk-b03", None),
        ("kiosk-b04", "B03"),
    ]
    old_bay, new_bay = bus.last("/bay/B03/state"), bus.last("/bay/B04/state")
    assert old_bay["techs"] == [] and [(g["id"], g["to_bay"]) for g in old_bay["left"]] == [
        ("T002", "B04")
    ]
    assert [(t["id"], t["came_from"]) for t in new_bay["techs"]] == [("T002", "B03")]
    # The board is gathered while it is costly to build: it follows the acks.
    wait_until(lambda: _moved(bus), "the move on the foreman's board", timeout=10)
    moved = _moved(bus)
    assert len(moved) == 1 and moved[0]["detail"].endswith(" B03 → B04")
    assert moved[0]["detail"] != "T002 B03 → B04", "the technician's name, not the badge"


def _moved(bus: FakeBus) -> list[dict[str, Any]]:
    return [a for a in bus.board()["alerts"] if a["kind"] == "tech_moved"]
