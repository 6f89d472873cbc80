"""Appointments: the reception's slots and buffer, the day's load and its forcing, changes,
cancellations, arrivals late or not and no-shows, and the booked car checked in. Pure
domain."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.appointment import BookingChanges, ConfirmationCall
from core.domain.booking_rules import BookingRules
from core.domain.model import Customer
from core.domain.reception_slots import reception_slots
from core.domain.vocabulary import AppointmentState, BayKind, CallOutcome, JobType
from core.domain.workshop import Workshop
from tests.helpers import order
from tests.schedule_site import (
    ALIGNMENT,
    HOURS,
    NOW,
    booking,
    hours_of,
    local,
    scheduled_workshop,
)

TOMORROW = local(0).date()


@pytest.fixture
def ws() -> Workshop:
    return scheduled_workshop()


def full_day_for_team_a(ws: Workshop) -> None:
    """Team A (four technicians, 8 working hours at 0.85: 27.2 h) booked full."""
    ws.book(booking(local(8), "SA01", hours_of(20.0), team="A"), NOW)
    ws.book(booking(local(8), "SA02", hours_of(7.2), team="A"), NOW)


# ------------------------------------------------------------------ the slot rule
def test_every_fourth_quarter_hour_of_the_reception_is_kept_free() -> None:
    slots = reception_slots(TOMORROW, BookingRules(), HOURS)
    assert len(slots) == 36  # 08:00 to 17:00
    assert [s.start for s in slots if s.buffer][:2] == [local(8, 45), local(9, 45)]
    assert sum(s.buffer for s in slots) == 9


def test_the_slot_length_and_the_buffer_are_the_sites_to_choose() -> None:
    rules = BookingRules(slot=timedelta(minutes=30), buffer_every=0)
    slots = reception_slots(TOMORROW, rules, HOURS)
    assert len(slots) == 18 and not any(s.buffer for s in slots)
    assert slots[1].start == local(8, 30)


def test_a_booked_slot_is_no_longer_free_for_that_advisor(ws: Workshop) -> None:
    assert ws.free_slots("SA01", TOMORROW)[:4] == [local(8), local(8, 15), local(8, 30), local(9)]
    ws.book(booking(local(8, 15)), NOW)
    assert local(8, 15) not in ws.free_slots("SA01", TOMORROW)
    assert local(8, 15) in ws.free_slots("SA02", TOMORROW)
    assert len(ws.free_slots("SA01", TOMORROW)) == 26
    assert ws.free_slots("SA01", TOMORROW, after=local(16))[0] == local(16)


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (local(8, 45), errors.NotASlot),  # the buffer
        (local(8, 10), errors.NotASlot),  # off the quarter hours
        (local(17), errors.NotASlot),  # reception has closed
        (local(8, 15), errors.SlotTaken),
    ],
)
def test_a_time_that_is_no_free_slot_is_refused_and_nothing_changes(
    ws: Workshop, when: object, error: type[errors.DomainError]
) -> None:
    ws.book(booking(local(8, 15)), NOW)
    ws.take_events()
    before = copy.deepcopy((ws.appointments, ws.counters))
    with pytest.raises(error) as refused:
        ws.book(booking(when), NOW)  # type: ignore[arg-type]
    assert refused.value.code in ("not_a_slot", "slot_taken")
    assert (ws.appointments, ws.counters) == before and ws.take_events() == []


def test_a_cancelled_booking_frees_its_slot(ws: Workshop) -> None:
    appt = ws.book(booking(local(8, 15)), NOW)
    ws.cancel_appointment(appt.id, "客户改期", NOW)
    assert appt.state is AppointmentState.CANCELLED and appt.cancelled_reason == "客户改期"
    assert ws.book(booking(local(8, 15)), NOW).state is AppointmentState.BOOKED


def test_a_booking_names_car_customer_advisor_and_work_and_is_for_later(ws: Workshop) -> None:
    for bad in (
        booking(local(9), plate=" "),
        booking(local(9), advisor=""),
        booking(local(9), "SA01", customer=Customer(name="李女士")),
    ):
        with pytest.raises(errors.InvalidData):
            ws.book(bad, NOW)
    with pytest.raises(errors.InvalidData):
        ws.book(booking(NOW.replace(hour=8)), NOW)


def test_booking_records_the_fact_and_numbers_it_by_the_day(ws: Workshop) -> None:
    appt = ws.book(booking(local(9), job_type=JobType.COMEBACK), NOW)
    assert appt.id == "AP-20261124-0001" and appt.booking.job_type is JobType.COMEBACK
    (fact,) = ws.take_events()
    assert isinstance(fact, ev.AppointmentBooked) and fact.appointments() == (appt.id,)
    assert fact.counters() == ("appointment:20261124",) and fact.forced is None


# ------------------------------------------------------------------ the day's load
def test_the_days_load_is_booked_hours_against_what_teams_and_bays_can_do(ws: Workshop) -> None:
    ws.book(booking(local(9), "SA01", hours_of(2.0), ALIGNMENT, team="B"), NOW)
    load = ws.load_on(TOMORROW)
    assert load.teams["A"].capacity == pytest.approx(4 * 8 * 0.85)
    assert load.teams["B"].booked == pytest.approx(3.0)
    assert load.kinds[BayKind.ALIGNMENT].booked == pytest.approx(1.0)
    assert load.kinds[BayKind.ALIGNMENT].capacity == pytest.approx(8.0)  # one lift
    assert load.kinds[BayKind.GENERAL].booked == pytest.approx(2.0)
    assert ws.load_on(TOMORROW + timedelta(days=1)).teams["B"].booked == 0


def test_a_booking_goes_to_the_team_with_most_room(ws: Workshop) -> None:
    assert ws.book(booking(local(9)), NOW).team == "A"  # four technicians to B's three
    ws.book(booking(local(9, 15), "SA01", hours_of(12.0)), NOW)
    assert ws.book(booking(local(9, 30)), NOW).team == "B"


def test_a_booking_that_overfills_the_day_is_refused_with_what_is_full(ws: Workshop) -> None:
    full_day_for_team_a(ws)
    with pytest.raises(errors.Overbooked) as refused:
        ws.book(booking(local(9), team="A"), NOW)
    assert refused.value.code == "overbooked" and "team A" in refused.value.message
    assert ws.book(booking(local(9)), NOW).team == "B"  # the team with room


def test_an_overfilled_day_may_be_booked_forced_with_a_reason_kept(ws: Workshop) -> None:
    full_day_for_team_a(ws)
    with pytest.raises(errors.InvalidData):
        ws.book(booking(local(9), team="A"), NOW, force=True, reason=" ")
    appt = ws.book(booking(local(9), team="A"), NOW, force=True, reason="老客户，只能明天来")
    assert appt.forced == "老客户，只能明天来"
    assert ws.take_events()[-1].forced == appt.forced  # type: ignore[attr-defined]


def test_the_alignment_lift_fills_before_the_teams_do(ws: Workshop) -> None:
    slots = ws.free_slots("SA01", TOMORROW)
    for start in slots[:8]:
        ws.book(booking(start, "SA01", ALIGNMENT), NOW)
    with pytest.raises(errors.Overbooked) as refused:
        ws.book(booking(slots[8], "SA01", ALIGNMENT), NOW)
    assert "alignment" in refused.value.message
    ws.book(booking(slots[8]), NOW)  # general work still has room


def test_the_efficiency_is_the_sites_to_choose(ws: Workshop) -> None:
    ws.booking_rules = BookingRules(efficiency=0.5)
    assert ws.load_on(TOMORROW).teams["A"].capacity == pytest.approx(4 * 8 * 0.5)


def test_quieter_times_are_the_advisors_free_slots_on_days_with_room(ws: Workshop) -> None:
    full_day_for_team_a(ws)
    wanted = booking(local(16), "SA01", hours_of(1.0), team="A")
    offered = ws.quieter_times(wanted, count=3)
    assert offered == [local(8, 0, days=2), local(8, 15, days=2), local(8, 30, days=2)]
    easy = booking(local(16), "SA01", hours_of(1.0))  # any team: B has room tomorrow
    assert ws.quieter_times(easy, count=2) == [local(16), local(16, 15)]


# ------------------------------------------------------------------ changes
def test_a_change_of_time_takes_a_free_slot_and_leaves_the_old_one(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)
    other = ws.book(booking(local(10)), NOW)
    with pytest.raises(errors.SlotTaken):
        ws.change_appointment(appt.id, BookingChanges(start=local(10)), NOW)
    assert appt.start == local(9)
    ws.change_appointment(appt.id, BookingChanges(start=local(11)), NOW)
    assert appt.start == local(11) and local(9) in ws.free_slots("SA01", TOMORROW)
    assert other.start == local(10)


def test_a_change_that_overfills_a_day_is_refused_unless_forced(ws: Workshop) -> None:
    full_day_for_team_a(ws)
    appt = ws.book(booking(local(9), team="A", plate="粤B12345"), NOW, force=True, reason="VIP")
    # The phone number changes the load of no day: the forced booking stays as it was.
    ws.change_appointment(
        appt.id, BookingChanges(customer=Customer(name="李女士", phone="13700137000")), NOW
    )
    assert appt.forced == "VIP"
    with pytest.raises(errors.Overbooked):
        ws.change_appointment(appt.id, BookingChanges(operations=(hours_of(2.0),)), NOW)
    assert appt.standard_hours == 1.0
    ws.change_appointment(appt.id, BookingChanges(start=local(9, days=2)), NOW)
    assert appt.forced is None and appt.team == "A"  # a day with room: no longer forced


# ------------------------------------------------------------------ the day itself
def test_a_car_not_here_after_its_slot_and_the_grace_is_a_no_show(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)
    assert ws.record_no_shows(local(9, 15)) == []
    ws.take_events()
    assert ws.record_no_shows(local(9, 16)) == [appt.id]
    assert appt.state is AppointmentState.NO_SHOW
    assert [f.name for f in ws.take_events()] == ["appointment.no_show"]
    assert ws.record_no_shows(local(10)) == []  # counted once


def test_the_next_no_show_is_due_after_the_first_awaited_slot_and_its_grace(
    ws: Workshop,
) -> None:
    assert ws.next_no_show() is None
    later = ws.book(booking(local(10)), NOW)
    first = ws.book(booking(local(9)), NOW)
    assert ws.next_no_show() == local(9, 15)
    ws.mark_arrived(first.id, local(9, 5))  # here: no longer awaited
    assert ws.next_no_show() == local(10, 15)
    ws.cancel_appointment(later.id, "改期", local(9, 30))
    assert ws.next_no_show() is None


def test_the_settled_bookings_of_earlier_days_are_let_go(ws: Workshop) -> None:
    came = ws.book(booking(local(9)), NOW)
    awaited = ws.book(booking(local(9), "SA02"), NOW)
    off = ws.book(booking(local(10)), NOW)
    waiting = ws.book(booking(local(10), "SA02"), NOW)
    ws.cancel_appointment(off.id, "改期", local(8))
    ws.check_in(order(plate="京B1"), local(9), appointment=came.id)
    ws.dispatch(came.ro or "", "B01", local(9, 5))
    ws.check_in(order(plate="京B2"), local(10), appointment=waiting.id)  # not yet dispatched
    assert ws.let_go_settled(TOMORROW) == []  # nothing of an earlier day
    gone = ws.let_go_settled(TOMORROW + timedelta(days=1))
    assert sorted(gone) == sorted([came.id, off.id])
    assert set(ws.appointments) == {awaited.id, waiting.id}  # still awaited; still holds time


def test_the_grace_is_the_sites_to_choose(ws: Workshop) -> None:
    ws.booking_rules = BookingRules(no_show_grace=timedelta(minutes=30))
    appt = ws.book(booking(local(9)), NOW)
    assert ws.record_no_shows(local(9, 20)) == []
    assert ws.mark_arrived(appt.id, local(9, 25)).late is False


def test_a_car_arriving_after_the_grace_is_late_and_still_checked_in(ws: Workshop) -> None:
    on_time = ws.book(booking(local(9)), NOW)
    late = ws.book(booking(local(9), "SA02"), NOW)
    ws.mark_arrived(on_time.id, local(9, 10))
    ws.record_no_shows(local(9, 30))
    assert late.state is AppointmentState.NO_SHOW
    ws.mark_arrived(late.id, local(9, 40))
    assert (on_time.late, late.late) == (False, True)
    assert late.state is AppointmentState.ARRIVED and late.arrived_at == local(9, 40)
    job = ws.check_in(order(), local(9, 45), appointment=late.id)
    assert late.state is AppointmentState.CHECKED_IN and late.ro == job.ro


def test_checking_in_a_booked_car_marks_it_arrived_and_links_the_order(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)
    ws.take_events()
    job = ws.check_in(order(), local(8, 55), appointment=appt.id)
    assert appt.ro == job.ro and appt.arrived_at == local(8, 55) and not appt.late
    names = [f.name for f in ws.take_events()]
    assert names == ["job.checked_in", "appointment.arrived", "appointment.checked_in"]


def test_a_booked_car_checked_in_as_a_walk_in_is_its_booking_checked_in(ws: Workshop) -> None:
    """The advisor at the desk missed the booking and typed the car in afresh: the booking
    is checked in with that order, not left to become a no-show holding its bay time."""
    appt = ws.book(booking(local(9), plate="沪A88888"), NOW)
    later = ws.book(booking(local(9, days=2), "SA02", plate="沪A88888"), NOW)  # another day
    other = ws.book(booking(local(9, 15), plate="沪B12345"), NOW)
    ws.take_events()
    job = ws.check_in(order("沪a 888·88"), local(9, 5))  # the same car, typed otherwise
    assert (appt.state, appt.ro) == (AppointmentState.CHECKED_IN, job.ro)
    assert later.state is AppointmentState.BOOKED and other.state is AppointmentState.BOOKED
    names = [f.name for f in ws.take_events()]
    assert names == ["job.checked_in", "appointment.arrived", "appointment.checked_in"]
    assert ws.record_no_shows(local(10)) == [other.id]


def test_an_order_sent_without_its_advisor_is_the_bookings_advisors(ws: Workshop) -> None:
    appt = ws.book(booking(local(9), "SA02", plate="沪A88888"), NOW)
    job = ws.check_in(replace(order("沪A88888"), advisor=""), local(9, 5))
    assert (appt.ro, job.advisor) == (job.ro, "SA02")
    told = ws.check_in(replace(order("沪B00002"), advisor=""), local(9, 6))  # nobody's booking
    assert told.advisor == ""


def test_a_car_without_a_plate_is_nobodys_booking(ws: Workshop) -> None:
    appt = ws.book(booking(local(9), plate="无牌"), NOW)
    ws.check_in(order("无牌"), local(9, 5))
    assert appt.state is AppointmentState.BOOKED


@pytest.mark.parametrize(
    "step",
    [
        lambda ws, a: ws.cancel_appointment(a, "改期", NOW),
        lambda ws, a: ws.mark_arrived(a, NOW),
        lambda ws, a: ws.change_appointment(a, BookingChanges(start=local(11)), NOW),
        lambda ws, a: ws.check_in(order("京C11111"), NOW, appointment=a),
    ],
)
def test_a_checked_in_appointment_goes_nowhere_else(ws: Workshop, step: object) -> None:
    appt = ws.book(booking(local(9)), NOW)
    ws.check_in(order(), local(9), appointment=appt.id)
    before = copy.deepcopy((ws.appointments, ws.jobs))
    with pytest.raises(errors.IllegalTransition):
        step(ws, appt.id)  # type: ignore[operator]
    assert (ws.appointments, ws.jobs) == before


def test_a_cancelled_or_unknown_appointment_cannot_arrive(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)
    ws.cancel_appointment(appt.id, "客户取消", NOW)
    with pytest.raises(errors.IllegalTransition):
        ws.mark_arrived(appt.id, local(9))
    with pytest.raises(errors.UnknownAppointment) as refused:
        ws.mark_arrived("AP-nope", local(9))
    assert refused.value.code == "unknown_appointment"
    with pytest.raises(errors.UnknownAppointment):
        ws.check_in(order(), local(9), appointment="AP-nope")
    assert not ws.jobs


# ------------------------------------------------------------------ the call the day before
def test_the_call_to_confirm_is_kept_on_the_booking_with_what_it_came_to(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)
    ws.take_events()
    ws.record_call(appt.id, CallOutcome.NO_ANSWER, "", "advisor:SA01", NOW)
    later = NOW + timedelta(hours=2)
    ws.record_call(appt.id, CallOutcome.CONFIRMED, " 准时到 ", "advisor:SA02", later)
    assert appt.calls == [
        ConfirmationCall(CallOutcome.NO_ANSWER, "advisor:SA01", NOW),
        ConfirmationCall(CallOutcome.CONFIRMED, "advisor:SA02", later, "准时到"),
    ]
    facts = ws.take_events()
    assert [(f.name, f.appointments()) for f in facts] == [("appointment.called", (appt.id,))] * 2
    assert [f.outcome for f in facts] == ["no_answer", "confirmed"]  # type: ignore[attr-defined]
    # The call only says what the customer said: the booking stands until it is changed.
    assert appt.state is AppointmentState.BOOKED and appt.start == local(9)


IllegalTransition = errors.IllegalTransition


@pytest.mark.parametrize(
    ("settle", "outcome", "error"),
    [
        (lambda ws, a: ws.cancel_appointment(a, "改期", NOW), "confirmed", IllegalTransition),
        (lambda ws, a: ws.mark_arrived(a, local(8, 50)), "confirmed", IllegalTransition),
        (lambda ws, a: None, "maybe", errors.InvalidData),
    ],
)
def test_a_call_is_for_a_booking_still_to_come_and_has_an_outcome(
    ws: Workshop, settle: object, outcome: str, error: type[errors.DomainError]
) -> None:
    appt = ws.book(booking(local(9)), NOW)
    settle(ws, appt.id)  # type: ignore[operator]
    ws.take_events()
    before = copy.deepcopy(ws.appointments)
    with pytest.raises(error):
        ws.record_call(appt.id, outcome, "", "advisor:SA01", NOW)  # type: ignore[arg-type]
    assert ws.appointments == before and ws.take_events() == []
    with pytest.raises(errors.UnknownAppointment):
        ws.record_call("AP-nope", CallOutcome.CONFIRMED, "", "advisor:SA01", NOW)
