"""A delivered car leaves the live workshop: memory holds what is in the building. Its
follow-up call is listed from storage, and a command that names it (the call, a clock
correction) brings it back for that step only; the core starts with the open cars alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.board_source import CoreBoardSource
from core.commands import AdjustClock, CheckInCar, Deliver, Dispatch, RecordFollowUp
from core.domain.errors import UnknownJob
from core.domain.model import FollowUpOutcome, JobStatus
from core.domain.workshop import Workshop
from core.engine import Core
from core.store.repository import Store
from tests.helpers import T0, Clock, FakeBus, demo_config, order


def in_memory(core: Core) -> set[str]:
    return core.query(lambda ws, _now: set(ws.jobs))


def ready_for_pickup(core: Core, clock: Clock) -> tuple[str, datetime]:
    """A car worked, checked and inspected at the clock's time; returns it and when the
    technician started on it."""
    job = core.run_command(CheckInCar(order(wash_requested=False)), "advisor:SA01")
    core.run_command(Dispatch(job.ro, "B03"), "foreman:F001")
    started = clock.now

    def work(ws: Workshop, now: datetime) -> None:
        ws.sign_in("T002", "B03", now)
        ws.start(job.ro, "T002", "B03", now)
        later = now + timedelta(minutes=40)
        ws.self_check(job.ro, "T002", "B03", later)
        ws.sign_in("Q001", "Q01", later)
        ws.leader_check(job.ro, "Q001", "Q01", later)
        ws.qc_pass(job.ro, "Q001", "Q01", later)

    core.query(work)
    clock.advance(minutes=50)
    return str(job.ro), started


def test_a_delivered_car_leaves_memory_and_its_call_is_listed_and_recorded_from_storage(
    core: Core, store: Store, clock: Clock
) -> None:
    ro, started = ready_for_pickup(core, clock)
    source = CoreBoardSource(core)
    core.run_command(Deliver(ro), "advisor:SA01")
    assert ro not in in_memory(core), "a delivered car stayed in the live workshop"
    assert store.load_job(ro).status is JobStatus.DELIVERED
    assert [j.ro for j in source.awaiting_follow_up(T0 - timedelta(days=1))] == [ro]
    assert source.job(ro) is not None  # the order page reads it from storage

    # The foreman corrects a clock the day after: the car is brought back for that step.
    clock.advance(hours=20)
    earlier = started - timedelta(minutes=5)
    end = started + timedelta(minutes=40)
    core.run_command(AdjustClock(ro, "T002", started, earlier, end, "早到了"), "foreman:F001")
    assert store.load_job(ro).segments[0].start == earlier
    assert store.audit_trail(ro)[-1]["type"] == "clock.adjusted"
    assert ro not in in_memory(core)

    core.run_command(RecordFollowUp(ro, FollowUpOutcome.GOOD, "满意"), "advisor:SA01")
    closed = store.load_job(ro)
    assert closed.status is JobStatus.CLOSED and closed.follow_up is not None
    assert ro not in in_memory(core) and source.awaiting_follow_up(T0) == []
    with pytest.raises(UnknownJob):  # a closed order is not recalled: it changes no more
        core.run_command(RecordFollowUp(ro, FollowUpOutcome.GOOD, ""), "advisor:SA01")


def test_the_core_starts_with_the_cars_in_the_building_only(store: Store, clock: Clock) -> None:
    first = Core(demo_config(), store, FakeBus(), clock)
    first.start()
    try:
        delivered, _ = ready_for_pickup(first, clock)
        first.run_command(Deliver(delivered), "advisor:SA01")
        waiting = first.run_command(CheckInCar(order(plate="京B22222")), "advisor:SA01").ro
    finally:
        first.stop()
    again = Core(demo_config(), store, FakeBus(), clock)
    assert set(again.ws.jobs) == {waiting}
    assert [j.ro for j in again.ws.open_jobs()] == [waiting]
