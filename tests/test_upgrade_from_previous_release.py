"""Sites' databases written by earlier releases, each kept in tests/fixtures by that
release's own code (see make.py there), are migrated to the newest schema and load as that
release loaded them — on SQLite as the file is, and on PostgreSQL with the same rows at the
release's revision. From the release before 0005 (site_0004): the report rows the new
revision adds are filled from the documents, sign-ins and API tokens still work, and the
core goes on where the old one stopped. From the release before 0006 (site_0005, a morning
of work): every job loads as it was, the audit and the prints are as that release left
them, and on it the appointment book and the plan work — a car booked, its time reserved
on a bay, checked in from its booking and dispatched, a car of the old release put on a
bay at a time."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from core.access import Access
from core.appointment_book import booked_order
from core.commands import BookAppointment, CheckInCar, Dispatch, DispatchAt, MarkArrived
from core.contract.views import PlannedBar, ReservedBlock
from core.domain.appointment import Booking
from core.domain.model import (
    Customer,
    FindingState,
    JobStatus,
    KeyState,
    Operation,
    Priority,
    Vehicle,
)
from core.domain.vocabulary import AppointmentState, JobType
from core.domain.workshop import Workshop
from core.engine import Core
from core.store.access import AccessStore
from core.store.backup import advance_identities, current_revision, head_revision, migrate_to
from core.store.codec import job_from_doc, job_to_doc
from core.store.database import make_engine, migrate
from core.store.report_rows import figures_row
from core.store.repository import Store
from core.store.tables import JobFiguresRow
from tests.helpers import T0, Clock, FakeBus, Kiosk, demo_config, order, settle
from tests.stored_sites import workshop_of
from tests.waiting import wait_until

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = FIXTURES / "site_0004"
PREVIOUS = "0004"


def expected(fixture: Path = FIXTURE) -> dict[str, Any]:
    return json.loads((fixture / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def as_loaded_today(workshop: dict[str, Any]) -> dict[str, Any]:
    """What the previous release loaded, as this one reads it: its job documents upcast to
    today's version, and no appointment book or help calls (it had none)."""
    jobs = {ro: job_to_doc(job_from_doc(doc)) for ro, doc in workshop["jobs"].items()}
    return {**workshop, "jobs": jobs, "appointments": {}, "help_calls": {}}


