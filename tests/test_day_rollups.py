"""The core rolls up the closed days' report sums between batches, once the floor has been
quiet, a day at a time and the latest first; never a day still open; a job written later
takes its days' rows away and they are made again; a failing database is tried again
later without stopping the loop."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.commands import CheckInCar, Dispatch
from core.engine import Core, WebCommand, day_rollups
from core.engine.day_rollups import DayRollups
from core.store.repository import Store
from core.store.tables import ReportDayRow
from tests.helpers import T0, Clock, FakeBus, demo_config, order

ZONE = demo_config().zone


def kept(store: Store) -> list[date]:
    with store.engine.connect() as conn:
        starts = conn.execute(select(ReportDayRow.starts_at).order_by(ReportDayRow.starts_at))
        return [s.astimezone(ZONE).date() for s in starts.scalars()]


def command(core: Core, cmd: Any, actor: str) -> Any:
    done = Future[Any]()
    core.step.process([WebCommand(cmd, actor, done)])
    return done.result(0)


def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(day_rollups, "QUIET", 0.0)
    monkeypatch.setattr(day_rollups, "NEXT", 0.0)


def test_closed_days_are_rolled_up_when_the_floor_is_quiet(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = Core(demo_config(), store, FakeBus(), clock)
    ro = command(core, CheckInCar(order()), "advisor:SA01").ro
    first = T0.astimezone(ZONE).date()
    clock.now = datetime.combine(first + timedelta(days=2), time(9), ZONE)

    core.step.refresh()  # a batch a moment ago: the floor is not quiet yet
    assert kept(store) == []
    assert 0 < core.step.rollups.wait() <= day_rollups.QUIET
    assert core.step.wait() <= core.step.rollups.wait(), "the loop wakes for them"

    quiet(monkeypatch)
    core.step.refresh()
    assert kept(store) == [first + timedelta(days=1)], "one day at a time, the latest first"
    core.step.refresh()
    core.step.refresh()
    assert kept(store) == [first, first + timedelta(days=1)], "today is still open"
    assert core.step.rollups.wait() > day_rollups.LOOK_AGAIN - 5, "none left: looks again later"

    command(core, Dispatch(ro, "B03"), "foreman:F001")  # the car of the first day, written
    assert kept(store) == []
    monkeypatch.setattr(core.step.rollups, "_next", 0.0)
    for _ in range(3):
        core.step.refresh()
    assert kept(store) == [first, first + timedelta(days=1)]


class FailingStore:
    def roll_closed_day(self, *_: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))


def test_a_failing_database_is_tried_again_later(
    clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    quiet(monkeypatch)
    rollups = DayRollups(FailingStore(), ZONE, clock)  # type: ignore[arg-type]
    assert rollups.wait() == 0
    rollups.roll()
    assert rollups.wait() > day_rollups.LOOK_AGAIN - 5
    assert "rolling up a closed day failed" in caplog.text
