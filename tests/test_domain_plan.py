"""The plan (排班): planned start and end of every dispatched job from its bay's queue and
its remaining standard hours, in working hours, around the time reserved for booked cars;
a job the foreman pinned to a time planned from then, the rest of its queue around it;
planned again after a move, an overrun, a rework. Pure domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import events as ev
from core.domain.appointment import BookingChanges
from core.domain.errors import BayKindNeeded, IllegalTransition, InvalidData, TimePassed
from core.domain.eta import FINAL_QC, LEADER_CHECK, WASH, Forecast, forecast
from core.domain.model import BayKind, Job, JobStatus
from core.domain.plan import (
    Block,
    QueuedWork,
    plan_bays,
    plan_in_steps,
    plan_workshop,
    remaining_work,
)
from core.domain.reservations import Reservation, workshop_reservations
from core.domain.workshop import Workshop
from tests.helpers import order
from tests.schedule_site import ALIGNMENT, HOURS, NOW, booking, hours_of, local, scheduled_workshop


@pytest.fixture
def ws() -> Workshop:
    return scheduled_workshop()


def dispatched(ws: Workshop, bay: str, hours: float, at: datetime = NOW) -> Job:
    n = len(ws.jobs) + 1
    job = ws.check_in(replace(order(f"京A{n:05d}"), operations=(hours_of(hours),)), at)
    ws.dispatch(job.ro, bay, at)
    return job


def span(block: Block) -> tuple[datetime, datetime]:
    return block.start, block.end


def at_today(hour: int, minute: int = 0) -> datetime:
    return local(hour, minute, days=0)


# ------------------------------------------------------------------ queue and hours
def test_a_bay_works_its_queue_in_order_for_each_jobs_standard_hours(ws: Workshop) -> None:
    a, b, c = (dispatched(ws, "B01", h) for h in (1.0, 2.0, 0.5))
    plan = plan_workshop(ws, NOW)
    assert span(plan.jobs[a.ro]) == (at_today(9), at_today(10))
    assert span(plan.jobs[b.ro]) == (at_today(10), at_today(12))
    assert span(plan.jobs[c.ro]) == (at_today(13), at_today(13, 30))  # after lunch
    assert plan.free_from["B01"] == at_today(13, 30)


def test_work_runs_only_in_working_hours(ws: Workshop) -> None:
    late = dispatched(ws, "B02", 3.0, at_today(15))
    plan = plan_workshop(ws, at_today(15))
    assert span(plan.jobs[late.ro]) == (at_today(15), local(9))  # two today, one tomorrow
    assert span(plan_workshop(ws, at_today(18)).jobs[late.ro]) == (local(8), local(11))


def test_the_job_on_the_lift_comes_first_whatever_the_order(ws: Workshop) -> None:
    first, second = dispatched(ws, "B01", 1.0), dispatched(ws, "B01", 1.0)
    ws.sign_in("T002", "B01", NOW)
    ws.start(second.ro, "T002", "B01", NOW)
    plan = plan_workshop(ws, NOW)
    assert span(plan.jobs[second.ro]) == (at_today(9), at_today(10))
    assert span(plan.jobs[first.ro]) == (at_today(10), at_today(11))


# ------------------------------------------------------------------ re-planned
def test_after_a_move_both_bays_are_planned_again(ws: Workshop) -> None:
    first, second = dispatched(ws, "B01", 2.0), dispatched(ws, "B01", 1.0)
    assert plan_workshop(ws, NOW).jobs[second.ro].start == at_today(11)
    ws.dispatch(first.ro, "B02", NOW)
    plan = plan_workshop(ws, NOW)
    assert span(plan.jobs[second.ro]) == (at_today(9), at_today(10))
    assert plan.jobs[first.ro].bay == "B02" and plan.jobs[first.ro].start == at_today(9)


def test_after_an_overrun_the_jobs_behind_it_move_later(ws: Workshop) -> None:
    running, behind = dispatched(ws, "B01", 1.0), dispatched(ws, "B01", 1.0)
    ws.sign_in("T002", "B01", NOW)
    ws.start(running.ro, "T002", "B01", NOW)
    assert plan_workshop(ws, NOW).jobs[behind.ro].start == at_today(10)
    plan = plan_workshop(ws, at_today(10, 30))  # the hour is gone, the job is not done
    assert span(plan.jobs[running.ro]) == (at_today(10, 30), at_today(10, 30))
    assert span(plan.jobs[behind.ro]) == (at_today(10, 30), at_today(11, 30))


def test_a_rework_goes_first_for_its_allowance(ws: Workshop) -> None:
    job, other = dispatched(ws, "B01", 1.0), dispatched(ws, "B01", 1.0)
    ws.sign_in("T002", "B01", NOW)
    ws.start(job.ro, "T002", "B01", NOW)
    ws.self_check(job.ro, "T002", "B01", at_today(10))
    ws.sign_in("T001", "B01", at_today(10))
    ws.leader_check(job.ro, "T001", "B01", at_today(10))
    ws.sign_in("Q001", "Q01", at_today(10))
    ws.qc_fail(job.ro, "Q001", "Q01", ["异响"], at_today(10, 10))
    plan = plan_workshop(ws, at_today(10, 10))
    assert span(plan.jobs[job.ro]) == (at_today(10, 10), at_today(10, 40))
    assert plan.jobs[other.ro].start == at_today(10, 40)
    ws.start(job.ro, "T002", "B01", at_today(10, 20))
    assert remaining_work(job, at_today(10, 30)) == timedelta(minutes=20)


# ------------------------------------------------------------------ reserved time
def test_a_booked_car_gets_a_block_on_a_bay_of_its_teams_and_kind(ws: Workshop) -> None:
    general = ws.book(booking(local(9), "SA01", hours_of(1.0), team="B"), NOW)
    aligned = ws.book(booking(local(9), "SA02", ALIGNMENT), NOW)
    later = ws.book(booking(local(9, 15), "SA02", ALIGNMENT), NOW)
    held = {r.appointment: r for r in workshop_reservations(ws)}
    assert (held[general.id].bay, held[general.id].start) == ("B04", local(9, 15))
    assert held[general.id].end == local(10, 15)
    assert held[aligned.id].bay == "B06" and held[aligned.id].kind is BayKind.ALIGNMENT
    assert held[later.id].bay is None  # the one lift is taken then: held on its team


def test_a_reservation_is_held_until_the_car_is_in_a_queue(ws: Workshop) -> None:
    kept = ws.book(booking(local(11)), NOW)
    cancelled = ws.book(booking(local(11), "SA02"), NOW)
    missed = ws.book(booking(local(10)), NOW)
    ws.cancel_appointment(cancelled.id, "改期", NOW)
    ws.record_no_shows(local(10, 16))
    assert [r.appointment for r in workshop_reservations(ws)] == [kept.id]
    job = ws.check_in(order(), local(10, 50), appointment=kept.id)
    assert [r.appointment for r in workshop_reservations(ws)] == [kept.id]
    ws.dispatch(job.ro, "B02", local(11))
    assert workshop_reservations(ws) == [] and missed.id not in plan_workshop(ws, NOW).reserved


def test_a_late_car_is_reserved_from_its_arrival(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)
    ws.mark_arrived(appt.id, local(9, 40))
    (held,) = workshop_reservations(ws)
    assert held.start == local(9, 55)


def test_the_blocks_follow_every_change_of_a_booking_made_in_place(ws: Workshop) -> None:
    # The blocks are kept from one plan to the next: a change must still be seen.
    appt = ws.book(booking(local(9)), NOW)
    (first,) = workshop_reservations(ws)
    assert workshop_reservations(ws) == [first]  # nothing changed: the same
    ws.change_appointment(appt.id, BookingChanges(operations=(ALIGNMENT,)), NOW)
    (aligned,) = workshop_reservations(ws)  # the appointment changed in place
    assert aligned.kind is BayKind.ALIGNMENT and aligned.bay != first.bay
    ws.mark_arrived(appt.id, local(9, 40))
    (late,) = workshop_reservations(ws)
    assert late.start == local(9, 55) != aligned.start
    assert workshop_reservations(scheduled_workshop()) == []  # another workshop: its own


def test_queued_work_that_would_run_into_a_booked_car_waits_for_it(ws: Workshop) -> None:
    ws.book(booking(local(9), "SA01", hours_of(1.0), team="A"), NOW)  # B01 09:15–10:15
    short, long = dispatched(ws, "B01", 1.0), dispatched(ws, "B01", 2.0)
    plan = plan_workshop(ws, local(8))
    assert span(plan.jobs[short.ro]) == (local(8), local(9))
    assert span(plan.jobs[long.ro]) == (local(10, 15), local(13, 15))  # over lunch


def test_a_job_on_the_lift_pushes_the_booked_car_back(ws: Workshop) -> None:
    appt = ws.book(booking(local(9), "SA01", hours_of(1.0), team="A"), NOW)
    running = dispatched(ws, "B01", 3.0, local(8))
    ws.sign_in("T002", "B01", local(8))
    ws.start(running.ro, "T002", "B01", local(8))
    plan = plan_workshop(ws, local(8))
    assert span(plan.reserved[appt.id]) == (local(11), local(12))


# ------------------------------------------------------------------ pinned to a time
def test_a_pinned_job_is_planned_from_its_time_and_the_queue_around_it(ws: Workshop) -> None:
    a, pinned, c, d = (dispatched(ws, "B01", h) for h in (1.0, 1.0, 1.0, 0.5))
    ws.dispatch_at(pinned.ro, "B01", at_today(10, 30), NOW)
    plan = plan_workshop(ws, NOW)
    assert span(plan.jobs[pinned.ro]) == (at_today(10, 30), at_today(11, 30))
    assert plan.jobs[pinned.ro].pinned == at_today(10, 30)
    assert span(plan.jobs[a.ro]) == (at_today(9), at_today(10))  # before it: the hour fits
    assert span(plan.jobs[c.ro]) == (at_today(11, 30), at_today(13, 30))  # 10:00 would run in
    assert span(plan.jobs[d.ro]) == (at_today(13, 30), at_today(14))  # the queue's order kept
    assert plan.free_from["B01"] == at_today(14)
    assert plan.jobs[a.ro].pinned is None


def test_the_ready_times_a_pin_gives_agree_with_its_plan(ws: Workshop) -> None:
    """The predicted ready time (lounge, board, kiosk) of a car set to start later counts
    its work from then, as its plan does; the cars behind it in the queue are not held up
    by it meanwhile; the prediction holds still until the set time comes."""
    pinned, after = (dispatched(ws, "B01", 1.0) for _ in range(2))
    ws.dispatch_at(pinned.ro, "B01", at_today(13), NOW)
    made = forecast(ws, NOW, {"B01"})
    checks = LEADER_CHECK + FINAL_QC + (WASH if pinned.wash_requested else timedelta())
    assert after.wash_requested == pinned.wash_requested  # the same checks after both
    assert made[pinned.ro] == Forecast(at_today(14) + checks, 0, at_today(11))
    # … until 11:00, after which its hour runs into lunch (12:00 – 13:00) and no longer fits
    # before 13:00; the car behind it is ready later every minute it waits, until its
    # checks would run into lunch
    until = at_today(12) - (NOW + timedelta(hours=1) + checks) + NOW
    assert made[after.ro] == Forecast(NOW + timedelta(hours=1) + checks, 1, until)
    assert plan_workshop(ws, NOW).jobs[pinned.ro].end == at_today(14)
    later = forecast(ws, at_today(13) + timedelta(minutes=1), {"B01"})  # its time came
    assert later[pinned.ro].at == at_today(14, 1) + checks  # worked in the queue's order


def test_work_left_at_closing_is_predicted_after_the_next_opening(ws: Workshop) -> None:
    """The ready time a customer is shown counts the workshop's hours as the plan does: a
    car with three hours of work at 15:30 is worked until 17:00 and from 08:00 the next
    morning; the time stands still through the night and moves again from the opening."""
    late = at_today(15, 30)
    car = dispatched(ws, "B01", 3.0, at=late)
    checks = LEADER_CHECK + FINAL_QC + (WASH if car.wash_requested else timedelta())
    tomorrow = local(9, 30, days=1)
    assert plan_workshop(ws, late).jobs[car.ro].end == tomorrow
    assert forecast(ws, late, {"B01"})[car.ro] == Forecast(tomorrow + checks, 1, at_today(17))
    night = forecast(ws, at_today(20), {"B01"})[car.ro]
    assert night == Forecast(local(11, days=1) + checks, 0, local(8, days=1))  # 08:00 – 11:00
    later = forecast(ws, local(8, 10, days=1), {"B01"})[car.ro]
    assert later.at == night.at + timedelta(minutes=10)  # waiting since the opening


def test_a_car_past_its_bay_is_checked_in_working_time_too(ws: Workshop) -> None:
    """Its checks take working time as well: a car self-checked at 16:50 is predicted after
    the next opening, not at 17:15."""
    car = dispatched(ws, "B01", 1.0)
    tech = next(iter(ws.technicians))
    ws.sign_in(tech, "B01", NOW)
    ws.start(car.ro, tech, "B01", NOW)
    ws.self_check(car.ro, tech, "B01", at_today(16, 50))
    made = forecast(ws, at_today(16, 50), {"B01"})[car.ro]
    before_close = timedelta(minutes=10)
    left = LEADER_CHECK + FINAL_QC + (WASH if car.wash_requested else timedelta())
    assert made == Forecast(local(8, days=1) + left - before_close, 1, at_today(17))


def test_a_held_car_waits_for_the_lift_and_the_others_fit_around_it(ws: Workshop) -> None:
    """Ready times as the plan works the bay: the car set to start at 10:00 comes once
    the car on the lift is done; a car whose two hours do not fit before a held one comes
    after it."""
    on_lift, held = dispatched(ws, "B01", 3.0), dispatched(ws, "B01", 1.0)
    tech = next(iter(ws.technicians))
    ws.sign_in(tech, "B01", NOW)
    ws.start(on_lift.ro, tech, "B01", NOW)
    ws.dispatch_at(held.ro, "B01", at_today(10), NOW)
    checks = LEADER_CHECK + FINAL_QC + (WASH if held.wash_requested else timedelta())
    made = forecast(ws, NOW, {"B01"})
    # after the lift's three hours (09:00 – 12:00) and lunch
    assert made[held.ro].at == at_today(14) + checks
    other, later = dispatched(ws, "B02", 2.0), dispatched(ws, "B02", 1.0)
    ws.dispatch_at(later.ro, "B02", at_today(10), NOW)
    made = forecast(ws, NOW, {"B02"})
    assert made[later.ro] == Forecast(at_today(11) + checks, 0, at_today(10))
    # 09:00 – 11:00 would run into it: 11:00 – 12:00, then 13:00 – 14:00 after lunch
    assert made[other.ro].at == at_today(14) + checks


def test_a_pin_keeps_out_of_a_booked_cars_time_and_of_an_earlier_pin(ws: Workshop) -> None:
    appt = ws.book(booking(local(9), "SA01", hours_of(1.0), team="A"), NOW)  # B01 09:15–10:15
    first, second, last = (dispatched(ws, "B01", 1.0) for _ in range(3))
    ws.dispatch_at(first.ro, "B01", local(9, 30), NOW)
    ws.dispatch_at(second.ro, "B01", local(10, 45), NOW)
    ws.dispatch_at(last.ro, "B01", local(11), NOW)
    plan = plan_workshop(ws, NOW)
    assert span(plan.reserved[appt.id]) == (local(9, 15), local(10, 15))  # the booking holds
    assert span(plan.jobs[first.ro]) == (local(10, 15), local(11, 15))
    assert span(plan.jobs[second.ro]) == (local(11, 15), local(13, 15))
    assert span(plan.jobs[last.ro]) == (local(13, 15), local(14, 15))


def test_a_pin_whose_time_has_passed_is_ignored(ws: Workshop) -> None:
    first, pinned = dispatched(ws, "B01", 1.0), dispatched(ws, "B01", 1.0)
    ws.dispatch_at(pinned.ro, "B01", at_today(10), NOW)
    assert plan_workshop(ws, NOW).jobs[pinned.ro].start == at_today(10)
    plan = plan_workshop(ws, at_today(10, 20))  # 10:00 came and nobody started it
    assert span(plan.jobs[first.ro]) == (at_today(10, 20), at_today(11, 20))
    assert span(plan.jobs[pinned.ro]) == (at_today(11, 20), at_today(13, 20))
    assert plan.jobs[pinned.ro].pinned is None


def test_a_started_job_lets_go_of_its_pin_and_is_planned_on_the_lift(ws: Workshop) -> None:
    first, pinned = dispatched(ws, "B01", 1.0), dispatched(ws, "B01", 2.0)
    ws.dispatch_at(pinned.ro, "B01", at_today(14), NOW)
    ws.sign_in("T002", "B01", NOW)
    ws.start(pinned.ro, "T002", "B01", at_today(9, 30))  # the bay took it sooner
    assert pinned.pinned_start is None
    plan = plan_workshop(ws, at_today(9, 30))
    assert span(plan.jobs[pinned.ro]) == (at_today(9, 30), at_today(11, 30))
    assert span(plan.jobs[first.ro]) == (at_today(11, 30), at_today(13, 30))
    # A pin the plan is handed for work on the lift moves nothing either.
    work = QueuedWork("RO-1", timedelta(hours=1), running=True, not_before=at_today(15))
    held = plan_bays({"B09": [work]}, [], NOW, HOURS).jobs["RO-1"]
    assert span(held) == (at_today(9), at_today(10)) and held.pinned is None


def test_put_on_another_bay_at_a_time_moves_it_by_the_rules_of_a_move(ws: Workshop) -> None:
    job = dispatched(ws, "B01", 1.0)
    waiting = ws.check_in(order("京B00001"), NOW)
    ws.take_events()
    ws.dispatch_at(job.ro, "B02", at_today(11), NOW)
    moved, pinned = ws.take_events()
    assert isinstance(moved, ev.JobDispatched) and (moved.from_bay, moved.bay) == ("B01", "B02")
    assert pinned == ev.StartPinned(ro=job.ro, bay="B02", start=at_today(11), at=NOW)
    assert (job.bay, job.pinned_start) == ("B02", at_today(11))
    ws.dispatch_at(job.ro, "B02", at_today(14), NOW)  # on its own bay: only the time
    assert [type(e) for e in ws.take_events()] == [ev.StartPinned]
    ws.dispatch_at(waiting.ro, "B02", at_today(15), NOW)  # from the dispatch queue
    assert waiting.status is JobStatus.DISPATCHED and waiting.pinned_start == at_today(15)
    ws.dispatch(job.ro, "B03", NOW)  # a plain move: the time held on B02, not on B03
    assert job.pinned_start is None
    assert plan_workshop(ws, NOW).jobs[job.ro].start == at_today(9)


def test_a_pin_is_refused_for_work_needing_another_bay_a_passed_time_and_a_running_job(
    ws: Workshop,
) -> None:
    aligned = ws.check_in(replace(order("京C00001"), operations=(ALIGNMENT,)), NOW)
    with pytest.raises(BayKindNeeded):
        ws.dispatch_at(aligned.ro, "B01", at_today(11), NOW)
    with pytest.raises(InvalidData):
        ws.dispatch_at(aligned.ro, "B01", at_today(11), NOW, force=True)  # no reason
    assert aligned.bay is None and aligned.pinned_start is None
    ws.dispatch_at(aligned.ro, "B01", at_today(11), NOW, force=True, reason="定位仪借用")
    assert aligned.bay == "B01" and aligned.pinned_start == at_today(11)
    with pytest.raises(TimePassed):
        ws.dispatch_at(aligned.ro, "B01", at_today(8, 59), NOW)
    with pytest.raises(InvalidData):
        ws.dispatch_at(aligned.ro, "B01", at_today(11).replace(tzinfo=None), NOW)
    ws.sign_in("T002", "B01", NOW)
    ws.start(aligned.ro, "T002", "B01", NOW)
    ws.take_events()
    with pytest.raises(IllegalTransition):
        ws.dispatch_at(aligned.ro, "B01", at_today(14), NOW)  # a clock runs on it
    assert ws.take_events() == [] and aligned.pinned_start is None


# ------------------------------------------------------------------ properties
BAYS = ["B01", "B02", "B03"]


@st.composite
def workshops(
    draw: st.DrawFn,
) -> tuple[dict[str, list[QueuedWork]], list[Reservation], datetime]:
    """Queues of jobs (the first perhaps on the lift, some pinned to a time, passed or to
    come) and, per bay, booked blocks that do not overlap, as the reservations are made; a
    moment to plan at."""
    now = NOW + timedelta(minutes=draw(st.integers(-600, 3000), label="now"))
    minutes = st.integers(0, 900).map(lambda m: timedelta(minutes=m))
    pins = st.none() | st.integers(-600, 3000).map(lambda m: NOW + timedelta(minutes=m))
    queues: dict[str, list[QueuedWork]] = {}
    reserved: list[Reservation] = []
    for bay in BAYS:
        works = draw(st.lists(st.tuples(minutes, pins), max_size=6), label=f"{bay} queue")
        running = bool(works) and draw(st.booleans(), label="on the lift")
        queues[bay] = [
            QueuedWork(f"{bay}-{i}", w, i == 0 and running, pin) for i, (w, pin) in enumerate(works)
        ]
        cursor = NOW + timedelta(minutes=draw(st.integers(-600, 3000), label="first booking"))
        for n in range(draw(st.integers(0, 3), label="bookings")):
            start = HOURS.next_working(cursor + timedelta(minutes=draw(st.integers(0, 600))))
            work = draw(minutes.filter(bool), label="booked work")
            end = HOURS.add(start, work)
            ident = f"{bay}-AP{n}"
            reserved.append(Reservation(ident, BayKind.GENERAL, None, bay, start, end, work))
            cursor = end
    return queues, reserved, now


@settings(max_examples=300, deadline=None)
@given(workshops())
def test_planned_blocks_keep_apart_keep_the_order_and_pins_and_take_the_remaining_hours(
    case: tuple[dict[str, list[QueuedWork]], list[Reservation], datetime],
) -> None:
    queues, reserved, now = case
    plan = plan_bays(queues, reserved, now, HOURS)
    for bay, queue in queues.items():
        blocks = plan.on_bay(bay)
        for before, after in pairwise(blocks):
            assert before.end <= after.start, f"{before} runs into {after}"
        for work in queue:
            block = plan.jobs[work.ro]
            assert block.start >= HOURS.next_working(now)
            assert HOURS.between(block.start, block.end) == work.remaining
        waiting = [plan.jobs[w.ro] for w in queue if not w.running and not w.pinned(now)]
        assert all(a.end <= b.start for a, b in pairwise(waiting))
        for work in queue:
            block = plan.jobs[work.ro]
            if work.pinned(now):
                assert work.not_before is not None and block.start >= work.not_before
                assert block.pinned == work.not_before
            else:
                assert block.pinned is None
        booked = [r for r in reserved if r.bay == bay]
        # Only the work on the lift, or a booked car whose time began before now, moves
        # a booked car's time.
        pushed = any(w.running for w in queue) or any(
            r.start < HOURS.next_working(now) for r in booked
        )
        for r in booked:
            block = plan.reserved[r.appointment]
            assert block.start >= r.start
            assert HOURS.between(block.start, block.end) == r.work
            if not pushed:
                assert span(block) == (r.start, r.end), "a booked car's time moved"


# ------------------------------------------------------------------ a few jobs at a time
@pytest.mark.parametrize("per_step", [1, 2, 5])
def test_the_plan_made_a_few_jobs_at_a_time_is_the_plan(ws: Workshop, per_step: int) -> None:
    for n, bay in enumerate(["B01", "B01", "B02", "B03", "B03", "B03", "B04"]):
        dispatched(ws, bay, 0.5 + n / 4)
    ws.book(booking(local(9), "SA01", hours_of(1.0), team="B"), NOW)
    ws.book(booking(local(9), "SA02", ALIGNMENT), NOW)
    ws.book(booking(local(9, 15), "SA02", ALIGNMENT), NOW)  # held on its team: no bay
    steps = plan_in_steps(ws, NOW, per_step)
    taken = 0
    while True:
        try:
            next(steps)
        except StopIteration as made:
            plan = made.value
            break
        taken += 1
    assert plan == plan_workshop(ws, NOW)
    assert plan.jobs and plan.reserved
    bays = {b.bay for b in [*plan.jobs.values(), *plan.reserved.values()] if b.bay}
    # A step after every few jobs, a bay never cut in two: with one, a bay a step.
    assert taken == len(bays) if per_step == 1 else 2 <= taken < len(bays)