def as_written(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    fixture: Path = FIXTURE,
    revision: str = PREVIOUS,
) -> str:
    """A release's database, on SQLite (the file) or PostgreSQL (its rows)."""
    copy = tmp_path / "pitboard.sqlite3"
    shutil.copy(fixture / "pitboard.sqlite3", copy)
    if kind == "sqlite":
        return f"sqlite:///{copy}"
    url: str = request.getfixturevalue("postgres_url")
    old, new = make_engine(f"sqlite:///{copy}"), make_engine(url)
    try:
        migrate_to(new, revision)
        source, target = MetaData(), MetaData()
        with old.connect() as src, new.begin() as dst:
            source.reflect(src)
            target.reflect(dst)
            for table in source.sorted_tables:
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows and table.name != "alembic_version":
                    dst.execute(target.tables[table.name].insert(), rows)
            # As a site on PostgreSQL had them: its ids continue after its rows.
            advance_identities(dst, target.sorted_tables)
    finally:
        old.dispose()
        new.dispose()
    return url


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_previous_releases_database_migrates_and_loads(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = as_written(kind, tmp_path, request)
    was = expected()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == PREVIOUS
        migrate(engine)  # what the core does on start
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision() != PREVIOUS
        assert workshop_of(engine) == as_loaded_today(was["workshop"])

        store = Store(engine, "demo")
        cfg = demo_config()
        with engine.connect() as conn:
            figures = {r.ro: r for r in conn.execute(select(JobFiguresRow))}
        assert set(figures) == set(was["workshop"]["jobs"])
        for ro in figures:
            job = store.load_job(ro)
            made = figures_row("demo", job, datetime.now(UTC))
            kept = figures[ro]
            for column in (
                "status",
                "bay",
                "standard_hours",
                "work_seconds",
                "dispatched_at",
                "job_type",
            ):
                assert getattr(kept, column) == made[column], (ro, column)

        access = AccessStore(engine, "demo")
        assert access.session(was["session"]) is not None
        assert Access(access, cfg.web).token(was["token"]) is not None

        bus = FakeBus()
        core = Core(cfg, store, bus, Clock())
        core.start()
        try:
            assert store.audit_events("kiosk-b03") == [tuple(e) for e in was["events"]]
            k = Kiosk("kiosk-b03", "B03")
            core.on_message(*k.event("tech.signed_in"), token=None)  # seq 1 again
            settle(core, bus, 1)
            assert bus.acks("kiosk-b03")[0]["result"] == "duplicate"
            nxt = core.run_command(CheckInCar(order("苏E24680")), actor="advisor:SA01")
            assert nxt.ro.endswith("-0003")
        finally:
            core.stop()
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the release before 0006
SITE_0005 = FIXTURES / "site_0005"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_morning_of_the_release_before_the_appointment_book_migrates_and_loads(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = as_written(kind, tmp_path, request, SITE_0005, "0005")
    was = expected(SITE_0005)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == "0005"
        migrate(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision() != "0005"
        assert workshop_of(engine) == as_loaded_today(was["workshop"])
        store = Store(engine, "demo")
        # Every job of the morning, delivered and cancelled ones too, as that release kept
        # it: its documents (of version 1) upcast to today's, nothing else changed.
        cars = was["cars"]
        assert len(was["jobs"]) == 6
        for ro, doc in was["jobs"].items():
            job = store.load_job(ro)
            assert job is not None and job_to_doc(job) == job_to_doc(job_from_doc(doc)), ro
            assert (job.job_type, job.priority, job.pinned_start) == (
                JobType.REPAIR,
                Priority.NORMAL,
                None,
            )
        whole = store.load_job(cars["whole"])
        assert whole is not None and whole.status is JobStatus.CLOSED
        assert [(c.level, c.passed) for c in whole.checks] == [
            ("self", True),
            ("leader", True),
            ("qc", False),
            ("self", True),
            ("leader", True),
            ("qc", True),
        ]
        assert whole.follow_up is not None and whole.findings[0].state is FindingState.APPROVED
        worked = store.load_job(cars["worked"])
        assert worked is not None and worked.last_pause_reason == "waiting_parts"
        assert worked.findings[0].state is FindingState.DECLINED
        assert worked.key.state is KeyState.IN_CABINET and worked.key.slot == 9
        for device, events in was["events"].items():
            assert store.audit_events(device) == [tuple(e) for e in events], device
        unprinted = [p["print_id"] for p in store.unprinted()]
        assert unprinted == was["unprinted"]
        for print_id, ro, document, state in was["prints"]:
            assert (document, state) in [(d, s) for d, _, s, _ in store.prints_of(ro)], print_id
        access = AccessStore(engine, "demo")
        assert access.session(was["session"]) is not None
        assert Access(access, demo_config().web).token(was["token"]) is not None

        the_appointment_book_and_the_plan_on_it(store, was)
    finally:
        engine.dispose()


def the_appointment_book_and_the_plan_on_it(store: Store, was: dict[str, Any]) -> None:
    """The core of today on the upgraded site, on the morning's clock: it goes on with
    the devices' numbers and sends again the prints never reported; a car booked by phone
    gets its bay time in the plan beside the old release's queued cars, is checked in from
    its booking and dispatched; a car of the old release is put on a bay at a time."""
    cars = was["cars"]
    clock = Clock(datetime.fromisoformat(was["now"]))
    bus = FakeBus()
    core = Core(demo_config(), store, bus, clock)
    core.start()
    try:
        # B01's kiosk: its first tap again as it sent it at 09:10, then its next (its
        # third of five was refused), the paused car resumed.
        first = T0 + timedelta(minutes=10)
        again = Kiosk("kiosk-b01", "B01").event("tech.signed_in", tech="T003", ts=first)
        core.on_message(*again, token=None)
        nxt = Kiosk("kiosk-b01", "B01", start_seq=6)
        core.on_message(*nxt.event("job.resumed", cars["worked"], "T003", clock()), None)
        settle(core, bus, 2, device="kiosk-b01")
        assert [a["result"] for a in bus.acks("kiosk-b01")] == ["duplicate", "applied"]
        core.republish(connected=True)  # what its link does when the broker takes it
        core.query(lambda _ws, _now: None)
        sent = [json.loads(p)["id"] for t, p, _, _ in bus.published if t.endswith("/cmd")]
        assert sorted(sent) == sorted(was["unprinted"])

        def free_slot(ws: Workshop, now: datetime) -> datetime:
            return ws.free_slots("SA02", ws.hours.day_of(now), after=now)[0]

        slot = core.query(free_slot)
        booking = Booking(
            customer=Customer("李女士", "13900139000"),
            vehicle=Vehicle("沪C55555", model="丰田 凯美瑞"),
            operations=(Operation("M010", "小保养", 1.0, "Minor service"),),
            start=slot,
            advisor="SA02",
        )
        appt = core.run_command(BookAppointment(booking), actor="advisor:SA02")

        def reserved() -> list[ReservedBlock]:
            view = core.dispatch_view  # built by the core's loop between batches
            return [b for b in view.reserved if b.appointment == appt.id] if view else []

        (held,) = wait_until(reserved, "the booked car's time on the board")
        view = core.dispatch_view
        assert view is not None
        bars = {b.ro: b for b in view.planned}
        assert set(bars) == {cars["worked"], cars["queued"], cars["aligned"]}
        assert (bars[cars["queued"]].bay, bars[cars["aligned"]].bay) == ("B02", "B06")
        on_its_bay = [b for b in view.planned if b.bay == held.bay]
        assert all(b.end <= held.start or b.start >= held.end for b in on_its_bay)

        clock.advance(minutes=(slot - clock()).total_seconds() / 60)
        core.run_command(MarkArrived(appt.id), actor="advisor:SA02")
        filled = booked_order(core, appt.id)
        job = core.run_command(CheckInCar(filled, appointment=appt.id), actor="advisor:SA02")
        assert job.ro.endswith("-0007") and job.vehicle.plate == "沪C55555"  # numbering goes on
        core.run_command(Dispatch(job.ro, held.bay), actor="foreman:F001")
        zone = core.config.zone
        two = datetime.combine(clock().astimezone(zone).date(), time(14, 0), zone)
        core.run_command(DispatchAt(cars["waiting"], "B02", two), actor="foreman:F001")

        def planned() -> dict[str, PlannedBar]:
            view = core.dispatch_view
            bars = {b.ro: b for b in view.planned} if view else {}
            return bars if {job.ro, cars["waiting"]} <= set(bars) else {}

        bars = wait_until(planned, "the checked-in car and the pinned one planned")
        view = core.dispatch_view
        assert view is not None
        assert bars[job.ro].bay == held.bay and not view.reserved
        assert (bars[cars["waiting"]].start, bars[cars["waiting"]].pinned) == (two, two)
    finally:
        core.stop()
    booked = store.load_appointment(appt.id)
    assert booked is not None and booked.state is AppointmentState.CHECKED_IN
    pinned = store.load_job(cars["waiting"])
    assert pinned is not None and pinned.pinned_start == two
