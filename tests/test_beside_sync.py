"""Work begun when a commit syncs runs on a thread of its own, its result (or its error)
taken by the batch thread; work never begun runs on the caller's thread; after a failed
commit the caller waits for begun work to end."""

from __future__ import annotations

import threading
import time

import pytest

from core.engine import beside_sync
from core.engine.beside_sync import BesideSync


def test_work_begun_runs_on_the_helper_thread_and_its_result_is_taken_after() -> None:
    helper = BesideSync()
    release = threading.Event()

    def work() -> str:
        release.wait(5)
        return threading.current_thread().name

    pending = helper.prepare(work)
    pending.begin()
    release.set()
    assert pending.result() == helper.name


def test_work_never_begun_runs_on_the_callers_thread() -> None:
    """A batch that wrote nothing has no sync to wait for: its states are made at once."""
    pending = BesideSync().prepare(lambda: threading.current_thread().name)
    assert pending.result() == threading.current_thread().name


def test_an_error_in_the_work_is_raised_where_the_result_is_taken() -> None:
    def work() -> None:
        raise ValueError("a view bug")

    pending = BesideSync().prepare(work)
    pending.begin()
    with pytest.raises(ValueError, match="a view bug"):
        pending.result()


def test_after_a_failed_commit_the_caller_waits_for_begun_work_to_end() -> None:
    ended = threading.Event()

    def work() -> None:
        time.sleep(0.2)
        ended.set()

    pending = BesideSync().prepare(work)
    pending.begin()
    pending.settle()
    assert ended.is_set(), "settle returned while the work still ran"
    BesideSync().prepare(work).settle()  # never begun: nothing to wait for, nothing run


def test_an_idle_helper_thread_ends_and_the_next_work_starts_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(beside_sync, "IDLE", 0.05)
    helper = BesideSync(name="pitboard-beside-sync-idle-test")

    def running() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == helper.name]

    first = helper.prepare(lambda: 1)
    first.begin()
    assert first.result() == 1
    deadline = time.monotonic() + 5
    while running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not running(), "the helper thread stayed after its idle time"
    second = helper.prepare(lambda: 2)
    second.begin()
    assert second.result() == 2


def test_no_thread_to_be_had_the_work_is_done_after_the_commit_and_nothing_hangs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A process that can start no more threads: ``begin`` (inside the commit) neither
    fails the commit nor leaves a promise no thread keeps; the work runs where its result
    is taken, and a failed commit's ``settle`` does not wait for it."""

    def cannot(_self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    helper = BesideSync(name="pitboard-beside-sync-no-thread-test")
    monkeypatch.setattr(threading.Thread, "start", cannot)
    pending = helper.prepare(lambda: threading.current_thread().name)
    pending.begin()
    pending.settle()
    assert pending.result() == threading.current_thread().name
    assert "no thread for the work beside" in caplog.text
    again = helper.prepare(lambda: 2)
    again.begin()
    monkeypatch.undo()
    assert again.result() == 2
