"""The department's report from the database: the figures of build_report
(core/domain/reports.py), added up by SQL over the columns and rows written for it
(core/store/report_rows.py), without loading a single job document: the sums of a period
(``tally``), which core/store/report_days.py adds up with the closed days' kept ones.

The jobs counted are those build_report is given (Store.jobs_between: checked in before the
period's end, touched since its start, or minutes before it; cancelled ones aside), so both
agree to the figure.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import Subquery

from core.domain.reports import Report, Tallies
from core.domain.vocabulary import JobStatus

from .tables import AnsweredFindingRow, JobFiguresRow, PartsRequestRow, WorkRow

HOUR = 3600.0
#: A job is counted by a period if written since a little before its start: a device's clock
#: may run this far ahead of the core's (FUTURE_SLACK, core/handlers.py), so a tap written
#: at 23:58 can deliver a car at 00:01.
WRITTEN_EARLY = timedelta(minutes=5)


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[list[date], list[datetime]]:
    """The local days of the period, and the moment each of them ends."""
    days: list[date] = []
    ends: list[datetime] = []
    day = start.astimezone(zone).date()
    while datetime.combine(day, time(0), zone) < end:
        days.append(day)
        day += timedelta(days=1)
        ends.append(datetime.combine(day, time(0), zone))
    return days, ends


class epoch(FunctionElement[float]):
    """Seconds since 1970 of a stored time, as a float, in either database."""

    type = Float()
    name = "epoch"
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    # Stored as UTC text; julianday() reads it to the millisecond.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT)"


def _within(col: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(col >= start, col < end)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def _later(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _earlier(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


class ReportQueries:
    """One report's queries: the period, the moment it is seen from, the jobs it counts."""

    def __init__(
        self, site: str, start: datetime, end: datetime, now: datetime, zone: ZoneInfo
    ) -> None:
        self.site, self.start, self.end, self.zone = site, start, end, zone
        self.days, self.day_ends = local_days(start, end, zone)
        counting = (
            JobFiguresRow.site == site,
            JobFiguresRow.checked_in_at < end,
            JobFiguresRow.updated_at >= start - WRITTEN_EARLY,
            JobFiguresRow.status != JobStatus.CANCELLED.value,
        )
        # The findings of the counted jobs are read by their keys, never a table whole.
        self.counted = select(JobFiguresRow.ro).where(*counting)
        self.jobs = (
            select(
                JobFiguresRow.ro,
                JobFiguresRow.bay,
                JobFiguresRow.promised_at,
                JobFiguresRow.checked_in_at,
                JobFiguresRow.dispatched_at,
                JobFiguresRow.ready_at,
                JobFiguresRow.delivered_at,
                JobFiguresRow.qc_passed_at,
                JobFiguresRow.rework_count,
                JobFiguresRow.standard_hours,
                JobFiguresRow.work_seconds,
                JobFiguresRow.job_type,
            )
            .where(*counting)
            .subquery("counted")
        )
        # A stretch still running counts up to ``now``, as in build_report.
        self.work = (
            select(
                WorkRow.ro,
                WorkRow.tech,
                WorkRow.started.label("a"),
                func.coalesce(WorkRow.ended, literal(now.timestamp())).label("b"),
            )
            .where(WorkRow.site == site)
            .subquery("work")
        )

    def tally(self, conn: Connection) -> tuple[Report, Tallies]:
        """The period's sums, before the technicians, bays and days are laid out."""
        r = Report(self.start, self.end)
        t = Tallies()
        self._milestones(conn, r, t)
        self._findings(conn, r)
        self._work(conn, t)
        self._parts(conn, r)
        return r, t

    # ------------------------------------------------------------ the jobs' milestones
    def _day_of(self, col: Any) -> Any:
        """The index of the local day a moment of the period fell on, -1 outside it."""
        if not self.days:
            return literal(-1)
        return case(
            (_within(col, self.start, self.end), self._halving(col, 0, len(self.days) - 1)),
            else_=-1,
        )

    def _halving(self, col: Any, first: int, last: int) -> Any:
        """Which of the days ``first`` to ``last`` a moment fell on, halving the range at
        each step: a month's day in five comparisons."""
        if first == last:
            return literal(first)
        mid = (first + last) // 2
        return case(
            (col < self.day_ends[mid], self._halving(col, first, mid)),
            else_=self._halving(col, mid + 1, last),
        )

    def _milestones(self, conn: Connection, r: Report, t: Tallies) -> None:
        """Arrivals, deliveries, waits, cycles and inspections in one pass over the counted
        jobs, grouped by the days of arrival and delivery and by job type."""
        j, start, end = self.jobs.c, self.start, self.end
        came = _within(j.checked_in_at, start, end)
        waited = and_(came, j.dispatched_at.is_not(None))
        left = _within(j.delivered_at, start, end)
        ready = func.coalesce(j.ready_at, j.delivered_at)
        passed = _within(j.qc_passed_at, start, end)
        arrived_on, left_on = self._day_of(j.checked_in_at), self._day_of(j.delivered_at)
        rows = conn.execute(
            select(
                arrived_on,
                left_on,
                _count(came),
                _count(waited),
                _total(waited, epoch(j.dispatched_at) - epoch(j.checked_in_at)),
                _count(left),
                _count(and_(left, ready <= j.promised_at)),
                _total(left, epoch(ready) - epoch(j.checked_in_at)),
                _count(passed),
                _count(and_(passed, j.rework_count == 0)),
                j.job_type,
            ).group_by(arrived_on, left_on, j.job_type)
        )
        for row in rows:
            if row[0] >= 0:
                t.in_by_day[self.days[row[0]]] += int(row[2])
            if row[1] >= 0:
                t.out_by_day[self.days[row[1]]] += int(row[5])
            t.type_in[row[10]] += int(row[2])
            t.type_out[row[10]] += int(row[5])
            t.type_on_time[row[10]] += int(row[6])
            r.jobs_in += int(row[2])
            r.waited += int(row[3])
            r.wait_hours_total += float(row[4]) / HOUR
            r.delivered += int(row[5])
            r.delivered_on_time += int(row[6])
            r.cycle_hours_total += float(row[7]) / HOUR
            r.passed_qc += int(row[8])
            r.passed_first_time += int(row[9])

    def _findings(self, conn: Connection, r: Report) -> None:
        f = AnsweredFindingRow
        approved = f.approved.is_(True)
        row = conn.execute(
            select(
                func.count(),
                _count(approved),
                _total(approved, f.parts_estimate),
                _total(approved, f.labor_hours),
            ).where(
                f.site == self.site,
                _within(f.answered_at, self.start, self.end),
                f.ro.in_(self.counted),
            )
        ).one()
        r.findings_answered, r.findings_approved = int(row[0]), int(row[1])
        r.approved_parts, r.approved_hours = float(row[2]), float(row[3])

    def _parts(self, conn: Connection, r: Report) -> None:
        """The waits of the counted jobs' parts requests served in the period."""
        p = PartsRequestRow
        rows = conn.execute(
            select(p.wait_s)
            .where(
                p.site == self.site,
                _within(p.served_at, self.start, self.end),
                p.wait_s.is_not(None),
                p.ro.in_(self.counted),
            )
            .order_by(p.wait_s)
        ).scalars()
        r.parts_waits = [int(w) for w in rows if w is not None]

    # ------------------------------------------------------------ the work
    def _overlap(self) -> tuple[Any, Any]:
        """Where each stretch of work lies inside the period (as seconds since 1970)."""
        w = self.work.c
        lo = _later(w.a, literal(self.start.timestamp()))
        hi = _earlier(w.b, literal(self.end.timestamp()))
        return lo, hi

    def _work(self, conn: Connection, t: Tallies) -> None:
        """Every technician's hours and every bay's busy time in one pass over the work on
        the counted jobs: grouped by technician and bay, added up here."""
        x = self._stretches().c
        # A bay is busy while anyone works on its job: the union of the stretches, each
        # adding what reaches past every stretch that began before it.
        added = case(
            (~x.busy, 0.0),
            (or_(x.reach.is_(None), x.a > x.reach), x.b - x.a),
            (x.b > x.reach, x.b - x.reach),
            else_=0.0,
        )
        rows = conn.execute(
            select(x.tech, x.bay, func.sum(x.inside), func.sum(x.earned), func.sum(added)).group_by(
                x.tech, x.bay
            )
        )
        for tech, bay, seconds, std, busy in rows:
            if seconds or std:  # as build_report: time or hours in the period
                t.worked[tech] += float(seconds) / HOUR
                t.std[tech] += float(std)
            if bay:
                t.busy_seconds[bay] += float(busy)

    def _stretches(self) -> Subquery:
        """Each stretch of work: how much of it lies in the period (``a`` to ``b``), the
        standard hours it earned, and how far the stretches before it at its bay reached."""
        w, j = self.work.c, self.jobs.c
        lo, hi = self._overlap()
        busy = and_(hi > lo, j.bay.is_not(None), j.bay != "")
        # Technicians earn a passed job's standard hours in the share of its work they did.
        passed = and_(_within(j.qc_passed_at, self.start, self.end), j.work_seconds > 0)
        earned = case((passed, j.standard_hours * (w.b - w.a) / j.work_seconds), else_=0.0)
        return (
            select(
                w.tech,
                j.bay,
                case((hi > lo, hi - lo), else_=0.0).label("inside"),
                earned.label("earned"),
                busy.label("busy"),
                lo.label("a"),
                hi.label("b"),
                func.max(hi)
                .over(partition_by=(j.bay, busy), order_by=(lo, hi), rows=(None, -1))
                .label("reach"),
            )
            .select_from(self.work)
            .join(self.jobs, j.ro == w.ro)
            .subquery("stretches")
        )
