"""A fault of the core's own in a batch (a bug, not the database): the workshop is read
again from the store, so nothing the failed batch changed in memory is believed; the
batch's items are handled again one by one; the one that fails alone is refused
``internal_error`` under its number, so the device goes on with its next."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

import core.engine.batch as batch_module
from core.commands import CheckInCar
from core.config import bays_from_config, technicians_from_config
from core.contract.messages import Event
from core.engine import Core
from core.store.tables import WorkRow
from tests.held_loop import HeldLoop, Wire
from tests.helpers import Clock, FakeBus, Kiosk, checked_in_and_dispatched, order
from tests.waiting import wait_until


def a_bug_at(monkeypatch: pytest.MonkeyPatch, seq: int) -> None:
    """The event numbered ``seq`` is applied to the workshop, then the core fails on it."""
    real = batch_module.apply_event

    def apply(ws: Any, event: Event) -> None:
        real(ws, event)
        if event.envelope.seq == seq:
            raise RuntimeError("a bug in the core")

    monkeypatch.setattr(batch_module, "apply_event", apply)


def stored_bay(core: Core, tech: str) -> str | None:
    """Where the store says the technician is signed in."""
    cfg = core.config
    ws = core.store.load_workshop(bays_from_config(cfg), technicians_from_config(cfg))
    return ws.tech_state(tech).bay


def three_sign_ins_in_one_batch(core: Core, wire: Wire, loop: HeldLoop) -> Kiosk:
    """T001, T002 and T003 signed in at B03 by three taps queued as one batch (#2 is the one
    the test makes fail): answered applied, rejected, applied."""
    k = Kiosk("kiosk-b03", "B03")
    loop.hold()
    core.stop_straight()  # every tap queued: the three are one batch
    for tech in ("T001", "T002", "T003"):
        core.on_message(*k.event("tech.signed_in", tech=tech), token=tech)
    loop.release()
    wait_until(lambda: len(wire.acks) == 3, what="three answers")
    assert [(seq, result) for seq, result, _ in wire.acks] == [
        (1, "applied"),
        (2, "rejected"),
        (3, "applied"),
    ]
    return k


def test_a_bug_amid_a_batch_refuses_its_one_event_and_applies_the_others_once(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the bug is logged
    core, wire, loop = running
    a_bug_at(monkeypatch, 2)
    k = three_sign_ins_in_one_batch(core, wire, loop)
    assert core.store.inbox_results("kiosk-b03") == [
        (1, "applied", None),
        (2, "rejected", "internal_error"),
        (3, "applied", None),
    ]
    assert sorted(str(t) for t in wire.pubacks) == ["T001", "T002", "T003"]
    # T002's sign-in, applied in memory before the bug, is not believed: memory is the store.
    signed = {t: core.ws.tech_state(t).bay for t in ("T001", "T002", "T003")}
    assert signed == {"T001": "B03", "T002": None, "T003": "B03"}
    assert {t: stored_bay(core, t) for t in signed} == signed
    core.on_message(*k.event("tech.signed_in", tech="T002"), token=None)  # #4: the kiosk goes on
    wait_until(lambda: len(wire.acks) == 4, what="the next tap answered")
    assert wire.acks[-1][:2] == (4, "applied")
    assert any(r.exc_info for r in caplog.records), "the bug is in the log, with its trace"


def test_a_value_the_database_refuses_is_refused_alone_not_written_again_for_good(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A commit the database refuses for a value it was given (here: the driver cannot send
    it) fails the same way however often it is tried: the event carrying it is refused as a
    bug's is, and the others of its batch are stored. Before, the core took it for the
    database being away and tried the batch again for good, every device waiting."""
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, loop = running
    real = core.store._write

    def write(conn: Any, ws: Any, batch: Any, now: Any, rows: Any) -> None:
        if any(e.seq == 2 and e.result == "applied" for e in batch.inbox):
            raise StatementError("date value out of range", "INSERT", {}, OverflowError())
        real(conn, ws, batch, now, rows)

    monkeypatch.setattr(core.store, "_write", write)
    three_sign_ins_in_one_batch(core, wire, loop)
    assert core.store.inbox_results("kiosk-b03")[1] == (2, "rejected", "internal_error")
    assert {t: stored_bay(core, t) for t in ("T001", "T002", "T003")} == {
        "T001": "B03",
        "T002": None,
        "T003": "B03",
    }


