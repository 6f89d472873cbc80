"""A delivered car leaves the boards' lists at once, and the live workshop once its day is
over (the day's Gantt still shows its work): memory holds a day's cars, not history. Its
follow-up call is listed from storage, and a command that names it (the call, a clock
correction) brings it back for that step only; the core starts with the open cars and those
that left since the start of the day's Gantt."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

import core.engine.view_publisher as view_publisher
from core.board_source import CoreBoardSource
from core.commands import AdjustClock, Cancel, CheckInCar, Deliver, Dispatch, RecordFollowUp
from core.domain.errors import UnknownJob
from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.model import FollowUpOutcome, JobStatus
from core.domain.workshop import Workshop
from core.engine import Core
from core.store.repository import Store
from tests.helpers import T0, Clock, FakeBus, Kiosk, demo_config, order, settle
from tests.waiting import wait_until


def in_memory(core: Core) -> set[str]:
    return core.query(lambda ws, _now: set(ws.jobs))


def open_ros(core: Core) -> set[str]:
    return core.query(lambda ws, _now: {j.ro for j in ws.open_jobs()})


def bars(board: dict[str, Any], ro: str) -> set[tuple[str, str]]:
    """(bay, kind) of a repair order's bars on the board's Gantt."""
    return {(b["bay"], b["kind"]) for b in board["timeline"] if b["ro"] == ro}


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
        ws.qc_pass(job.ro, "Q001", "Q01", later, complete(job.job_type))
        ws.check_handover(job.ro, all_ticked(job), "SA01", later)

    core.query(work)
    clock.advance(minutes=50)
    return str(job.ro), started


def test_a_delivered_car_leaves_memory_and_its_call_is_listed_and_recorded_from_storage(
    core: Core, store: Store, clock: Clock
) -> None:
    ro, started = ready_for_pickup(core, clock)
    source = CoreBoardSource(core)
    core.run_command(Deliver(ro), "advisor:SA01")
    assert ro not in open_ros(core), "a delivered car is still listed as in the building"
    assert store.load_job(ro).status is JobStatus.DELIVERED
    assert [j.ro for j in source.awaiting_follow_up(T0 - timedelta(days=1))] == [ro]
    assert source.job(ro) is not None  # the order page reads it from storage

    # The foreman corrects a clock the day after: the car, let go with its day, is brought
    # back for that step.
    clock.advance(hours=20)
    assert ro not in in_memory(core), "a car delivered the day before stayed in memory"
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


def test_the_gantt_keeps_the_work_of_a_car_delivered_today_until_the_day_is_over(
    store: Store, bus: FakeBus, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view_publisher, "DISPATCH_REFRESH", 0.05)  # the board's own refresh
    core = Core(demo_config(), store, bus, clock)
    core.start()
    try:
        ro, _ = ready_for_pickup(core, clock)  # worked at 09:00 site time on B03
        core.run_command(Deliver(ro), "advisor:SA01")
        wait_until(
            lambda: ro not in {c["ro"] for c in bus.board()["jobs"]},
            "the delivered car off the board's lists",
        )
        assert bars(bus.board(), ro) == {("B03", "work")}, "the morning's work left the Gantt"
        assert ro in in_memory(core) and ro not in open_ros(core)

        clock.advance(hours=20)  # 05:50 the next morning: the Gantt shows the new day
        wait_until(lambda: not bars(bus.board(), ro), "yesterday's work off the Gantt")
        assert ro not in core.ws.jobs, "the board's refresh kept yesterday's car in memory"
        assert ro not in in_memory(core)
    finally:
        core.stop()


def restarted_after(store: Store, clock: Clock, hours: float) -> tuple[Core, str, str, str]:
    """A core that delivered a car and cancelled one it had worked on, stopped, and a new
    one started ``hours`` later; the new core, the delivered, cancelled and waiting cars."""
    first = Core(demo_config(), store, FakeBus(), clock)
    first.start()
    try:
        delivered, _ = ready_for_pickup(first, clock)
        first.run_command(Deliver(delivered), "advisor:SA01")
        cancelled = first.run_command(CheckInCar(order(plate="京C33333")), "advisor:SA01").ro
        first.run_command(Dispatch(cancelled, "B04"), "foreman:F001")

        def work(ws: Workshop, now: datetime) -> None:
            ws.sign_in("T003", "B04", now)
            ws.start(cancelled, "T003", "B04", now)

        first.query(work)
        clock.advance(minutes=20)
        first.run_command(Cancel(cancelled, "客户取消"), "advisor:SA01")
        waiting = first.run_command(CheckInCar(order(plate="京B22222")), "advisor:SA01").ro
    finally:
        first.stop()
    clock.advance(hours=hours)
    return Core(demo_config(), store, FakeBus(), clock), delivered, cancelled, waiting


def test_a_core_restarted_mid_day_shows_the_work_of_the_cars_that_left_today(
    store: Store, clock: Clock
) -> None:
    again, delivered, cancelled, waiting = restarted_after(store, clock, hours=2)
    assert [j.ro for j in again.ws.open_jobs()] == [waiting]
    assert set(again.ws.jobs) == {waiting, delivered, cancelled}
    view = again.projector.dispatch(again.ws, clock.now, [])
    assert [c.ro for c in view.jobs] == [waiting]
    on_gantt = {(b.bay, b.ro) for b in view.timeline}
    assert {("B03", delivered), ("B04", cancelled)} <= on_gantt


def test_the_core_starts_with_the_cars_in_the_building_only_the_day_after(
    store: Store, clock: Clock
) -> None:
    again, _, _, waiting = restarted_after(store, clock, hours=20)
    assert set(again.ws.jobs) == {waiting}
    assert [j.ro for j in again.ws.open_jobs()] == [waiting]


def test_a_print_of_an_order_let_go_is_still_reported_printed(
    core: Core, bus: FakeBus, store: Store, clock: Clock
) -> None:
    """The bridge was off overnight with the tickets of a cancelled order in its spool: the
    next day, their results are the prints' (refused, each would wait for ever and go to the
    printer again at every reconnect once the bridge's spool forgot it)."""
    ro = core.run_command(CheckInCar(order(plate="京D44444")), "advisor:SA01").ro
    core.run_command(Cancel(ro, "客户取消"), "advisor:SA01")
    clock.advance(hours=20)
    core.query(lambda _ws, _now: None)  # a batch of the new day lets the order go
    assert ro not in in_memory(core)
    prints = [p for p in store.unprinted() if p["doc"]["ro"] == ro]
    assert prints, "the check-in printed nothing to report"
    bridge = Kiosk("bridge-1", None)  # type: ignore[arg-type]
    for p in prints:
        data = {"printer": p["printer"], "print_id": p["print_id"], "document": "x"}
        core.on_message(*bridge.event("print.done", job=ro, tech=None, **data), None)
    settle(core, bus, len(prints), device="bridge-1")
    assert [a["result"] for a in bus.acks("bridge-1")] == ["applied"] * len(prints)
    assert [p for p in store.unprinted() if p["doc"]["ro"] == ro] == []
    assert {state for _doc, _printer, state, _why in store.prints_of(ro)} == {"done"}
    assert ro not in in_memory(core), "the order stayed in memory after its prints' results"
    data = {"printer": prints[0]["printer"], "print_id": "RO-NOPE.key_tag.1", "document": "x"}
    core.on_message(*bridge.event("print.done", job="RO-NOPE", tech=None, **data), None)
    settle(core, bus, len(prints) + 1, device="bridge-1")
    assert bus.acks("bridge-1")[-1]["error"]["code"] == "unknown_job"  # no order of that name
