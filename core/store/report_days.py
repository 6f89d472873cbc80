"""Closed days' report sums, kept: a month's report adds up its days' rows and asks the jobs'
rows (core/store/report_queries.py) only for the days without one (today, and days a job
has changed since they were rolled up).

A period's figures are its days' added up: every figure is counted on the local day of its
own moment (a check-in, a delivery, a QC pass, an answer, a served parts request), and the
work is cut at the days' ends, a bay's busy time being the union of its stretches within
each day. So the sums of a day stay right as long as no job the day may count changes:

- the core writes a day's row once the day has closed (``roll``), in its own transaction;
- writing a job's report rows removes the rows of the days from the earliest moment the
  change touches on (``FORGET``, in the same transaction): a stretch of work or an answer
  from its own moment, while a change of what counts on other days (``other_days``: a car
  dispatched the morning after it came, a job cancelled, moved to another bay or reworked
  after its QC pass) from the job's check-in, as does a job the writer does not remember
  writing (the first write after a start);
- a day is not rolled up while a job that passed QC that day has a stretch of work still
  running (its standard hours are shared by the work as it stands now), nor while a clock
  begun before the day's end still runs: a period counts the jobs written since its start
  (``WRITTEN_EARLY`` before it), and a clock left running through a whole day with no tap
  on its car would count in a month but not in that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, delete, func, insert, select
from sqlalchemy.engine import Connection

from core.domain.reports import (
    SUMMED,
    TALLIED,
    TALLIED_BY_TYPE,
    Report,
    Tallies,
    add_up,
)
from core.domain.vocabulary import JobStatus

from .report_queries import WRITTEN_EARLY, ReportQueries, local_days
from .tables import JobFiguresRow, JobRow, ReportDayRow, WorkRow

#: The layout of a row's sums; a row of another layout is not read, and is made again.
LAYOUT = 1

Day = tuple[datetime, datetime]

FORGET = delete(ReportDayRow).where(
    ReportDayRow.site == bindparam("site"), ReportDayRow.ends_at > bindparam("since")
)
_BY_DATE = ("in_by_day", "out_by_day")


def sums_doc(r: Report, t: Tallies) -> dict[str, Any]:
    tallies: dict[str, dict[str, float]] = {}
    for name in TALLIED + TALLIED_BY_TYPE:
        kept: dict[Any, float] = getattr(t, name)
        # Zeros too: a technician who earned hours in the day without working in it is listed.
        tallies[name] = {str(k): v for k, v in kept.items()}
    return {
        "sums": {name: getattr(r, name) for name in SUMMED},
        "parts_waits": list(r.parts_waits),
        "tallies": tallies,
    }


def sums_from_doc(doc: dict[str, Any], start: datetime, end: datetime) -> tuple[Report, Tallies]:
    r = Report(start, end, **doc["sums"])
    r.parts_waits = list(doc["parts_waits"])
    t = Tallies()
    for name, values in doc["tallies"].items():
        into: defaultdict[Any, Any] = getattr(t, name)
        for key, value in values.items():
            into[date.fromisoformat(key) if name in _BY_DATE else key] += value
    return r, t


def whole_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[Day] | None:
    """The local days of the period, or None when it does not begin and end at midnight."""
    days = _day_bounds(start, end, zone)
    if not days or days[0][0] != start or days[-1][1] != end:
        return None
    return days


def _day_bounds(start: datetime, end: datetime, zone: ZoneInfo) -> list[Day]:
    """The local days from ``start``'s on, each from its midnight to the next, in UTC: a
    local midnight skipped or repeated by a clock change (Santiago, Cairo) never equals the
    same moment read back from the database in another zone."""
    days, ends = local_days(start, end, zone)
    return [
        (datetime.combine(d, time(0), zone).astimezone(UTC), e.astimezone(UTC))
        for d, e in zip(days, ends, strict=True)
    ]


def report_sums(
    conn: Connection, site: str, start: datetime, end: datetime, now: datetime, zone: ZoneInfo
) -> tuple[Report, Tallies]:
    """The period's sums: the kept days' rows, and the jobs' rows for each run of days
    without one."""
    days = whole_days(start, end, zone)
    if days is None:
        return ReportQueries(site, start, end, now, zone).tally(conn)
    kept = _kept(conn, site, start, min(end, now))  # a day not closed yet is counted as it is
    r, t = Report(start, end), Tallies()
    run_from: datetime | None = None
    for day_start, day_end in days:
        doc = kept.get((day_start, day_end))
        if doc is None:
            run_from = day_start if run_from is None else run_from
            continue
        if run_from is not None:
            add_up(r, t, *ReportQueries(site, run_from, day_start, now, zone).tally(conn))
            run_from = None
        add_up(r, t, *sums_from_doc(doc, day_start, day_end))
    if run_from is not None:
        add_up(r, t, *ReportQueries(site, run_from, end, now, zone).tally(conn))
    r.parts_waits.sort()
    return r, t


def _kept(conn: Connection, site: str, start: datetime, end: datetime) -> dict[Day, Any]:
    d = ReportDayRow
    rows = conn.execute(
        select(d.starts_at, d.ends_at, d.doc).where(
            d.site == site, d.starts_at >= start, d.ends_at <= end, d.layout == LAYOUT
        )
    )
    return {(a.astimezone(UTC), b.astimezone(UTC)): doc for a, b, doc in rows}


def days_without_sums(
    conn: Connection, site: str, first: date, today: date, zone: ZoneInfo
) -> list[Day]:
    """The closed days from ``first`` to yesterday without a row, the latest first."""
    d = ReportDayRow
    since = datetime.combine(first, time(0), zone)
    kept = set(
        conn.execute(
            select(d.starts_at).where(d.site == site, d.starts_at >= since, d.layout == LAYOUT)
        ).scalars()
    )
    kept = {k.astimezone(UTC) for k in kept}
    closed = _day_bounds(since, datetime.combine(today, time(0), zone), zone)
    return [day for day in reversed(closed) if day[0] not in kept]


def first_day(conn: Connection, zone: ZoneInfo) -> date | None:
    """The local day the first car came in, if any has."""
    # Of every site the database holds: the check-in's index answers that at once, where the
    # site's own first car would be looked for among all its rows. Days before the site's
    # first car are rolled up empty.
    first = conn.execute(select(func.min(JobRow.checked_in_at))).scalar()
    return None if first is None else first.astimezone(zone).date()


def roll(conn: Connection, site: str, day: Day, now: datetime, zone: ZoneInfo) -> bool:
    """The day's row written (in the caller's transaction); False when it cannot be yet."""
    start, end = day
    if (
        end > now
        or _still_running(conn, site, end)
        or _shares_still_running(conn, site, start, end)
    ):
        return False
    r, t = ReportQueries(site, start, end, now, zone).tally(conn)
    d = ReportDayRow
    conn.execute(delete(d).where(d.site == site, d.starts_at == start))
    conn.execute(
        insert(ReportDayRow),
        {
            "site": site,
            "starts_at": start,
            "ends_at": end,
            "made_at": now,
            "layout": LAYOUT,
            "doc": sums_doc(r, t),
        },
    )
    return True


def _still_running(conn: Connection, site: str, end: datetime) -> bool:
    """A clock begun before the day's end still runs: its car may not be touched again
    until after the day, and the day's report would not count it (it counts the jobs
    touched since the day began) where a longer period does."""
    w = WorkRow
    found = conn.execute(
        select(w.ro).where(w.site == site, w.ended.is_(None), w.started < end.timestamp()).limit(1)
    ).first()
    return found is not None


def _shares_still_running(conn: Connection, site: str, start: datetime, end: datetime) -> bool:
    """A job that passed QC that day with a stretch of work running: the shares of its
    standard hours grow with that stretch."""
    f, w = JobFiguresRow, WorkRow
    found = conn.execute(
        select(w.ro)
        .join(f, and_(f.site == w.site, f.ro == w.ro))
        .where(
            f.site == site,
            f.updated_at >= start - WRITTEN_EARLY,
            f.qc_passed_at >= start,
            f.qc_passed_at < end,
            w.ended.is_(None),
        )
        .limit(1)
    ).first()
    return found is not None


def forget_from(conn: Connection, site: str, moments: Iterable[datetime]) -> None:
    """The rows of the days from the earliest of these moments on removed."""
    since = min(moments, default=None)
    if since is not None:
        conn.execute(FORGET, {"site": site, "since": since})


def other_days(row: dict[str, Any]) -> tuple[Any, ...]:
    """What of a job's figures row (report_rows.figures_row) may count on a day before the
    one it changed on: a first dispatch counts on the day of the check-in, a cancellation
    or another bay on every day of the job, its standard hours and work on the day of its
    QC pass. While this stays the same, a change counts from its own moment on."""
    passed = row["qc_passed_at"] is not None
    return (
        row["status"] == JobStatus.CANCELLED.value,
        row["bay"],
        row["promised_at"],
        row["checked_in_at"],
        row["dispatched_at"],
        row["ready_at"],
        row["delivered_at"],
        row["qc_passed_at"],
        row["rework_count"],
        row["job_type"],
        (row["standard_hours"], row["work_seconds"]) if passed else None,
    )
