"""The group feed's facts as a batch writes them: a summary of every job the batch changed,
its help calls, follow-up calls and devices, the day's figures now and then and at every
delivery, the site's own facts once; no customer's name or phone, plates masked; written
in the batch's own transaction or not at all; nothing at all for a site without a group."""

from __future__ import annotations

import json
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from core.commands import CheckInCar, Dispatch, RecordFollowUp
from core.contract.group import GroupFact
from core.contract.messages import DeviceStatus, dump
from core.demo import busy
from core.domain.events import FollowUpRecorded
from core.domain.model import FollowUpOutcome, JobStatus
from core.domain.privacy import mask_plate
from core.domain.workshop import Workshop
from core.engine import Core, Incoming, Query
from core.engine.group_facts import follow_up_outcome
from core.store import group_outbox, repository
from core.store.repository import Store
from tests.group_site import group_config, outbox, run
from tests.helpers import T0, Clock, FakeBus, Kiosk, delivered_car, demo_config, order
from tests.waiting import wait_until


def mutate(core: Core, fn: Any) -> None:
    """Steps taken on the domain directly (a car worked through in minutes), committed as
    one batch of the core's."""
    done: Future[Any] = Future()
    core.step.process([Query(lambda ws, _now: fn(ws), done)])
    done.result(0)


def kinds(rows: list[tuple[int, str, dict[str, Any]]]) -> list[str]:
    return [k for _, k, _ in rows]


@pytest.fixture
def fed(store: Store) -> tuple[Core, Clock]:
    clock = Clock()
    return Core(group_config(), store, FakeBus(), clock), clock


def test_every_job_a_batch_changed_is_summed_up_with_its_plate_masked(
    fed: tuple[Core, Clock], store: Store
) -> None:
    core, clock = fed
    first = run(core, CheckInCar(order(plate="京A12345")))
    start = outbox(store)
    # The first batch after the start: the site's own facts, the car, the day's figures
    # (the day and the one before, sent again at every start).
    assert kinds(start) == ["site", "job", "day", "day"]
    assert [s for s, _, _ in start] == [1, 2, 3, 4]
    cfg = core.config
    assert start[0][2] == {
        "kind": "site",
        "name": cfg.site.name,
        "timezone": cfg.site.timezone,
        "bays": len(cfg.bays),
    }
    job = start[1][2]
    assert job["ro"] == first.ro and job["plate"] == mask_plate("京A12345") == "京A·•••45"
    assert job["status"] == "checked_in" and job["waiting_dispatch"] is True
    assert job["sold_hours"] == 1.0 and job["advisor"] == "SA01"
    assert job["predicted_at"] is not None

    second = run(core, CheckInCar(order(plate="沪B67890")))
    run(core, Dispatch(first.ro, "B03"), "foreman:F001")
    k = Kiosk("kiosk-b03", "B03")
    clock.advance(minutes=1)
    core.step.process(
        [
            Incoming(*k.event("tech.signed_in", ts=clock.now), token=1, received_at=clock.now),
            Incoming(
                *k.event("job.started", job=first.ro, ts=clock.now), token=2, received_at=clock.now
            ),
        ]
    )
    clock.advance(minutes=30)
    mutate(core, lambda ws: ws.pause(first.ro, "T001", "B03", _reason(), clock.now))
    rows = outbox(store)[len(start) :]
    jobs = [d for _, k_, d in rows if k_ == "job"]
    # One summary per job and batch: the second car, the dispatch, the start, the pause.
    assert [(j["ro"], j["status"]) for j in jobs] == [
        (second.ro, "checked_in"),
        (first.ro, "dispatched"),
        (first.ro, "in_progress"),
        (first.ro, "paused"),
    ]
    assert jobs[1]["bay"] == "B03" and not jobs[1]["waiting_dispatch"]
    assert jobs[3]["clocked_hours"] == pytest.approx(0.5)
    assert [s for s, _, _ in outbox(store)] == list(range(1, len(outbox(store)) + 1))
    for _, _, data in outbox(store):  # every fact is one the contract reads
        GroupFact.model_validate({"seq": 1, "at": T0, "data": data})


