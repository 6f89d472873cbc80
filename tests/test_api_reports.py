"""The figures of a day, a week and a month through /api/v1/reports: the same as the report
rebuilt from the jobs' documents (an independent path), for a read token, with today at the
site as the default day and clear refusals."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.api import build_api
from core.board_source import REPORTS_AT_ONCE
from core.demo.history import HistoryPlan, write_history
from core.domain.access import Scope
from core.domain.reports import Report, build_report, period
from core.domain.vocabulary import BayKind
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from core.working_day import open_hours
from tests.helpers import FakeBus, demo_config

FIRST = date(2026, 11, 23)  # a Monday: the week of the 25th holds its first three days
PLAN = HistoryPlan(days=6, per_day=24, open_at_end=3, seed=11)
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # the last morning, 11:00 at the site


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    store = Store(engine, "demo")
    assert write_history(store, demo_config(), FIRST, PLAN) == PLAN.days * PLAN.per_day
    c = Core(demo_config(), store, FakeBus(), clock=lambda: NOW)
    c.start()
    yield c
    c.stop()
    engine.dispose()


@pytest.fixture
def client(core: Core) -> TestClient:
    return TestClient(build_api(core))


def bearer(core: Core, scope: Scope) -> dict[str, str]:
    return {"Authorization": f"Bearer {core.access.create_token('bi', scope, by='test')[1]}"}


def from_documents(core: Core, kind: str, day: date) -> Report:
    zone = demo_config().zone
    start, end = period(kind, day, zone)
    bays = [b.id for b in core.config.bays if b.kind not in (BayKind.QC, BayKind.WASH)]
    site = core.config.site
    hours = open_hours(site.opens_at, site.shift_ends, site.breaks)
    return build_report(core.store.jobs_between(start, end), start, end, zone, NOW, bays, hours)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def same_figures(got: dict[str, Any], r: Report) -> None:
    assert datetime.fromisoformat(got["start"]) == r.start
    assert datetime.fromisoformat(got["end"]) == r.end
    for name in ("jobs_in", "delivered", "findings_answered", "findings_approved"):
        assert got[name] == getattr(r, name), name
    for name in (
        "on_time_rate",
        "average_cycle_hours",
        "average_wait_hours",
        "first_time_fix_rate",
        "approval_rate",
        "approved_parts",
        "approved_hours",
        "parts_wait_p50_minutes",
        "parts_wait_p90_minutes",
    ):
        assert close(got[name], getattr(r, name)), (name, got[name], getattr(r, name))
    assert got["parts_requests_served"] == len(r.parts_waits)
    same_items(got["technicians"], r.technicians, "tech", TECH_FIGURES)
    same_items(got["bays"], r.bays, "bay", ("busy_hours", "open_hours", "utilisation"))
    days = [(date.fromisoformat(d["day"]), d["jobs_in"], d["delivered"]) for d in got["per_day"]]
    assert days == list(r.per_day)
    same_items(got["job_types"], r.job_types, "job_type", JOB_TYPE_FIGURES)


TECH_FIGURES = ("standard_hours", "worked_hours", "efficiency")
JOB_TYPE_FIGURES = ("jobs_in", "delivered", "on_time_rate")


def same_items(
    got: list[dict[str, Any]], items: Sequence[Any], key: str, names: tuple[str, ...]
) -> None:
    """Item by item in the report's order, every figure named."""
    keys = [getattr(getattr(i, key), "value", getattr(i, key)) for i in items]
    assert [g[key] for g in got] == keys
    for g, item in zip(got, items, strict=True):
        for name in names:
            assert close(g[name], getattr(item, name)), (g[key], name, g[name], getattr(item, name))


@pytest.mark.parametrize(
    ("kind", "day"),
    [("day", date(2026, 11, 25)), ("week", date(2026, 11, 25)), ("month", date(2026, 11, 2))],
)
def test_a_periods_figures_are_the_reports(
    core: Core, client: TestClient, kind: str, day: date
) -> None:
    answer = client.get(
        f"/reports/{kind}", params={"day": day.isoformat()}, headers=bearer(core, Scope.READ)
    )
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["period"] == kind
    expected = from_documents(core, kind, day)
    # The history reaches the figures, or agreeing on zeros would prove little.
    assert expected.delivered and expected.findings_answered and expected.parts_waits
    assert any(t.standard_hours and t.worked_hours for t in expected.technicians)
    assert any(b.busy_hours for b in expected.bays)
    assert any(k.jobs_in != k.delivered for k in expected.job_types)
    same_figures(got, expected)


def test_without_a_day_it_is_today_at_the_site(core: Core, client: TestClient) -> None:
    today = NOW.astimezone(demo_config().zone).date()
    got = client.get("/reports/day", headers=bearer(core, Scope.READ)).json()
    assert datetime.fromisoformat(got["start"]) == period("day", today, demo_config().zone)[0]
    same_figures(got, from_documents(core, "day", today))
    # A day with nothing is zeros and nulls, not an error.
    empty = client.get(
        "/reports/week", params={"day": "2025-01-01"}, headers=bearer(core, Scope.READ)
    ).json()
    assert empty["jobs_in"] == 0 and empty["on_time_rate"] is None


def test_refusals(core: Core, client: TestClient) -> None:
    assert client.get("/reports/month").status_code == 401
    assert client.get("/reports/month", headers={"Authorization": "Bearer nope"}).status_code == 401
    reader = bearer(core, Scope.READ)
    assert client.get("/reports/year", headers=reader).status_code == 422
    assert (
        client.get("/reports/day", params={"day": "2026-13-01"}, headers=reader).status_code == 422
    )
    too_far = client.get("/reports/month", params={"day": "9999-12-31"}, headers=reader)
    assert too_far.status_code == 409 and too_far.json()["code"] == "invalid_data", too_far.text
    assert client.get("/reports/month", headers=bearer(core, Scope.WRITE)).status_code == 200


def test_reading_a_report_does_not_ask_the_cores_thread(
    core: Core, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Added up by the database on the request's thread: a report never waits behind taps,
    nor taps behind it."""

    def no(*_a: object, **_k: object) -> None:
        raise AssertionError("the report asked the core's thread")

    monkeypatch.setattr(core, "query", no)
    monkeypatch.setattr(core, "run_command", no)
    reader = bearer(core, Scope.READ)
    assert client.get("/reports/month", params={"day": "2026-11-25"}, headers=reader).is_success


def test_reports_are_added_up_a_few_at_once(
    core: Core, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dashboards asking together wait their turn, not for the store's connections, which
    the core's own thread draws on too."""
    inside, most, lock = 0, 0, threading.Lock()
    real = core.store.report

    def slow(*args: Any) -> Any:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.05)
            return real(*args)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(core.store, "report", slow)
    reader = bearer(core, Scope.READ)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: client.get("/reports/day", headers=reader), range(8)))
    assert all(a.status_code == 200 for a in answers)
    assert most == REPORTS_AT_ONCE
