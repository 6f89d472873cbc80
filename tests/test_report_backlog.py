"""A tap's commit holds what its device is answered on; the rows the reports add up (figures,
stretches of work) follow once no tap came for a moment, go with any person's command or
question, are never held long under a stream of taps, and are written at start when the
core stopped before them."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest
from sqlalchemy import event, select

from core.commands import CheckInCar, Dispatch
from core.engine import Core, Incoming, Query, WebCommand, report_backlog
from core.store.report_rows import work_rows
from core.store.repository import Store
from core.store.tables import JobFiguresRow, WorkRow
from tests.helpers import T0, Clock, FakeBus, Kiosk, demo_config, order


def ready(store: Store, clock: Clock) -> tuple[Core, str, Kiosk]:
    """A core (no thread: its loop's steps are called here) with a car dispatched to B03 and
    T001 signed in there."""
    core = Core(demo_config(), store, FakeBus(), clock)
    checked = Future[Any]()
    core.step.process([WebCommand(CheckInCar(order()), "advisor:SA01", checked)])
    ro = checked.result(0).ro
    core.step.process([WebCommand(Dispatch(ro, "B03"), "foreman:F001", Future())])
    kiosk = Kiosk("kiosk-b03", "B03")
    core.step.process([Incoming(*kiosk.event("tech.signed_in"), token=None, received_at=T0)])
    return core, ro, kiosk


def tap(core: Core, kiosk: Kiosk, type_: str, ro: str, clock: Clock) -> None:
    clock.advance(minutes=7)
    data = {"reason": "waiting_parts"} if type_ == "job.paused" else {}
    topic, payload = kiosk.event(type_, job=ro, ts=clock.now, **data)
    out = core.step.process([Incoming(topic, payload, token=None, received_at=clock.now)])
    assert [a.result for _, a in out.acks] == ["applied"]


def stored(store: Store, ro: str) -> tuple[str | None, list[dict[str, Any]]]:
    with store.engine.connect() as conn:
        status = conn.execute(
            select(JobFiguresRow.status).where(JobFiguresRow.ro == ro)
        ).scalar_one_or_none()
        work = conn.execute(select(WorkRow.__table__).where(WorkRow.ro == ro).order_by(WorkRow.n))
        return status, [dict(r._mapping) for r in work]


def as_in_memory(core: Core, ro: str) -> tuple[str, list[dict[str, Any]]]:
    job = core.ws.jobs[ro]
    return job.status.value, work_rows(core.store.site, job)


def test_a_taps_commit_leaves_the_report_rows_for_when_the_taps_are_quiet(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    core, ro, kiosk = ready(store, clock)
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        tap(core, kiosk, "job.started", ro, clock)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert any("INSERT INTO inbox" in s for s in statements), "the tap itself is stored"
    assert not [s for s in statements if "job_figures" in s or "job_work" in s], statements
    assert stored(store, ro) != as_in_memory(core, ro)

    # A transaction of their own right after the tap would hold up the next tap's commit.
    assert core.step.wait() <= report_backlog.QUIET, "the loop wakes for them"
    core.step.refresh()  # the loop, a moment after the tap: another may be on its way
    assert stored(store, ro) != as_in_memory(core, ro)
    monkeypatch.setattr(report_backlog, "QUIET", 0.0)  # no tap since: quiet
    core.step.refresh()
    assert stored(store, ro) == as_in_memory(core, ro)
    assert not core.step.reports


def test_a_persons_question_finds_them_written(store: Store, clock: Clock) -> None:
    core, ro, kiosk = ready(store, clock)
    tap(core, kiosk, "job.started", ro, clock)
    tap(core, kiosk, "job.paused", ro, clock)
    answered = Future[Any]()
    core.step.process([Query(lambda _ws, _now: stored(store, ro), answered)])
    assert stored(store, ro) == as_in_memory(core, ro)
    assert len(stored(store, ro)[1]) == 1 and stored(store, ro)[1][0]["ended"] is not None


def test_under_a_stream_of_taps_they_wait_no_longer_than_their_time(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    core, ro, kiosk = ready(store, clock)
    monkeypatch.setattr(report_backlog, "MAX_AGE", 0.0)
    tap(core, kiosk, "job.started", ro, clock)  # due at once: kept for the next commit
    tap(core, kiosk, "job.paused", ro, clock)  # ...which takes them along
    assert stored(store, ro) == as_in_memory(core, ro)


def test_a_core_that_stopped_before_them_writes_them_at_start(store: Store, clock: Clock) -> None:
    core, ro, kiosk = ready(store, clock)
    tap(core, kiosk, "job.started", ro, clock)
    tap(core, kiosk, "job.paused", ro, clock)
    expected = as_in_memory(core, ro)
    assert stored(store, ro) != expected  # the core is killed here, its rows unwritten

    again = Core(demo_config(), store, FakeBus(), clock)
    assert stored(store, ro) == expected == as_in_memory(again, ro)
    assert store.stale_reports({ro}) == {}


def test_stopping_writes_them(store: Store, clock: Clock) -> None:
    core, ro, kiosk = ready(store, clock)
    core.start()
    core.query(lambda _ws, _now: None)  # the thread runs
    core.step.refresh = lambda: None  # type: ignore[method-assign]  # never idle enough
    core.on_message(*kiosk.event("job.started", job=ro, ts=clock.now), token=None)
    core.stop()
    assert stored(store, ro) == as_in_memory(core, ro)
