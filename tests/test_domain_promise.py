"""The promise offered at check-in, from the plan and the load: a full workshop promises
later than an empty one, a booked car from its reserved time, the checks and wash in
working hours. Pure domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core.domain.eta import suggest_promise
from core.domain.plan import plan_workshop
from core.domain.promise import planned_ready, promise_at_check_in
from core.domain.workshop import Workshop
from tests.helpers import order
from tests.schedule_site import (
    ALIGNMENT,
    NOW,
    SERVICE,
    booking,
    hours_of,
    local,
    scheduled_workshop,
)


@pytest.fixture
def ws() -> Workshop:
    return scheduled_workshop()


def busy(ws: Workshop, bays: list[str], hours: float) -> None:
    for n, bay in enumerate(bays):
        job = ws.check_in(replace(order(f"京B{n:05d}"), operations=(hours_of(hours),)), NOW)
        ws.dispatch(job.ro, bay, NOW)


GENERAL = ["B01", "B02", "B03", "B04", "B05"]


def test_an_empty_workshop_promises_what_the_cars_own_work_takes(ws: Workshop) -> None:
    promised = promise_at_check_in(ws, [SERVICE], wash=True, now=NOW)
    assert promised == local(11, 15, days=0)  # the work, the checks, the wash, half an hour
    assert promised == suggest_promise(NOW, 1.0, wash=True)


def test_a_full_workshop_promises_later(ws: Workshop) -> None:
    empty = promise_at_check_in(ws, [SERVICE], wash=True, now=NOW)
    busy(ws, GENERAL, 3.0)  # every general bay busy until noon
    full = promise_at_check_in(ws, [SERVICE], wash=True, now=NOW)
    assert full > empty
    assert full == local(15, 15, days=0)  # after lunch: 13:00–14:00, then as before


def test_the_bay_free_soonest_is_taken(ws: Workshop) -> None:
    busy(ws, GENERAL[:4], 3.0)
    # B05 is free: 09:00–10:00, the checks and the margin 10:55, on the quarter hour.
    assert promise_at_check_in(ws, [SERVICE], wash=False, now=NOW) == local(11, days=0)


def test_an_alignment_is_promised_from_the_alignment_lift(ws: Workshop) -> None:
    busy(ws, ["B06"], 2.0)
    promised = promise_at_check_in(ws, [ALIGNMENT], wash=False, now=NOW)
    # 11:00–12:00 on the lift (the general bays are free), the checks after lunch.
    assert promised == local(14, days=0)


def test_the_checks_and_wash_wait_for_the_next_morning(ws: Workshop) -> None:
    late = local(16, days=0)
    assert promise_at_check_in(ws, [SERVICE], wash=True, now=late) == local(9, 15)


def test_a_booked_car_is_promised_from_its_reserved_time(ws: Workshop) -> None:
    appt = ws.book(booking(local(9)), NOW)  # its bay time: 09:15–10:15 tomorrow
    busy(ws, GENERAL, 9.0)  # the bays' queues run into tomorrow: the booked time stays
    promised = promise_at_check_in(ws, [SERVICE], True, local(8, 55), appointment=appt.id)
    assert promised == local(11, 30)
    unbooked = promise_at_check_in(ws, [SERVICE], True, local(8, 55))
    assert unbooked > promised


def test_each_planned_job_is_ready_after_its_checks_and_wash(ws: Workshop) -> None:
    busy(ws, ["B01"], 1.0)
    plan = plan_workshop(ws, NOW)
    (ro,) = plan.jobs
    ready = planned_ready(plan, {ro: True}, ws.hours)
    assert ready[ro] == plan.jobs[ro].end + timedelta(minutes=45)
