"""A tap that comes while nothing is queued and the writer is idle is applied on the thread
that read it, its ack written there; one that comes behind queued work waits its turn, so
what came first is done first; a tap whose commit failed there is tried again by the loop
after it read the store again."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from core.engine import Core, Query
from core.engine.loop import BURST_GAP
from core.store.repository import Store
from tests.held_loop import HeldLoop, Wire, tap
from tests.helpers import Clock, Kiosk, demo_config
from tests.waiting import wait_until


def fail_the_next_commit(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    real, failures = core.store.commit, [1]

    def commit(*args: Any, **kw: Any) -> None:
        if failures:
            failures.pop()
            raise OperationalError("commit", {}, Exception("disk I/O error"))
        real(*args, **kw)

    monkeypatch.setattr(core.store, "commit", commit)


def test_a_tap_with_nothing_before_it_is_applied_on_the_thread_that_read_it(
    running: tuple[Core, Wire, HeldLoop],
) -> None:
    core, wire, loop = running
    loop.hold()
    tap(core, Kiosk("kiosk-b03", "B03"), token="t1")  # returns applied: the ack is out
    assert wire.acks == [(1, "applied", threading.current_thread().name)]
    assert wire.pubacks == ["t1"]


def test_a_tap_behind_queued_work_waits_its_turn_and_the_order_holds(
    running: tuple[Core, Wire, HeldLoop],
) -> None:
    """The writer is idle and the loop waits, yet a tap behind a queued read is queued
    too, and applied after it; the taps after it follow in their order."""
    core, wire, loop = running
    loop.hold()
    asked: Future[Any] = Future()
    core._queue.put(Query(lambda _ws, _now: len(wire.acks), asked))
    k = Kiosk("kiosk-b03", "B03")
    tap(core, k, token="t1")
    tap(core, k, "tech.signed_out", token="t2")
    assert wire.acks == [], "a tap overtook the work queued before it"
    loop.release()
    assert asked.result(10) == 0, "the read was answered after taps that came behind it"
    wait_until(lambda: len(wire.acks) == 2, what="both taps applied")
    assert [(seq, result) for seq, result, _ in wire.acks] == [(1, "applied"), (2, "applied")]
    assert {thread for _, _, thread in wire.acks} == {"pitboard-core"}


def test_a_tap_whose_commit_failed_is_tried_again_by_the_loop_after_a_reload(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failed commit is said
    core, wire, loop = running
    fail_the_next_commit(core, monkeypatch)
    k = Kiosk("kiosk-b03", "B03")
    loop.hold()
    tap(core, k, token="t1")
    assert wire.acks == [] and core.store_problem is not None
    time.sleep(3 * BURST_GAP)  # no burst: queued only because the failed one goes first
    tap(core, k, "tech.signed_out", token="t2")
    assert wire.acks == []
    loop.release()
    wait_until(lambda: len(wire.acks) == 2, what="the failed tap tried again, then the next")
    assert wire.acks == [(1, "applied", "pitboard-core"), (2, "applied", "pitboard-core")]
    assert core.store_problem is None
    assert any("commit failed" in r.getMessage() for r in caplog.records)
    loop.hold()
    tap(core, k, token="t3")
    assert wire.acks[-1] == (3, "applied", threading.current_thread().name)


def test_once_stopped_a_tap_is_only_queued(store: Store) -> None:
    wire = Wire()
    core = Core(demo_config(), store, wire, Clock())
    core.start()
    core.stop()
    tap(core, Kiosk("kiosk-b03", "B03"), token="t1")
    assert wire.acks == [] and core.queue_depth() == 1


def test_a_burst_goes_to_the_loop_to_be_committed_in_batches(
    running: tuple[Core, Wire, HeldLoop],
) -> None:
    """Messages read back to back (a device sending what it kept) are no taps to answer
    one by one: after the first, they are queued and the loop commits them together."""
    core, wire, loop = running
    k = Kiosk("kiosk-b03", "B03")
    burst = [
        k.event("tech.signed_in" if i % 2 == 0 else "tech.signed_out", tech="T001")
        for i in range(20)
    ]
    loop.hold()
    batches = core.counters.batches
    for i, (topic, payload) in enumerate(burst):
        core.on_message(topic, payload, f"t{i}")
    straight = [a for a in wire.acks if a[2] == threading.current_thread().name]
    assert 1 <= len(straight) <= 3, "a burst was applied a message at a time"
    loop.release()
    wait_until(lambda: len(wire.acks) == 20, what="the whole burst applied")
    assert [seq for seq, _, _ in wire.acks] == list(range(1, 21))
    assert {result for _, result, _ in wire.acks} == {"applied"}
    assert core.counters.batches - batches <= 2 * len(straight) + 1


class HookedTurn:
    """The writer's turn, running ``hook`` once on the loop's thread just before the loop
    takes it: there, something can happen between the loop's wait and its turn."""

    def __init__(self, core: Core) -> None:
        self.lock = core._turn
        self.hook: Any = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self.lock.acquire(blocking, timeout)

    def release(self) -> None:
        self.lock.release()

    def __enter__(self) -> HookedTurn:
        hook, self.hook = self.hook, None
        if hook is not None and threading.current_thread().name == "pitboard-core":
            hook()
        else:
            self.hook = hook
        self.lock.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.lock.release()