def _reason() -> Any:
    from core.domain.model import PauseReason

    return PauseReason.BREAK


def test_a_delivery_sends_the_days_figures_with_it(fed: tuple[Core, Clock], store: Store) -> None:
    core, clock = fed
    run(core, CheckInCar(order(plate="粤B00001")))  # the start's facts
    before = len(outbox(store))
    clock.advance(minutes=5)  # within figures_every_seconds of the start's figures
    mutate(core, delivered_car)
    rows = outbox(store)[before:]
    assert kinds(rows)[-1] == "day", "a delivery sends the day's figures at once"
    day = rows[-1][2]
    assert day["day"] == "2026-11-24" and day["delivered"] == 1
    assert day["checked_in"] == 2 and day["first_time_fixed"] == 1
    assert day["delivered_on_time"] == 1 and day["sold_hours"] == pytest.approx(1.0)
    delivered = [d for _, k, d in rows if k == "job" and d["status"] == "delivered"]
    assert delivered and delivered[0]["delivered_at"] is not None
    assert delivered[0]["predicted_at"] is None and not delivered[0]["at_risk"]

    # The follow-up three days on: its outcome, scored; the day's figures count it.
    ro = delivered[0]["ro"]
    clock.advance(days=3)
    run(
        core,
        RecordFollowUp(ro, FollowUpOutcome.COMPLAINT, "太慢", categories=("time",)),
    )
    rows = outbox(store)
    outcome = [d for _, k, d in rows if k == "follow_up"]
    assert outcome == [
        {
            "kind": "follow_up",
            "ro": ro,
            "reached": True,
            "score": 1,
            "complaint": True,
            "at": clock.now.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert "太慢" not in json.dumps(rows, ensure_ascii=False)
    day = rows[-1][2]  # the call's day: its figures count the call
    assert day["kind"] == "day" and day["day"] == "2026-11-27"
    assert (day["follow_ups"], day["satisfaction_sum"], day["satisfaction_count"]) == (1, 1, 1)
    assert day["complaints"] == 1 and day["delivered"] == 0


def test_follow_up_scores_follow_the_satisfaction_levels() -> None:
    def scored(outcome: FollowUpOutcome) -> tuple[bool, int | None, bool]:
        made = follow_up_outcome(FollowUpRecorded(ro="R1", outcome=outcome.value, at=T0))
        return made.reached, made.score, made.complaint

    assert scored(FollowUpOutcome.VERY_GOOD) == (True, 5, False)
    assert scored(FollowUpOutcome.FAIR) == (True, 3, False)
    assert scored(FollowUpOutcome.COMPLAINT) == (True, 1, True)
    assert scored(FollowUpOutcome.UNREACHABLE) == (False, None, False)


def test_the_days_figures_go_at_most_every_so_often_and_after_the_last_change(
    fed: tuple[Core, Clock], store: Store
) -> None:
    core, clock = fed
    every = core.config.group.figures_every_seconds
    run(core, CheckInCar(order(plate="浙A00001")))
    assert kinds(outbox(store)).count("day") == 2
    clock.advance(seconds=every / 4)
    run(core, CheckInCar(order(plate="浙A00002")))
    assert kinds(outbox(store)).count("day") == 2, "figures sent again within the interval"
    assert core.step.seconds_to_sweep() == pytest.approx(every * 3 / 4)
    core.step.refresh()  # not due yet
    assert kinds(outbox(store)).count("day") == 2
    clock.advance(seconds=every)
    # Overdue by a quarter of the interval: due now, never a negative wait (the core's
    # queue refuses one, and its thread would end).
    assert core.step.seconds_to_sweep() == 0.0
    assert core._idle_wait() >= 0.0
    core.step.refresh()  # the last change of the day is not left out of its figures
    rows = outbox(store)
    assert kinds(rows)[-1] == "day" and rows[-1][2]["checked_in"] == 2
    assert core.step.seconds_to_sweep() is None, "nothing changed since: nothing due"


def test_device_counts_go_when_a_device_changes(fed: tuple[Core, Clock], store: Store) -> None:
    core, _clock = fed
    run(core, CheckInCar(order()))
    topic = "pitboard/demo/dev/kiosk-b03/status"
    online = dump(DeviceStatus(online=True, kind="kiosk", ts=T0))
    offline = dump(DeviceStatus(online=False, kind="kiosk", ts=T0))
    core.step.process([Incoming(topic, online, 1, T0)])
    core.step.process([Incoming(topic, online, 2, T0)])  # the same again: no news
    # The core's own retained status (on its own topic) is no device of the floor.
    core_status = dump(DeviceStatus(online=True, kind="core", ts=T0))
    core.step.process([Incoming("pitboard/demo/dev/core/status", core_status, 4, T0)])
    core.step.process([Incoming(topic, offline, 3, T0)])
    devices = [d for _, k, d in outbox(store) if k == "devices"]
    assert devices == [
        {"kind": "devices", "online": 1, "offline": 0, "offline_names": []},
        {"kind": "devices", "online": 0, "offline": 1, "offline_names": ["kiosk-b03"]},
    ]


def test_a_help_call_is_told_at_every_change(fed: tuple[Core, Clock], store: Store) -> None:
    core, clock = fed
    k = Kiosk("kiosk-b03", "B03")
    core.step.process([Incoming(*k.event("tech.signed_in"), token=1, received_at=T0)])
    core.step.process([Incoming(*k.event("help.called", kind="parts"), token=2, received_at=T0)])
    calls = [d for _, k_, d in outbox(store) if k_ == "help_call"]
    assert len(calls) == 1 and calls[0]["bay"] == "B03" and calls[0]["state"] == "called"
    assert calls[0]["call_kind"] == "parts" and calls[0]["level"] == 0
    clock.advance(minutes=2)
    core.step.refresh()  # the day's figures, once the interval is over
    day = [d for _, k_, d in outbox(store) if k_ == "day"][-1]
    assert (day["help_calls"], day["help_answered"]) == (1, 0)


def test_the_sites_own_facts_go_once_and_again_only_when_they_change(store: Store) -> None:
    clock = Clock()
    Core(group_config(), store, FakeBus(), clock).step.refresh()
    assert kinds(outbox(store)).count("site") == 1
    Core(group_config(), store, FakeBus(), clock).step.refresh()  # restarted, the same site
    assert kinds(outbox(store)).count("site") == 1
    cfg = group_config()
    renamed = cfg.model_copy(update={"site": cfg.site.model_copy(update={"name": "新店名"})})
    Core(renamed, store, FakeBus(), clock).step.refresh()
    sites = [d for _, k, d in outbox(store) if k == "site"]
    assert [s["name"] for s in sites] == [cfg.site.name, "新店名"]


def test_a_site_without_a_group_derives_and_writes_nothing(store: Store) -> None:
    core = Core(demo_config(), store, FakeBus(), Clock())
    assert core.step.group is None
    run(core, CheckInCar(order()))
    core.step.refresh()
    assert outbox(store) == []


def test_no_customer_name_or_phone_and_no_whole_plate_leaves_the_site(store: Store) -> None:
    clock = Clock()
    core = Core(busy.busy_config(group_config(), 6), store, FakeBus(), clock)
    core.start()
    try:
        ros = busy.fill(core, 30, T0)  # every stage: findings, checks, wash, ready
        core.query(lambda _ws, _now: None)
        ready = core.query(
            lambda ws, _now: [r for r in ros if ws.jobs[r].status is JobStatus.READY]
        )
        assert ready
        core.query(lambda ws, _now: _deliver(ws, ready[0], clock.now))
        clock.advance(days=3)
        core.run_command(
            RecordFollowUp(ready[0], FollowUpOutcome.COMPLAINT, "王先生说慢", categories=("time",)),
            "advisor:SA01",
        )
        wait_until(lambda: "follow_up" in kinds(outbox(store)), "the follow-up's fact")
    finally:
        core.stop()
    rows = outbox(store)
    assert {"site", "job", "day", "follow_up"} <= set(kinds(rows))
    assert len({d["ro"] for _, k, d in rows if k == "job"}) == 30
    text = json.dumps(rows, ensure_ascii=False)
    for o in busy.orders(30, T0):
        assert o.customer.name not in text and o.customer.phone not in text
        assert o.vehicle.plate not in text
        assert mask_plate(o.vehicle.plate) in text
    assert "王先生" not in text and "13800138000" not in text


def _deliver(ws: Workshop, ro: str, now: Any) -> None:
    from core.domain.handover import all_ticked

    job = ws.jobs[ro]
    ws.check_handover(ro, all_ticked(job), "SA01", now)
    ws.deliver(ro, now)


# ------------------------------------------------------------------ one transaction


def test_a_failed_commit_leaves_neither_the_change_nor_its_facts(
    fed: tuple[Core, Clock], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    core, _clock = fed
    real = group_outbox.write_group

    def written_then_failed(*args: Any) -> int:
        n = real(*args)  # the job's row and the facts are in the transaction: then it fails
        assert n > 0
        raise OperationalError("commit", {}, Exception("disk full"))

    monkeypatch.setattr(repository, "write_group", written_then_failed)
    with pytest.raises(OperationalError):
        run(core, CheckInCar(order(plate="苏E11111")))
    assert outbox(store) == []
    assert store.jobs_between(T0 - timedelta(days=1), T0 + timedelta(days=1)) == []

    monkeypatch.setattr(repository, "write_group", real)
    core._reload()  # what the loop does before it tries again
    job = run(core, CheckInCar(order(plate="苏E11111")))
    assert store.load_job(job.ro) is not None
    rows = outbox(store)
    assert [s for s, _, _ in rows] == list(range(1, len(rows) + 1)), "a seq given twice or lost"
    assert kinds(rows) == ["site", "job", "day", "day"]


def test_the_core_retries_a_failed_commit_with_its_facts(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failed commit is logged
    real = group_outbox.write_group
    failures = [1]

    def fails_once(*args: Any) -> int:
        n = real(*args)
        if failures:
            failures.pop()
            raise OperationalError("commit", {}, Exception("database is locked"))
        return n

    monkeypatch.setattr(repository, "write_group", fails_once)
    bus = FakeBus()
    core = Core(group_config(), store, bus, Clock())
    core.start()
    try:
        job = core.run_command(CheckInCar(order()), "advisor:SA01")
        core.run_command(Dispatch(job.ro, "B03"), "foreman:F001")
    finally:
        core.stop()
    assert core.counters.commit_failures == 1
    rows = outbox(store)
    assert [s for s, _, _ in rows] == list(range(1, len(rows) + 1))
    jobs = [(d["ro"], d["status"]) for _, k, d in rows if k == "job"]
    assert jobs == [(job.ro, "checked_in"), (job.ro, "dispatched")]
    assert kinds(rows).count("site") == 1


def test_figures_that_failed_to_commit_are_tried_again_later_not_at_once(
    fed: tuple[Core, Clock], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    core, clock = fed

    def fails(*_args: Any) -> int:
        raise OperationalError("commit", {}, Exception("database is locked"))

    monkeypatch.setattr(repository, "write_group", fails)
    assert core.step.seconds_to_sweep() == 0
    with pytest.raises(OperationalError):
        core.step.refresh()
    assert core.step.seconds_to_sweep() == pytest.approx(5.0), "the core would spin"
    monkeypatch.setattr(repository, "write_group", group_outbox.write_group)
    clock.advance(seconds=5)
    core.step.refresh()
    assert kinds(outbox(store)) == ["site", "day", "day"]
