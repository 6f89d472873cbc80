"""Times cross into the database as UTC and come back aware, on SQLite (which keeps no
offset) and PostgreSQL alike: a period in the workshop's own zone finds what happened in
it at any hour, midnight included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime, insert, select
from sqlalchemy.dialects import sqlite

from core.domain.reports import period
from core.engine.effects import rows_to_write
from core.store.repository import Batch, Store
from core.store.tables import JobRow, UtcDateTime
from tests.helpers import domain_workshop, order

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 00:30 on 5 December in Shanghai, still the 4th in UTC
HALF_PAST_MIDNIGHT = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)


def checked_in(store: Store, when: datetime) -> str:
    ws = domain_workshop()
    job = ws.check_in(order(promised_at=when + timedelta(hours=3)), when)
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), when)
    return str(job.ro)


@pytest.mark.parametrize("written_as", [UTC, SHANGHAI])
def test_a_job_checked_in_after_local_midnight_is_in_that_days_period(
    store: Store, written_as: ZoneInfo
) -> None:
    ro = checked_in(store, HALF_PAST_MIDNIGHT.astimezone(written_as))
    today = period("day", HALF_PAST_MIDNIGHT.astimezone(SHANGHAI).date(), SHANGHAI)
    yesterday = period("day", today[0].date() - timedelta(days=1), SHANGHAI)
    assert [j.ro for j in store.jobs_between(*today)] == [ro]
    assert store.jobs_between(*yesterday) == []


def test_times_come_back_as_the_same_moment_with_their_zone(store: Store) -> None:
    ro = checked_in(store, HALF_PAST_MIDNIGHT.astimezone(SHANGHAI))
    with store.engine.connect() as conn:
        back = conn.execute(select(JobRow.checked_in_at).where(JobRow.ro == ro)).scalar_one()
    assert back == HALF_PAST_MIDNIGHT and back.utcoffset() == timedelta(0)


def test_a_time_without_its_zone_is_refused_not_guessed(store: Store) -> None:
    naive = datetime(2026, 12, 5, 0, 30)
    with store.engine.begin() as conn, pytest.raises(Exception, match="without its zone"):
        conn.execute(
            insert(JobRow).values(
                site="demo",
                ro="RO-X",
                status="checked_in",
                plate="京A1",
                promised_at=naive,
                checked_in_at=naive,
                updated_at=naive,
                doc={},
            )
        )


@settings(max_examples=300)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_sqlite_gets_the_text_sqlalchemy_writes_for_the_utc_moment(moment: datetime) -> None:
    """The time written to SQLite in one step is, character for character, what
    SQLAlchemy's own DATETIME writes for the same moment in UTC: what is stored, compared
    and read back stays as it was."""
    dialect = sqlite.dialect()
    ours = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    theirs = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and theirs is not None
    assert ours(moment) == theirs(moment.astimezone(UTC))
    assert ours(None) is None
    with pytest.raises(ValueError, match="without its zone"):
        ours(moment.replace(tzinfo=None))
