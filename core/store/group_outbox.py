"""The site's group feed in storage: its outbox, written in the transaction of the batch
whose facts it holds (numbered there, so a failed commit leaves neither the change nor
its facts), and read and emptied by the relay as the hub acknowledges.

What a fact says is derived elsewhere (core/engine/group_facts.py); this module knows
only the rows, and reads what a day's figures are made from inside the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core.domain.help_report import HelpTimes
from core.domain.reports import Report, complete
from core.domain.vocabulary import JobStatus

from .help_call_rows import help_times
from .report_days import report_sums
from .tables import AftercareRow, GroupOutboxRow, GroupSequenceRow, JobFiguresRow

logger = logging.getLogger(__name__)

#: A fact as it is stored: its kind and its data, JSON-ready.
Fact = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class DayReading:
    """What a local day's figures are made from, read in the batch's own transaction (so
    they include the batch): the department's report of the day, the cars delivered
    without rework, the follow-up calls made and the help calls raised that day."""

    day: date
    report: Report
    delivered_first_time: int
    #: The outcome of every follow-up call recorded that day.
    follow_ups: list[str]
    help: list[HelpTimes]


@dataclass
class GroupWrite:
    """What one batch adds to the outbox: its facts, then the figures of ``days``."""

    facts: list[Fact] = field(default_factory=list)
    days: Sequence[date] = ()
    zone: ZoneInfo | None = None
    #: Makes a day's figures fact of what was read (the derivation is not the store's).
    figures: Callable[[DayReading], Fact] | None = None

    def __bool__(self) -> bool:
        return bool(self.facts or self.days)


@dataclass(frozen=True)
class Waiting:
    """A fact in the outbox, as the relay sends it."""

    seq: int
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class OutboxState:
    """How far the feed is: facts waiting, the last seq given, the oldest waiting fact."""

    waiting: int
    last_seq: int
    oldest_seq: int | None
    oldest_at: datetime | None

    @property
    def acknowledged(self) -> int:
        """Every fact up to here has left the outbox (the hub holds it)."""
        return self.last_seq if self.oldest_seq is None else self.oldest_seq - 1


def day_reading(
    conn: Connection, site: str, day: date, zone: ZoneInfo, now: datetime
) -> DayReading:
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    # The day's kept sums when it has them (a late tap's batch removed them first).
    report = complete(*report_sums(conn, site, start, end, now, zone), zone, [], 0.0)
    f = JobFiguresRow
    first_time = conn.execute(
        select(func.count()).where(
            f.site == site,
            f.status.in_([JobStatus.DELIVERED.value, JobStatus.CLOSED.value]),
            f.delivered_at >= start,
            f.delivered_at < end,
            f.rework_count == 0,
        )
    ).scalar_one()
    a = AftercareRow
    outcomes = conn.execute(
        select(a.outcome).where(
            a.site == site, a.called_at >= start, a.called_at < end, a.outcome.is_not(None)
        )
    ).scalars()
    return DayReading(
        day=day,
        report=report,
        delivered_first_time=int(first_time),
        follow_ups=[o for o in outcomes if o],
        help=help_times(conn, site, start, end),
    )


def write_group(conn: Connection, site: str, write: GroupWrite, now: datetime) -> int:
    """The batch's facts, numbered on from the site's last seq; returns how many."""
    facts = list(write.facts)
    if write.days and write.figures is not None and write.zone is not None:
        for day in sorted(write.days):
            reading = day_reading(conn, site, day, write.zone, now)
            try:
                facts.append(write.figures(reading))
            except ValueError:  # the batch is committed all the same: its figures come next time
                logger.exception("group feed: the figures of %s could not be made", day)
    if not facts:
        return 0
    s = GroupSequenceRow
    last = conn.execute(select(s.last_seq).where(s.site == site)).scalar_one_or_none()
    first = (last or 0) + 1
    conn.execute(
        insert(GroupOutboxRow),
        [
            {"site": site, "seq": first + n, "kind": kind, "at": now, "payload": data}
            for n, (kind, data) in enumerate(facts)
        ],
    )
    told = next((data for kind, data in reversed(facts) if kind == "site"), None)
    values: dict[str, Any] = {"last_seq": first + len(facts) - 1}
    if told is not None:
        values["site_facts"] = told
    if last is None:
        conn.execute(insert(s).values(site=site, **values))
    else:
        conn.execute(update(s).where(s.site == site).values(**values))
    return len(facts)


class GroupOutbox:
    """The relay's side of the outbox: read oldest first, emptied up to an acknowledgement.
    Short transactions of their own, beside the core's single writer."""

    def __init__(self, engine: Engine, site: str) -> None:
        self.engine = engine
        self.site = site

    def waiting(self, after: int, limit: int) -> list[Waiting]:
        """Up to ``limit`` facts from seq ``after + 1`` on, oldest first."""
        o = GroupOutboxRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(o.seq, o.at, o.payload)
                .where(o.site == self.site, o.seq > after)
                .order_by(o.seq)
                .limit(limit)
            ).all()
        return [Waiting(int(seq), at, data) for seq, at, data in rows]

    def acknowledged(self, upto: int) -> int:
        """The hub holds every fact up to ``upto``: they leave. Returns how many left."""
        o = GroupOutboxRow
        with self.engine.begin() as conn:
            gone = conn.execute(delete(o).where(o.site == self.site, o.seq <= upto))
        return int(gone.rowcount or 0)

    def state(self) -> OutboxState:
        o, s = GroupOutboxRow, GroupSequenceRow
        with self.engine.connect() as conn:
            count = conn.execute(select(func.count()).where(o.site == self.site)).scalar()
            # The oldest row in one statement: read apart from the count, it may have
            # left meanwhile (the relay deletes what the hub acknowledges).
            first = conn.execute(
                select(o.seq, o.at).where(o.site == self.site).order_by(o.seq).limit(1)
            ).first()
            oldest, oldest_at = (None, None) if first is None else (first[0], first[1])
            last = conn.execute(select(s.last_seq).where(s.site == self.site)).scalar()
        return OutboxState(
            int(count or 0), int(last or 0), None if oldest is None else int(oldest), oldest_at
        )

    def site_facts(self) -> dict[str, Any] | None:
        """The site's own facts as last written to the feed (None: never)."""
        s = GroupSequenceRow
        with self.engine.connect() as conn:
            found = conn.execute(select(s.site_facts).where(s.site == self.site)).scalar()
        return found if isinstance(found, dict) else None
