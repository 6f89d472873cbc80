"""The foreman's order of a bay's queue: a job put before another or last, urgent jobs (加急)
ahead of the normal ones wherever they stand; the kiosk's queue and the plan follow it.
Pure domain."""

from __future__ import annotations

import pytest

from core.domain import events as ev
from core.domain.errors import IllegalTransition, PriorityOrder, WrongBay
from core.domain.model import JobStatus, Priority
from core.domain.plan import plan_workshop
from core.domain.workshop import Workshop
from tests.helpers import T0, at, domain_workshop, order


@pytest.fixture
def ws() -> Workshop:
    return domain_workshop()


def queued(ws: Workshop, bay: str, n: int) -> list[str]:
    """``n`` cars dispatched to ``bay`` in turn."""
    ros = []
    for i in range(n):
        job = ws.check_in(order(f"京A{len(ws.jobs) + 1:05d}"), at(i))
        ws.dispatch(job.ro, bay, at(i))
        ros.append(job.ro)
    ws.take_events()
    return ros


def queue(ws: Workshop, bay: str) -> list[str]:
    return [j.ro for j in ws.bay_queue(bay)]


def test_a_job_put_before_another_takes_its_place_and_the_rest_move_down(ws: Workshop) -> None:
    a, b, c = queued(ws, "B01", 3)
    ws.put_before(c, a, at(10))
    assert queue(ws, "B01") == [c, a, b]
    (fact,) = ws.take_events()
    assert isinstance(fact, ev.QueueReordered)
    assert (fact.ro, fact.bay, fact.ahead_of) == (c, "B01", a)
    assert set(fact.jobs()) == {a, b, c}  # every job whose place changed is named (stored)
    ws.put_before(c, None, at(11))  # and back to the end
    assert queue(ws, "B01") == [a, b, c]


def test_a_job_already_in_its_place_records_nothing(ws: Workshop) -> None:
    a, b = queued(ws, "B01", 2)
    ws.put_before(a, b, at(5))
    ws.put_before(b, None, at(5))
    assert queue(ws, "B01") == [a, b] and ws.take_events() == []


def test_the_job_on_the_lift_stays_and_other_bays_and_the_job_itself_are_refused(
    ws: Workshop,
) -> None:
    a, b = queued(ws, "B01", 2)
    (other,) = queued(ws, "B02", 1)
    ws.sign_in("T002", "B01", at(5))
    ws.start(a, "T002", "B01", at(5))
    ws.take_events()
    with pytest.raises(IllegalTransition):
        ws.put_before(a, None, at(6))  # on the lift
    with pytest.raises(WrongBay):
        ws.put_before(b, other, at(6))
    with pytest.raises(IllegalTransition):
        ws.put_before(b, b, at(6))
    ws.put_before(b, a, at(6))  # before the running job: first of the queue after it
    assert queue(ws, "B01") == [b, a]
    plan = plan_workshop(ws, at(6))
    assert plan.jobs[a].end == plan.jobs[b].start  # the lift's job is planned first


def test_an_urgent_job_goes_ahead_of_the_normal_ones_and_back_when_normal(ws: Workshop) -> None:
    a, b, c = queued(ws, "B01", 3)
    ws.set_priority(c, Priority.URGENT, at(10))
    assert queue(ws, "B01") == [c, a, b]
    (fact,) = ws.take_events()
    assert fact == ev.PriorityChanged(ro=c, bay="B01", priority=Priority.URGENT, at=at(10))
    ws.set_priority(b, Priority.URGENT, at(11))
    assert queue(ws, "B01") == [b, c, a]  # among the urgent ones, the queue's own order
    ws.put_before(c, b, at(12))
    assert queue(ws, "B01") == [c, b, a]
    with pytest.raises(PriorityOrder):
        ws.put_before(a, c, at(13))  # a normal job is not put ahead of an urgent one
    ws.set_priority(c, Priority.NORMAL, at(14))
    assert queue(ws, "B01") == [b, a, c]  # by the place it holds in the queue's order


def test_an_urgent_job_keeps_its_priority_when_moved_to_another_bay(ws: Workshop) -> None:
    (first,) = queued(ws, "B02", 1)
    _, b = queued(ws, "B01", 2)
    ws.set_priority(b, Priority.URGENT, at(10))
    ws.dispatch(b, "B02", at(11))
    assert queue(ws, "B02") == [b, first]
    plan = plan_workshop(ws, at(11))
    assert plan.jobs[b].end == plan.jobs[first].start


def test_a_car_waiting_for_dispatch_may_be_urgent_but_not_one_past_the_bay(ws: Workshop) -> None:
    job = ws.check_in(order(), T0)
    ws.set_priority(job.ro, Priority.URGENT, at(1))
    assert ws.take_events()[-1] == ev.PriorityChanged(
        ro=job.ro, bay=None, priority=Priority.URGENT, at=at(1)
    )
    ws.set_priority(job.ro, Priority.URGENT, at(2))  # already: nothing happened
    assert ws.take_events() == []
    ws.dispatch(job.ro, "B01", at(3))
    ws.sign_in("T002", "B01", at(3))
    ws.start(job.ro, "T002", "B01", at(3))
    ws.self_check(job.ro, "T002", "B01", at(4))
    assert ws.job(job.ro).status is JobStatus.SELF_CHECKED
    with pytest.raises(IllegalTransition):
        ws.set_priority(job.ro, Priority.NORMAL, at(5))