def test_a_lone_tap_a_bug_fails_on_is_refused_and_what_it_did_in_memory_undone(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, _ = running
    a_bug_at(monkeypatch, 1)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T001"), token="t1")  # applied as it came
    wait_until(lambda: len(wire.acks) == 1, what="the tap answered")
    assert wire.acks[0][:2] == (1, "rejected")
    assert core.ws.tech_state("T001").bay is None and stored_bay(core, "T001") is None
    core.on_message(*k.event("tech.signed_in", tech="T001"), token="t2")
    wait_until(lambda: len(wire.acks) == 2, what="the next tap answered")
    assert wire.acks[-1][:2] == (2, "applied")
    assert core.ws.tech_state("T001").bay == "B03"


def fails_once(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, why: str) -> list[int]:
    """``owner.name`` raises the first time it is called, then does its work; the list is
    emptied once it raised."""
    real, failures = getattr(owner, name), [1]

    def once(*args: Any) -> Any:
        if failures:
            failures.pop()
            raise RuntimeError(why)
        return real(*args)

    monkeypatch.setattr(owner, name, once)
    return failures


def bug_in_the_next_answer(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    fails_once(monkeypatch, core.step, "answer", "a bug after the commit")


def test_a_bug_after_a_batch_was_stored_does_it_no_second_time(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, loop = running
    bug_in_the_next_answer(core, monkeypatch)
    k = Kiosk("kiosk-b03", "B03")
    signin = k.event("tech.signed_in", tech="T001")
    loop.hold()
    core.stop_straight()
    core.on_message(*signin, token="t1")
    loop.release()
    wait_until(lambda: wire.pubacks == ["t1"], what="the stored tap let go by the broker")
    assert [a[:2] for a in wire.acks] == [(1, "applied")]  # answered after the fault, once
    assert core.store.inbox_results("kiosk-b03") == [(1, "applied", None)]
    assert core.ws.tech_state("T001").bay == "B03"
    core.on_message(*signin, token="t1 again")  # sent again all the same: a repeat
    wait_until(lambda: len(wire.acks) == 2, what="the repeat answered")
    assert wire.acks[1][:2] == (1, "duplicate")
    assert core.store.inbox_results("kiosk-b03") == [(1, "applied", None)]


def test_a_tap_applied_as_it_came_and_stored_before_a_bug_is_answered_by_the_loop(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, _ = running
    bug_in_the_next_answer(core, monkeypatch)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T001"), token="t1")
    wait_until(lambda: len(wire.acks) == 1, what="an answer after the store was read again")
    assert wire.acks[0][:2] == (1, "duplicate")  # stored once: the kiosk takes it as applied
    assert core.store.inbox_results("kiosk-b03") == [(1, "applied", None)]
    assert core.ws.tech_state("T001").bay == "B03"


def test_a_fault_of_the_core_with_no_item_to_blame_refuses_no_tap(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The core's own sweeps fail on every batch: each tap fails alone too, and is left for
    its device to send again (answered once the core is mended), never refused for it."""
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, _ = running
    real = core.step.no_shows.run

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug in the sweep")

    monkeypatch.setattr(core.step.no_shows, "run", broken)
    k = Kiosk("kiosk-b03", "B03")
    signin = k.event("tech.signed_in", tech="T001")
    core.on_message(*signin, token="t1")
    wait_until(lambda: wire.pubacks == ["t1"], what="let go by the broker, unanswered")
    assert wire.acks == [] and core.store.inbox_results("kiosk-b03") == []
    monkeypatch.setattr(core.step.no_shows, "run", real)  # mended
    core.on_message(*signin, token="t1 again")  # the kiosk sends it again
    wait_until(lambda: len(wire.acks) == 1, what="the tap answered")
    assert wire.acks[0][:2] == (1, "applied")


def test_a_pages_command_stored_before_a_bug_is_answered_with_what_it_did(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error would have the desk (or the dealer system) check the car in again."""
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, _, _ = running
    fails_once(monkeypatch, core.step, "publish_lounge", "a bug after the commit")
    job = core.run_command(CheckInCar(order(plate="京A99999")), "advisor:SA01")
    assert job.vehicle.plate == "京A99999"
    assert [j.ro for j in core.ws.jobs.values()] == [job.ro]  # the one car, in memory
    assert core.store.load_job(job.ro) is not None  # and stored


def test_the_report_rows_waiting_are_not_written_from_the_failed_batchs_jobs(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A kiosk's taps leave their report rows for a quiet moment, holding the jobs: after a
    bug those are the failed batch's, with the refused pause on them."""
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, _ = running
    ro = checked_in_and_dispatched(core)
    a_bug_at(monkeypatch, 3)
    k = Kiosk("kiosk-b03", "B03")
    clock = core.clock
    assert isinstance(clock, Clock)
    for step, data in (
        ("tech.signed_in", {}),
        ("job.started", {}),
        ("job.paused", {"reason": "tool"}),
    ):
        clock.advance(minutes=1)  # each stored later than the one before
        job = None if step == "tech.signed_in" else ro
        core.on_message(*k.event(step, job=job, tech="T002", ts=clock.now, **data), token=None)
        wait_until(lambda n=k.seq: len(wire.acks) == n, what=f"{step} answered")
    assert [r for _, r, _ in wire.acks] == ["applied", "applied", "rejected"]
    core.stop()  # the report rows still due are written as it stops
    with core.store.engine.connect() as conn:
        stretches = conn.execute(select(WorkRow.tech, WorkRow.ended).where(WorkRow.ro == ro)).all()
    assert stretches == [("T002", None)]  # still at work: the pause was refused


def test_a_fault_between_batches_leaves_nothing_it_changed_in_memory(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The core's own steps between batches (the board, its sweeps) read the store again
    after a fault, as a batch does."""
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, _, _ = running
    failures = [1]

    def refresh() -> None:
        if failures:
            failures.pop()
            core.step.ws.sign_in("T001", "B03", core.clock())
            raise RuntimeError("a bug between batches")

    monkeypatch.setattr(core.step, "refresh", refresh)
    core._queue.poke()  # the loop wakes with nothing queued: its own steps
    wait_until(lambda: not failures, what="the step between batches run")
    assert core.query(lambda ws, _now: ws.tech_state("T001").bay) is None


def test_a_devices_status_taken_by_a_batch_that_failed_still_reaches_the_boards(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, _, loop = running
    a_bug_at(monkeypatch, 1)
    k = Kiosk("kiosk-b03", "B03")
    online = b'{"v":1,"online":true,"kind":"kiosk","outbox":0}'
    loop.hold()
    core.stop_straight()  # both queued: one batch
    core.on_message("pitboard/demo/dev/kiosk-b03/status", online, token=None)
    core.on_message(*k.event("tech.signed_in", tech="T001"), token=None)  # the bug strikes
    loop.release()
    wait_until(lambda: len(core.store.inbox_results("kiosk-b03")) == 1, what="#1 refused")
    sent = core.views.board._devices  # what the board's device parts last carried
    wait_until(lambda: "kiosk-b03" in sent, what="the kiosk's row on the board")


def test_a_stored_batch_struck_by_a_bug_still_sends_the_prints_it_asked_for(
    core: Core, bus: FakeBus, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    why = "a bug after the commit, before the answers"
    failures = fails_once(monkeypatch, core.views, "workshop_changed", why)
    job = core.run_command(CheckInCar(order(plate="京A99999")), "advisor:SA01")
    assert job.vehicle.plate == "京A99999" and not failures
    commands = [t for t, *_ in bus.published if t.endswith("/cmd")]
    assert commands, "the check-in's print went out"


def test_a_tap_applied_as_it_came_reads_the_store_again_as_a_batch_does(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, _, _ = running
    fails_once(monkeypatch, core.views, "workshop_changed", "a bug after the status was taken")
    online = b'{"v":1,"online":true,"kind":"kiosk","outbox":0}'
    core.on_message("pitboard/demo/dev/kiosk-b03/status", online, token=None)
    sent = core.views.board._devices  # what the board's device parts last carried
    wait_until(lambda: "kiosk-b03" in sent, what="the kiosk's row on the board")


def test_the_loops_own_work_failing_again_and_again_is_tried_less_and_less_often(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sweep still due that fails every time must not have the loop read the whole store
    again at every turn."""
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, _, _ = running
    tries: list[float] = []

    def refresh() -> None:
        tries.append(time.monotonic())
        raise RuntimeError("a bug in a sweep still due")

    monkeypatch.setattr(core.step, "refresh", refresh)
    for _ in range(40):  # the loop woken again and again with nothing queued
        core._queue.poke()
        time.sleep(0.025)
    assert 1 <= len(tries) <= 2, tries
