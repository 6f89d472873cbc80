"""The report from the database gives build_report's figures for the same jobs, on SQLite
and PostgreSQL: days, weeks and a month of a generated history with cars still at work,
rework, findings, cancellations and cars picked up the next morning; and after migrating a
database written before the report's columns existed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from core.demo.history import HistoryPlan, write_history
from core.domain.reports import Report, build_report, period
from core.store.database import _MIGRATIONS, make_engine, migrate
from core.store.repository import Store
from core.store.tables import JobRow, ReportDayRow
from tests.helpers import demo_config, fresh_postgres_database, same_report

BAYS = ["B01", "B02", "B03", "B04", "B05", "B06"]
FIRST = date(2026, 11, 25)
PLAN = HistoryPlan(days=12, per_day=30, open_at_end=4, seed=7)
# The last morning of the history, with the cars still at work: their clocks count to now.
NOW = datetime(2026, 12, 6, 4, 17, tzinfo=UTC)


def periods() -> list[tuple[datetime, datetime]]:
    zone = demo_config().zone
    days = [period("day", FIRST + timedelta(days=n), zone) for n in range(PLAN.days + 1)]
    weeks = [period("week", FIRST + timedelta(days=n), zone) for n in (0, 7, 14)]
    months = [period("month", d, zone) for d in (FIRST, date(2026, 12, 1))]
    return days + weeks + months


def from_documents(store: Store, start: datetime, end: datetime) -> Report:
    """Today's way: every job of the period rebuilt from its document."""
    zone = demo_config().zone
    return build_report(store.jobs_between(start, end), start, end, zone, NOW, BAYS, 10.0)


def from_tables(store: Store, start: datetime, end: datetime) -> Report:
    return store.report(start, end, NOW, demo_config().zone, BAYS, 10.0)


@pytest.mark.parametrize("roll_days", [True, False], ids=["days-rolled-up", "jobs-rows-only"])
@pytest.mark.parametrize("follow_ups", [True, False], ids=["calls-made", "calls-elsewhere"])
def test_the_report_from_the_database_equals_build_report(
    store: Store, follow_ups: bool, roll_days: bool
) -> None:
    plan = HistoryPlan(**{**PLAN.__dict__, "follow_ups": follow_ups, "roll_days": roll_days})
    assert write_history(store, demo_config(), FIRST, plan) == plan.days * plan.per_day
    assert bool(kept_days(store)) is roll_days
    checked = 0
    for start, end in periods():
        expected = from_documents(store, start, end)
        same_report(from_tables(store, start, end), expected)
        checked += expected.jobs_in
    month = from_documents(store, *period("month", FIRST, demo_config().zone))
    # The history reaches what the comparison must cover, or it would prove little.
    assert month.delivered and month.passed_first_time < month.passed_qc
    assert month.findings_approved < month.findings_answered
    assert any(t.standard_hours for t in month.technicians)
    assert any(b.busy_hours for b in month.bays) and checked
    split = {k.job_type.value: k for k in month.job_types}
    assert split["maintenance"].delivered and split["repair"].delivered
    assert sum(k.jobs_in for k in month.job_types) == month.jobs_in
    # Parts waits of requests served across the days, and some delivered cars had none.
    assert len(month.parts_waits) > 20 and month.parts_wait_p90_minutes is not None
    assert month.parts_wait_p50_minutes is not None
    assert month.parts_wait_p50_minutes < month.parts_wait_p90_minutes


def kept_days(store: Store) -> list[datetime]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(ReportDayRow.starts_at)).scalars())


def rows_as_written_before(source: Store, target: Store) -> None:
    """The job rows as the store wrote them before revision 0005: documents and the first
    query columns only."""
    old: tuple[str, ...] = ("site", "ro", "status", "bay", "plate", "public_token")
    old += ("promised_at", "checked_in_at", "updated_at", "doc")
    with source.engine.connect() as conn:
        rows = [
            dict(r._mapping) for r in conn.execute(select(*(JobRow.__table__.c[c] for c in old)))
        ]
    with target.engine.begin() as conn:
        conn.execute(insert(JobRow), rows)


def migrate_to(engine: Any, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@pytest.fixture
def older_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second, empty database of the same kind as the store's."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'older.sqlite3'}"
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_server")) as url:
        yield url


def test_a_database_from_before_the_report_columns_gives_the_same_report(
    store: Store, older_url: str
) -> None:
    write_history(store, demo_config(), FIRST, PLAN)
    engine = make_engine(older_url)
    try:
        migrate_to(engine, "0004")
        older = Store(engine, "demo")
        rows_as_written_before(store, older)
        migrate(engine)  # the documents' figures go into the new columns and rows
        for start, end in periods():
            same_report(from_tables(older, start, end), from_documents(store, start, end))
    finally:
        engine.dispose()
