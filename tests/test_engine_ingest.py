"""The ingest guarantees on both stores: commit before ack, idempotency, rejection codes;
what the audit log keeps of a command."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from core.commands import (
    AdjustClock,
    AnswerFinding,
    CheckInCar,
    Dispatch,
    InsertPause,
    MoveClock,
)
from core.domain.errors import (
    BadCorrection,
    BayKindNeeded,
    IllegalTransition,
    InvalidData,
    UnknownFinding,
)
from core.domain.model import JobStatus, Operation, PauseReason
from core.engine import Core
from core.store.repository import Store
from tests.helpers import (
    T0,
    Clock,
    FakeBus,
    Kiosk,
    checked_in_and_dispatched,
    demo_config,
    order,
    settle,
)
from tests.waiting import wait_until


def test_events_are_applied_committed_then_acked(core: Core, bus: FakeBus, store: Store) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("tech.signed_in", {}),
        ("job.started", {"job": ro}),
        ("job.paused", {"job": ro, "reason": "waiting_parts"}),
    ]
    for type_, kw in steps:
        topic, payload = k.event(type_, **kw)
        core.on_message(topic, payload, token=("t", k.seq))
    settle(core, bus, 3)
    assert [a["result"] for a in bus.acks("kiosk-b03")] == ["applied"] * 3
    assert bus.acked == [("t", 1), ("t", 2), ("t", 3)]
    assert store.load_job(ro).status is JobStatus.PAUSED
    assert [r[1] for r in store.audit_events("kiosk-b03")] == [
        "tech.signed_in",
        "job.started",
        "job.paused",
    ]
    trail = store.audit_trail(ro)
    assert [t["type"] for t in trail] == [
        "job.checked_in",
        "job.dispatched",
        "job.started",
        "job.paused",
    ]
    assert "13800138000" not in str(trail) and "王先生" not in str(trail)
    bay = bus.last("/bay/B03/state")
    assert bay["queue"][0]["ro"] == ro and bay["queue"][0]["readiness"] == "waiting_parts"
    assert bus.last("/view/lounge")["cars"][0]["plate"] == "京A·•••45"


def test_a_repeated_event_is_acked_duplicate_and_changes_nothing(
    core: Core, bus: FakeBus, store: Store
) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    signin = k.event("tech.signed_in")
    start = k.event("job.started", job=ro)
    for topic, payload in (signin, start, start, signin):
        core.on_message(topic, payload, token=None)
    settle(core, bus, 4)
    assert [a["result"] for a in bus.acks("kiosk-b03")] == [
        "applied",
        "applied",
        "duplicate",
        "duplicate",
    ]
    assert len(store.audit_events("kiosk-b03")) == 2
    job = store.load_job(ro)
    assert len([s for s in job.segments if s.kind == "work"]) == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\xff\xfe not json", "malformed_json"),
        (b"[1,2]", "invalid_envelope"),
        (b'{"v":2,"seq":1}', "unsupported_version"),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"job.exploded"}',
            "unknown_event_type",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00","type":"tech.signed_in",'
            b'"bay":"B03","tech":"T001"}',
            "invalid_envelope",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"job.started",'
            b'"bay":"B03","tech":"T001"}',
            "invalid_envelope",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"job.paused",'
            b'"bay":"B03","tech":"T001","job":"RO-1","data":{"reason":"bored"}}',
            "invalid_data",
        ),
        (
            b'{"v":1,"source":"kiosk-b04","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"tech.signed_in",'
            b'"bay":"B03","tech":"T001"}',
            "source_mismatch",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"tech.signed_in",'
            b'"bay":"B04","tech":"T001"}',
            "wrong_bay",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"key.in",'
            b'"data":{"cabinet":"KC1","tag":"X"}}',
            "not_permitted",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"job.started",'
            b'"bay":"B03","tech":"T001","job":"RO-NONE"}',
            "unknown_job",
        ),
        (
            b'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:00:00+08:00","type":"tech.signed_in",'
            b'"bay":"B03","tech":"T404"}',
            "unknown_technician",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "malformed_json"),  # deeper than a parser follows
        (b'{"v":1,"seq":' + b"7" * 5_000 + b"}", "malformed_json"),  # past Python's digits
        (
            b'{"v":1,"source":"kiosk-b03","seq":9223372036854775808,"ts":"2026-11-24T09:00:00+08:00",'
            b'"type":"tech.signed_in","bay":"B03","tech":"T001"}',
            "invalid_envelope",  # above what the store's number holds
        ),
    ],
)
def test_bad_input_is_rejected_with_a_code(
    core: Core, bus: FakeBus, store: Store, payload: bytes, code: str
) -> None:
    core.on_message("pitboard/demo/dev/kiosk-b03/event", payload, token="tok")
    settle(core, bus, 1)
    ack = bus.acks("kiosk-b03")[0]
    assert ack["result"] == "rejected" and ack["error"]["code"] == code and ack["error"]["message"]
    assert bus.acked == ["tok"]
    assert store.audit_events("kiosk-b03") == []
    assert core.counters.rejected == {code: 1}


def test_a_core_started_again_shows_each_printer_as_its_last_print_left_it(
    core: Core, bus: FakeBus, store: Store, clock: Clock
) -> None:
    checked_in_and_dispatched(core)
    prints = store.unprinted()
    bridge = Kiosk("bridge-1", None)  # type: ignore[arg-type]
    for p in prints:  # the desk's printed, the workshop's printer off
        data = {"printer": p["printer"], "print_id": p["print_id"]}
        if p["printer"] == "printer-shop":
            core.on_message(
                *bridge.event("print.failed", tech=None, **data, reason="offline"), None
            )
        else:
            core.on_message(*bridge.event("print.done", tech=None, **data), None)
    settle(core, bus, len(prints), device="bridge-1")
    shown = {"printer-desk": (True, None), "printer-shop": (False, "offline")}
    assert {d: (r.online, r.problem) for d, r in core.health.rows.items()} == shown
    again = Core(demo_config(), store, FakeBus(), clock)  # started again: nothing printed yet
    assert {d: (r.online, r.problem) for d, r in again.health.rows.items()} == shown


def test_an_unknown_device_is_rejected(core: Core, bus: FakeBus) -> None:
    k = Kiosk("kiosk-z99", "B03")
    core.on_message(*k.event("tech.signed_in"), token=None)
    settle(core, bus, 1, device="kiosk-z99")
    assert bus.acks("kiosk-z99")[0]["error"]["code"] == "unknown_device"


def test_a_rejected_event_does_not_block_later_ones(core: Core, bus: FakeBus, store: Store) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("job.started", job=ro), token=None)  # not signed in yet
    core.on_message(*k.event("tech.signed_in"), token=None)
    core.on_message(*k.event("job.started", job=ro), token=None)
    settle(core, bus, 3)
    assert [a["result"] for a in bus.acks("kiosk-b03")] == ["rejected", "applied", "applied"]
    assert store.inbox_results("kiosk-b03") == [
        (1, "rejected", "not_signed_in"),
        (2, "applied", None),
        (3, "applied", None),
    ]


def test_a_tap_too_deeply_nested_to_read_is_refused_under_its_number_and_holds_none_back(
    core: Core, bus: FakeBus, store: Store
) -> None:
    k = Kiosk("kiosk-b03", "B03")
    _, signin = k.event("tech.signed_in")
    deep = signin.replace(b'"data":{}', b'"data":{"x":' + b"[" * 50_000 + b"]" * 50_000 + b"}")
    assert deep != signin
    core.on_message("pitboard/demo/dev/kiosk-b03/event", deep, token=None)
    core.on_message(*k.event("tech.signed_in"), token=None)  # #2: not held for #1
    settle(core, bus, 2)
    assert [(a["seq"], a["result"]) for a in bus.acks("kiosk-b03")] == [
        (1, "rejected"),
        (2, "applied"),
    ]
    assert bus.acks("kiosk-b03")[0]["error"]["code"] == "malformed_json"
    assert store.inbox_results("kiosk-b03") == [
        (1, "rejected", "malformed_json"),
        (2, "applied", None),
    ]


def test_web_commands_are_refused_with_the_domain_error(core: Core) -> None:
    ro = checked_in_and_dispatched(core)
    with pytest.raises(UnknownFinding):
        core.run_command(AnswerFinding(ro, "F1", True), actor="advisor:SA01")
    with pytest.raises(IllegalTransition):
        core.run_command(Dispatch(ro, "B03"), actor="foreman:F1")


def test_alignment_work_goes_to_another_bay_only_forced_and_the_audit_keeps_why(
    core: Core, store: Store
) -> None:
    alignment = Operation("T010", "四轮定位", 1.0, "Four-wheel alignment")
    job = core.run_command(CheckInCar(order(operations=(alignment,))), "advisor:SA01")
    with pytest.raises(BayKindNeeded):
        core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
    with pytest.raises(InvalidData):  # forced, but not saying why
        core.run_command(Dispatch(job.ro, "B03", force=True, reason=" "), "foreman:F1")
    assert store.load_job(job.ro).bay is None
    why = "定位仪校准中，先在3号位做"
    core.run_command(Dispatch(job.ro, "B03", force=True, reason=why), "foreman:F1")
    assert store.load_job(job.ro).bay == "B03"
    trail = store.audit_trail(job.ro)
    assert [t["type"] for t in trail] == ["job.checked_in", "job.dispatched"]
    assert trail[-1]["payload"]["force"] is True and trail[-1]["payload"]["reason"] == why
    # The alignment bay takes it unforced.
    core.run_command(Dispatch(job.ro, "B06"), "foreman:F1")
    assert store.load_job(job.ro).bay == "B06"


def test_restart_restores_state_and_duplicates_stay_duplicates(store: Store, clock: Clock) -> None:
    bus = FakeBus()
    core = Core(demo_config(), store, bus, clock)
    core.start()
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    sent = [k.event("tech.signed_in"), k.event("job.started", job=ro)]
    for t, p in sent:
        core.on_message(t, p, None)
    settle(core, bus, 2)
    core.stop()

    bus2 = FakeBus()
    again = Core(demo_config(), store, bus2, clock)
    again.start()
    try:
        again.republish()
        for t, p in sent:
            again.on_message(t, p, None)
        settle(again, bus2, 2)
        assert [a["result"] for a in bus2.acks("kiosk-b03")] == ["duplicate", "duplicate"]
        assert again.ws.jobs[ro].status is JobStatus.IN_PROGRESS
        assert bus2.last("/bay/B03/state")["current"]["ro"] == ro
        nxt = again.run_command(CheckInCar(order("沪AD12345")), actor="advisor:SA01")
        assert nxt.ro.endswith("-0002")
    finally:
        again.stop()


def test_group_commit_applies_a_burst_in_order(core: Core, bus: FakeBus, store: Store) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in"), token=None)
    ts = T0
    for i in range(100):
        ts += timedelta(seconds=1)
        kind = "job.started" if i % 2 == 0 else "job.paused"
        data = {} if i % 2 == 0 else {"reason": "tool"}
        core.on_message(*k.event(kind, job=ro, ts=ts, **data), token=None)
    settle(core, bus, 101)
    assert all(a["result"] == "applied" for a in bus.acks("kiosk-b03"))
    assert [s for s, _ in store.audit_events("kiosk-b03")] == list(range(1, 102))
    assert core.counters.batches < 101  # grouped, not one transaction each


def test_a_delivered_car_can_get_its_follow_up_call_after_a_restart(
    store: Store, clock: Clock
) -> None:
    from core.commands import Deliver, RecordFollowUp
    from core.domain.model import FollowUpOutcome

    core = Core(demo_config(), store, FakeBus(), clock)
    core.start()
    try:
        ro = checked_in_and_dispatched(core)
        job = core.ws.jobs[ro]
        job.status = JobStatus.READY  # the bay work is covered by the workflow tests
        core.run_command(Deliver(ro, override="检查单在纸上"), actor="manager:M001")
    finally:
        core.stop()
    clock.advance(hours=20)  # the next morning: the day's Gantt no longer shows the car
    again = Core(demo_config(), store, FakeBus(), clock)
    assert ro not in again.ws.jobs
    again.start()
    try:
        again.run_command(RecordFollowUp(ro, FollowUpOutcome.GOOD, "满意"), actor="advisor:SA01")
        assert store.load_job(ro).status is JobStatus.CLOSED
        assert ro not in again.ws.jobs  # closed: storage keeps it, the live workshop lets go
    finally:
        again.stop()


def test_an_event_ahead_of_a_missing_one_waits_for_it(core: Core, bus: FakeBus) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    signin = k.event("tech.signed_in")
    start = k.event("job.started", job=ro)
    core.on_message(*start, token="early")  # #2 overtook #1 (e.g. #1 was dropped)
    wait_until(lambda: "early" in bus.acked, "the early event PUBACKed", timeout=10)
    assert bus.acks("kiosk-b03") == []  # PUBACKed, neither applied nor answered
    assert core.ws.job(ro).status is JobStatus.DISPATCHED
    assert core.counters.held == 1
    core.on_message(*signin, token=None)  # the device sends all unanswered again, in order
    core.on_message(*start, token=None)
    settle(core, bus, 2)
    assert [(a["seq"], a["result"]) for a in bus.acks("kiosk-b03")] == [
        (1, "applied"),
        (2, "applied"),
    ]
    assert core.ws.job(ro).status is JobStatus.IN_PROGRESS


def test_sequence_positions_survive_a_restart_of_the_core(store: Store, bus: FakeBus) -> None:
    first = Core(demo_config(), store, bus)
    first.start()
    k = Kiosk("kiosk-b03", "B03")
    first.on_message(*k.event("tech.signed_in"), token=None)
    settle(first, bus, 1)
    first.stop()
    again = Core(demo_config(), store, bus)
    again.start()
    try:
        again.on_message(*k.event("tech.signed_out"), token=None)  # #2 follows #1
        settle(again, bus, 2)
        assert bus.acks("kiosk-b03")[-1]["result"] == "applied"
    finally:
        again.stop()


def test_the_lounge_goes_out_only_when_a_car_on_it_changed(core: Core, bus: FakeBus) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")

    def lounges() -> int:
        return sum(1 for t, *_ in bus.published if t.endswith("/view/lounge"))

    before = lounges()
    core.on_message(*k.event("tech.signed_in"), token=None)  # the bay changes, no car does
    settle(core, bus, 1)
    assert bus.last("/bay/B03/state")["techs"]
    assert lounges() == before
    core.on_message(*k.event("job.started", job=ro), token=None)
    settle(core, bus, 2)
    assert lounges() == before + 1
    assert bus.last("/view/lounge")["cars"][0]["stage"] == "in_progress"
    core.republish(connected=True)  # a new broker connection gets every view again
    wait_until(lambda: lounges() >= before + 2, "the lounge sent again", timeout=10)


@pytest.mark.postgres
def test_a_lost_database_connection_is_replaced_and_nothing_is_lost(
    postgres_url: str, bus: FakeBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failed commit is logged
    from sqlalchemy import create_engine, text

    from core.store.database import make_engine, migrate

    engine = make_engine(postgres_url)
    migrate(engine)
    store = Store(engine, "demo")
    core = Core(demo_config(), store, bus)
    core.start()
    try:
        ro = checked_in_and_dispatched(core)
        k = Kiosk("kiosk-b03", "B03")
        core.on_message(*k.event("tech.signed_in"), token=None)
        settle(core, bus, 1)
        # The server drops every connection of this database (a restart, a failover).
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        admin.dispose()
        core.on_message(*k.event("job.started", job=ro), token=None)
        settle(core, bus, 2)
        assert bus.acks("kiosk-b03")[-1]["result"] == "applied"
        assert core.counters.commit_failures >= 1
        assert store.load_job(ro).status is JobStatus.IN_PROGRESS
    finally:
        core.stop()
        engine.dispose()


def test_the_board_is_rebuilt_with_time_alone_for_alerts_that_come_due(
    store: Store, bus: FakeBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.engine.view_publisher as engine_module

    monkeypatch.setattr(engine_module, "DISPATCH_REFRESH", 0.2)
    core = Core(demo_config(), store, bus)
    core.start()
    try:
        checked_in_and_dispatched(core)

        def boards() -> int:
            return sum(1 for t, *_ in bus.published if t.endswith("/view/dispatch/index"))

        wait_until(lambda: boards() >= 1, "the first board", timeout=5)
        first = boards()
        # No event, yet the board goes out again.
        wait_until(lambda: boards() >= first + 2, "the board rebuilt", timeout=5, every=0.02)
    finally:
        core.stop()


def test_a_key_read_lands_in_its_orders_timeline(core: Core, bus: FakeBus, store: Store) -> None:
    from core.contract.messages import make_event

    ro = checked_in_and_dispatched(core)  # key tag TAG7
    core.on_message(
        "pitboard/demo/dev/bridge-1/event",
        make_event(
            "bridge-1",
            1,
            "key.in",
            core.clock(),
            data={"tag": "TAG7", "cabinet": "KC1", "slot": 7},
        ),
        None,
    )
    settle(core, bus, 1, device="bridge-1")
    assert bus.acks("bridge-1")[0]["result"] == "applied"
    trail = store.audit_trail(ro)
    assert trail[-1]["type"] == "key.in" and trail[-1]["source"] == "bridge-1"


def test_the_audit_log_keeps_a_clock_correction_beside_the_original(
    core: Core, clock: Clock, store: Store
) -> None:
    job = core.run_command(CheckInCar(order()), "advisor:SA01")
    core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
    core.query(lambda ws, now: ws.sign_in("T002", "B03", now))
    start = clock.now
    core.query(lambda ws, now: ws.start(job.ro, "T002", "B03", now))
    clock.advance(minutes=50)
    core.query(lambda ws, now: ws.pause(job.ro, "T002", "B03", PauseReason.BREAK, now))
    clock.advance(minutes=5)
    core.run_command(
        AdjustClock(
            job.ro,
            "T002",
            start,
            start - timedelta(minutes=5),
            start + timedelta(minutes=50),
            "tapped late",
        ),
        "foreman:F1",
    )
    with pytest.raises(BadCorrection):
        core.run_command(
            InsertPause(
                job.ro,
                "T002",
                start - timedelta(minutes=5),
                clock.now,
                clock.now,
                PauseReason.BREAK,
                "an empty pause",
            ),
            "foreman:F1",
        )
    other = core.run_command(CheckInCar(order(plate="沪AD12345")), "advisor:SA01")
    core.run_command(
        MoveClock(job.ro, "T002", start - timedelta(minutes=5), other.ro, "wrong job"),
        "foreman:F1",
    )
    trail = store.audit_trail(job.ro)
    adjusted = next(t for t in trail if t["type"] == "clock.adjusted")
    assert adjusted["source"] == "foreman:F1"
    assert adjusted["payload"]["reason"] == "tapped late"
    assert adjusted["payload"]["original"]["start"] == start.isoformat()
    assert [t["type"] for t in trail][-2:] == ["clock.adjusted", "clock.moved"]
    assert "clock.moved" in [t["type"] for t in store.audit_trail(other.ro)]
    assert core.ws.job(other.ro).worked_seconds(clock.now) == 55 * 60


def test_a_batch_is_applied_again_only_to_the_workshop_read_back_from_the_store(
    store: Store, bus: FakeBus, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk fills during a commit and is still full when the core reads the workshop
    back: the batch waits until the store answers, and is not applied to the workshop in
    memory, which already holds it (the pause would be refused as paused twice)."""
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failures are logged
    core = Core(demo_config(), store, bus)
    core.start()
    try:
        ro = checked_in_and_dispatched(core)
        k = Kiosk("kiosk-b03", "B03")
        core.on_message(*k.event("tech.signed_in"), token=None)
        core.on_message(*k.event("job.started", job=ro), token=None)
        settle(core, bus, 2)
        full = OperationalError("COMMIT", {}, Exception("database or disk is full"))
        failing = {"commit": 1, "reload": 1}
        real_commit, real_stale = store.commit, store.stale_reports

        def commit(*args: Any, **kwargs: Any) -> None:
            if failing["commit"]:
                failing["commit"] -= 1
                raise full
            real_commit(*args, **kwargs)

        def stale_reports(*args: Any, **kwargs: Any) -> Any:
            if failing["reload"]:
                failing["reload"] -= 1
                raise full
            return real_stale(*args, **kwargs)

        monkeypatch.setattr(store, "commit", commit)
        monkeypatch.setattr(store, "stale_reports", stale_reports)
        core.on_message(*k.event("job.paused", job=ro, reason="break"), token=None)
        settle(core, bus, 3)
        assert failing == {"commit": 0, "reload": 0}
        assert bus.acks("kiosk-b03")[-1]["result"] == "applied"
        assert store.load_job(ro).status is JobStatus.PAUSED
    finally:
        core.stop()
