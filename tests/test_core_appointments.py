"""The appointment book through the core, on SQLite and PostgreSQL: a booking kept across a
restart with its number's counter, every step in the audit log without the customer's
contact, no-shows swept on the core's own clock, and a booked car checked in with its
order filled from the booking and linked to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.commands import (
    BookAppointment,
    CancelAppointment,
    ChangeAppointment,
    CheckInCar,
    MarkArrived,
    RecordConfirmationCall,
)
from core.domain.appointment import Appointment, Booking, BookingChanges
from core.domain.errors import IllegalTransition, Overbooked
from core.domain.model import Customer, Operation, Vehicle
from core.domain.reports import period
from core.domain.vocabulary import AppointmentState, CallOutcome, JobType
from core.domain.workshop import booked_check_in
from core.engine import Core
from core.engine.no_shows import ACTOR
from core.store.repository import Store
from core.store.tables import AuditRow
from tests.helpers import T0, Clock, FakeBus, demo_config, order
from tests.waiting import wait_until

# T0 is 09:00 in Shanghai on Tuesday 24 November 2026; the reception's slots run from
# 08:00 by the quarter hour, every fourth kept free.
TEN = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 local
SERVICE = Operation("M020", "大保养", 2.0, "Major service")


def booking(start: datetime = TEN, advisor: str = "SA01", **kw: Any) -> Booking:
    return Booking(
        customer=Customer("王先生", "13800138000"),
        vehicle=Vehicle("京A12345", model="别克 GL8"),
        operations=kw.pop("operations", (SERVICE,)),
        start=start,
        advisor=advisor,
        requests=kw.pop("requests", "顺便看一下空调"),
        **kw,
    )


def audit_lines(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(AuditRow).order_by(AuditRow.id))
        return [dict(r._mapping) for r in rows]


def test_a_booking_is_kept_across_a_restart_and_numbered_on(store: Store, clock: Clock) -> None:
    core = Core(demo_config(), store, FakeBus(), clock)
    core.start()
    try:
        first = core.run_command(BookAppointment(booking()), "advisor:SA01")
        assert first.id == "AP-20261124-0001" and first.team is not None
        changed = core.run_command(
            ChangeAppointment(first.id, BookingChanges(start=TEN + timedelta(minutes=15))),
            "advisor:SA01",
        )
        assert changed.start == TEN + timedelta(minutes=15)
    finally:
        core.stop()

    again = Core(demo_config(), store, FakeBus(), clock)
    again.start()
    try:
        kept: Appointment = again.ws.appointments[first.id]
        assert kept == changed
        assert store.appointments_on(kept.start.date()) == [kept]
        second = again.run_command(BookAppointment(booking(TEN)), "advisor:SA01")
        assert second.id == "AP-20261124-0002"  # the day's counter was kept
    finally:
        again.stop()
    lines = audit_lines(store)
    assert [(a["type"], a["source"], a["job"]) for a in lines] == [
        ("appointment.booked", "advisor:SA01", None),
        ("appointment.changed", "advisor:SA01", None),
        ("appointment.booked", "advisor:SA01", None),
    ]
    assert lines[0]["payload"]["appointments"] == [first.id]
    assert lines[1]["payload"]["appointment"] == first.id
    assert "13800138000" not in str(lines) and "王先生" not in str(lines)


def test_a_full_day_is_refused_unless_forced_with_a_reason(core: Core, store: Store) -> None:
    # Team A: three technicians' day; a day's work of 60 hours does not fit.
    huge = (Operation("R010", "更换正时皮带", 60.0),)
    with pytest.raises(Overbooked):
        core.run_command(BookAppointment(booking(operations=huge)), "advisor:SA01")
    why = "老客户，愿意等"
    appt = core.run_command(
        BookAppointment(booking(operations=huge), force=True, reason=why), "advisor:SA01"
    )
    assert appt.forced == why
    assert store.load_appointment(appt.id).forced == why  # type: ignore[union-attr]


def test_cancelled_and_arrived_are_stored(core: Core, store: Store, clock: Clock) -> None:
    one = core.run_command(BookAppointment(booking()), "advisor:SA01")
    two = core.run_command(BookAppointment(booking(advisor="SA02")), "advisor:SA02")
    core.run_command(CancelAppointment(one.id, "客户改期"), "advisor:SA01")
    clock.advance(minutes=70)  # 10:10: in the grace, not late
    core.run_command(MarkArrived(two.id), "advisor:SA02")
    with pytest.raises(IllegalTransition):
        core.run_command(MarkArrived(one.id), "advisor:SA01")
    cancelled, arrived = store.load_appointment(one.id), store.load_appointment(two.id)
    assert cancelled is not None and arrived is not None
    assert (cancelled.state, cancelled.cancelled_reason) == (AppointmentState.CANCELLED, "客户改期")
    assert (arrived.state, arrived.late) == (AppointmentState.ARRIVED, False)


def test_the_call_to_confirm_is_stored_and_audited_by_the_caller(core: Core, store: Store) -> None:
    appt = core.run_command(BookAppointment(booking()), "advisor:SA01")
    note = "客户说会准时到"
    core.run_command(RecordConfirmationCall(appt.id, CallOutcome.CONFIRMED, note), "advisor:SA02")
    stored = store.load_appointment(appt.id)
    assert stored is not None and [(c.outcome, c.by, c.note) for c in stored.calls] == [
        (CallOutcome.CONFIRMED, "advisor:SA02", note)
    ]
    line = audit_lines(store)[-1]
    assert (line["type"], line["source"]) == ("appointment.called", "advisor:SA02")
    assert line["payload"]["outcome"] == "confirmed" and line["payload"]["note"] == note


def test_no_shows_are_swept_when_a_batch_comes(core: Core, store: Store, clock: Clock) -> None:
    appt = core.run_command(BookAppointment(booking()), "advisor:SA01")
    clock.advance(minutes=75)  # 10:15: the slot and the grace are just over, no more
    core.query(lambda ws, now: None)
    assert core.ws.appointments[appt.id].state is AppointmentState.BOOKED
    clock.advance(seconds=1)
    core.query(lambda ws, now: None)  # any batch: the core sweeps first
    assert core.ws.appointments[appt.id].state is AppointmentState.NO_SHOW
    stored = store.load_appointment(appt.id)
    assert stored is not None and stored.state is AppointmentState.NO_SHOW
    swept = [a for a in audit_lines(store) if a["source"] == ACTOR]
    assert [(a["type"], a["payload"]) for a in swept] == [
        ("appointment.no_show", {"appointments": [appt.id]})
    ]
    # A no-show who comes after all is late, and still checked in.
    clock.advance(minutes=20)
    late = core.run_command(MarkArrived(appt.id), "advisor:SA01")
    assert late.state is AppointmentState.ARRIVED and late.late


def test_no_shows_are_swept_on_the_cores_own_clock_when_idle(store: Store) -> None:
    clock = Clock()
    # An hour of site time a real second: the core wakes for the sweep on its own.
    core = Core(demo_config(), store, FakeBus(), clock, speed=3600)
    core.start()
    try:
        appt = core.run_command(BookAppointment(booking()), "advisor:SA01")
        clock.advance(minutes=76)

        def stored_no_show() -> bool:  # the store, not the workshop: it is the core's thread's
            stored = store.load_appointment(appt.id)
            return stored is not None and stored.state is AppointmentState.NO_SHOW

        wait_until(stored_no_show, "the no-show swept without a batch, and stored", timeout=10)
        assert core.query(lambda ws, _now: ws.appointments[appt.id].state) is (
            AppointmentState.NO_SHOW
        )
    finally:
        core.stop()


def test_a_booked_car_is_checked_in_from_its_booking(core: Core, store: Store) -> None:
    appt = core.run_command(BookAppointment(booking()), "advisor:SA01")
    order = booked_check_in(appt, TEN + timedelta(hours=4), key_tag="TAG9", wash_requested=False)
    job = core.run_command(CheckInCar(order, appointment=appt.id), "advisor:SA01")
    assert (job.vehicle, job.customer) == (appt.booking.vehicle, appt.booking.customer)
    assert tuple(job.operations) == appt.operations and job.advisor == "SA01"
    assert job.requests == "顺便看一下空调" and job.key_tag == "TAG9"
    assert job.job_type is JobType.MAINTENANCE  # as booked
    linked = store.load_appointment(appt.id)
    assert linked is not None and (linked.state, linked.ro) == (AppointmentState.CHECKED_IN, job.ro)
    assert linked.arrived_at is not None  # marked arrived with it
    trail = store.audit_trail(job.ro)
    assert [t["type"] for t in trail] == ["job.checked_in"]
    assert trail[0]["payload"]["appointment"] == appt.id
    with pytest.raises(IllegalTransition):  # one booking, one order
        again = replace(order, key_tag=None)
        core.run_command(CheckInCar(again, appointment=appt.id), "advisor:SA01")


def test_the_next_day_keeps_only_the_bookings_still_open(store: Store, clock: Clock) -> None:
    core = Core(demo_config(), store, FakeBus(), clock)
    core.start()
    try:
        awaited = core.run_command(BookAppointment(booking()), "advisor:SA01")
        off = core.run_command(BookAppointment(booking(advisor="SA02")), "advisor:SA02")
        core.run_command(CancelAppointment(off.id, "客户改期"), "advisor:SA02")
        tomorrow = core.run_command(BookAppointment(booking(TEN + timedelta(days=1))), "x")
        clock.advance(days=1)
        core.query(lambda ws, now: None)  # the day moved on: the settled one is let go
        assert set(core.ws.appointments) == {awaited.id, tomorrow.id}
        assert core.ws.appointments[awaited.id].state is AppointmentState.NO_SHOW
    finally:
        core.stop()
    again = Core(demo_config(), store, FakeBus(), clock)
    assert set(again.ws.appointments) == {tomorrow.id}  # yesterday's no-show stays stored
    assert store.load_appointment(off.id) is not None
    # A no-show of yesterday who comes after all is brought back for the command.
    again.start()
    try:
        late = again.run_command(MarkArrived(awaited.id), "advisor:SA01")
        assert late.late and again.ws.appointments[awaited.id].state is AppointmentState.ARRIVED
    finally:
        again.stop()


def test_the_report_splits_the_day_by_job_type(core: Core, store: Store) -> None:
    appt = core.run_command(BookAppointment(booking(job_type=JobType.WARRANTY)), "SA01")
    core.run_command(
        CheckInCar(booked_check_in(appt, TEN + timedelta(hours=4)), appointment=appt.id), "SA01"
    )
    core.run_command(CheckInCar(order("沪B67890")), "advisor:SA01")  # a walk-in: a repair
    zone = demo_config().zone
    start, end = period("day", T0.astimezone(zone).date(), zone)
    report = store.report(start, end, T0, zone, ["B01"], 10.0)
    split = {k.job_type: k.jobs_in for k in report.job_types if k.jobs_in}
    assert split == {JobType.WARRANTY: 1, JobType.REPAIR: 1}
    assert report.jobs_in == 2