def test_a_tap_failed_while_the_loop_came_for_its_turn_is_tried_again_before_anything(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop woke with nothing queued and was about to do its own work (the board, the
    report rows) when a tap's commit failed on the MQTT thread: that work must not be done
    with the workshop holding what was not stored, the tap is tried again first."""
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failed commit is said
    core, wire, loop = running
    fail_the_next_commit(core, monkeypatch)
    refreshed_with: list[int] = []
    real_refresh = core.step.refresh

    def refresh() -> None:
        refreshed_with.append(len(core._failed))
        real_refresh()

    monkeypatch.setattr(core.step, "refresh", refresh)
    turn = HookedTurn(core)
    monkeypatch.setattr(core, "_turn", turn)
    k = Kiosk("kiosk-b03", "B03")

    def fail_a_tap_meanwhile() -> None:
        failing = threading.Thread(target=tap, args=(core, k, "tech.signed_in", "t1"))
        failing.start()
        failing.join(10)

    loop.hold()
    turn.hook = fail_a_tap_meanwhile
    loop.release()
    core._queue.poke()  # out of its wait at once, to come for its turn
    wait_until(lambda: len(wire.acks) == 1, what="the failed tap tried again")
    assert wire.acks[0][:2] == (1, "applied")
    assert turn.hook is None, "the loop never came for its turn"
    assert all(n == 0 for n in refreshed_with), "own work done before the failed tap"


def test_the_core_stops_while_the_database_is_away(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop holds the turn while it waits for the store to answer again; stopping
    does not wait for the turn, only as long as it was told for the loop."""
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the store's absence is said
    core, wire, _loop = running
    away = OperationalError("connect", {}, Exception("connection refused"))
    stored, reloads = [False], [0]

    def commit(*_args: Any, **_kw: Any) -> None:
        if not stored[0]:
            raise away

    def reload() -> None:
        reloads[0] += 1
        if not stored[0]:
            raise away
        real_reload()

    real_commit, real_reload = core.store.commit, core._reload
    monkeypatch.setattr(core.store, "commit", commit)
    monkeypatch.setattr(core, "_reload", reload)
    tap(core, Kiosk("kiosk-b03", "B03"), token="t1")
    wait_until(lambda: reloads[0] >= 2, what="the loop waiting for the store")
    loop_thread = core._thread
    assert loop_thread is not None
    stopping = threading.Thread(target=core.stop, kwargs={"timeout": 0.5})
    stopping.start()
    stopping.join(5)
    stopped = not stopping.is_alive()
    assert wire.acks == []
    monkeypatch.setattr(core.store, "commit", real_commit)
    stored[0] = True  # the store back: the loop applies the tap and ends
    loop_thread.join(20)
    assert stopped, "stop waited for the database"
    assert not loop_thread.is_alive()
    assert [(seq, result) for seq, result, _ in wire.acks] == [(1, "applied")]
