"""The department's report from the database: the figures of build_report
(core/domain/reports.py), added up by SQL over the columns and rows written for it
(core/store/report_rows.py), without loading a single job document.

The jobs counted are those build_report is given (Store.jobs_between: checked in before the
period's end, touched since its start; cancelled ones aside), so both agree to the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import Subquery

from core.domain.reports import Report, Tallies, complete

from .tables import AnsweredFindingRow, JobRow, WorkRow

HOUR = 3600.0


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

    def __init__(self, site: str, start: datetime, end: datetime, now: datetime) -> None:
        self.site, self.start, self.end = site, start, end
        self.jobs = (
            select(
                JobRow.ro,
                JobRow.bay,
                JobRow.promised_at,
                JobRow.checked_in_at,
                JobRow.dispatched_at,
                JobRow.ready_at,
                JobRow.delivered_at,
                JobRow.qc_passed_at,
                JobRow.rework_count,
                JobRow.standard_hours,
            )
            .where(
                JobRow.site == site,
                JobRow.checked_in_at < end,
                JobRow.updated_at >= start,
                JobRow.status != "cancelled",
            )
            .subquery("counted")
        )
        # A stretch still running counts up to ``now``, as in build_report.
        self.work = (
            select(
                WorkRow.ro,
                WorkRow.tech,
                epoch(WorkRow.start).label("a"),
                epoch(func.coalesce(WorkRow.end, now)).label("b"),
            )
            .where(WorkRow.site == site)
            .subquery("work")
        )

    def run(
        self, conn: Connection, zone: ZoneInfo, bays: Sequence[str], day_hours: float
    ) -> Report:
        r = Report(self.start, self.end)
        t = Tallies()
        self._milestones(conn, r)
        self._findings(conn, r)
        t.in_by_day.update(self._per_day(conn, self.jobs.c.checked_in_at, zone))
        t.out_by_day.update(self._per_day(conn, self.jobs.c.delivered_at, zone))
        self._technicians(conn, t)
        t.busy_seconds.update(self._busy_bays(conn))
        return complete(r, t, zone, list(bays), day_hours)

    # ------------------------------------------------------------ the jobs' milestones
    def _milestones(self, conn: Connection, r: Report) -> None:
        j, start, end = self.jobs.c, self.start, self.end
        came = _within(j.checked_in_at, start, end)
        waited = and_(came, j.dispatched_at.is_not(None))
        left = _within(j.delivered_at, start, end)
        ready = func.coalesce(j.ready_at, j.delivered_at)
        passed = _within(j.qc_passed_at, start, end)
        row = conn.execute(
            select(
                _count(came),
                _count(waited),
                _total(waited, epoch(j.dispatched_at) - epoch(j.checked_in_at)),
                _count(left),
                _count(and_(left, ready <= j.promised_at)),
                _total(left, epoch(ready) - epoch(j.checked_in_at)),
                _count(passed),
                _count(and_(passed, j.rework_count == 0)),
            )
        ).one()
        r.jobs_in, r.waited, r.delivered = int(row[0]), int(row[1]), int(row[3])
        r.wait_hours_total = float(row[2]) / HOUR
        r.delivered_on_time = int(row[4])
        r.cycle_hours_total = float(row[5]) / HOUR
        r.passed_qc, r.passed_first_time = int(row[6]), int(row[7])

    def _findings(self, conn: Connection, r: Report) -> None:
        f, j = AnsweredFindingRow, self.jobs.c
        row = conn.execute(
            select(
                func.count(),
                _count(f.approved.is_(True)),
                _total(f.approved.is_(True), f.parts_estimate),
                _total(f.approved.is_(True), f.labor_hours),
            )
            .select_from(f)
            .join(self.jobs, j.ro == f.ro)
            .where(f.site == self.site, _within(f.answered_at, self.start, self.end))
        ).one()
        r.findings_answered, r.findings_approved = int(row[0]), int(row[1])
        r.approved_parts, r.approved_hours = float(row[2]), float(row[3])

    def _per_day(self, conn: Connection, col: Any, zone: ZoneInfo) -> dict[date, int]:
        """How many of the jobs' moments fell on each local day of the period."""
        days: list[date] = []
        ends: list[datetime] = []
        day = self.start.astimezone(zone).date()
        while datetime.combine(day, time(0), zone) < self.end:
            days.append(day)
            day += timedelta(days=1)
            ends.append(datetime.combine(day, time(0), zone))
        if not days:
            return {}
        bucket = case(*[(col < e, i) for i, e in enumerate(ends)], else_=len(days) - 1)
        rows = conn.execute(
            select(bucket, func.count()).where(_within(col, self.start, self.end)).group_by(bucket)
        )
        return {days[int(i)]: int(n) for i, n in rows}

    # ------------------------------------------------------------ the work
    def _overlap(self) -> tuple[Any, Any]:
        """Where each stretch of work lies inside the period (as seconds since 1970)."""
        w = self.work.c
        lo = _later(w.a, literal(self.start.timestamp()))
        hi = _earlier(w.b, literal(self.end.timestamp()))
        return lo, hi

    def _technicians(self, conn: Connection, t: Tallies) -> None:
        w, j = self.work.c, self.jobs.c
        lo, hi = self._overlap()
        stretches = (
            select(
                w.tech,
                case((hi > lo, hi - lo), else_=0.0).label("inside"),
                (w.b - w.a).label("length"),
                # All the work on the job: what a technician's share is taken of.
                func.sum(w.b - w.a).over(partition_by=w.ro).label("total"),
                j.standard_hours,
                _within(j.qc_passed_at, self.start, self.end).label("finished"),
            )
            .select_from(self.work)
            .join(self.jobs, j.ro == w.ro)
            .subquery("stretches")
        )
        x = stretches.c
        earned = case(
            (and_(x.finished, x.total > 0), x.standard_hours * x.length / x.total), else_=0.0
        )
        rows = conn.execute(select(x.tech, func.sum(x.inside), func.sum(earned)).group_by(x.tech))
        for tech, seconds, std in rows:
            t.worked[tech] = float(seconds) / HOUR
            t.std[tech] = float(std)

    def _busy_bays(self, conn: Connection) -> dict[str, float]:
        """Seconds each bay had someone working on its job: the union of the stretches."""
        spans = self._spans()
        reach = func.max(spans.c.b).over(
            partition_by=spans.c.bay, order_by=(spans.c.a, spans.c.b), rows=(None, -1)
        )
        ordered = select(spans.c.bay, spans.c.a, spans.c.b, reach.label("reach")).subquery()
        o = ordered.c
        added = case(
            (or_(o.reach.is_(None), o.a > o.reach), o.b - o.a),
            (o.b > o.reach, o.b - o.reach),
            else_=0.0,
        )
        rows = conn.execute(select(o.bay, func.sum(added)).group_by(o.bay))
        return {bay: float(seconds) for bay, seconds in rows}

    def _spans(self) -> Subquery:
        w, j = self.work.c, self.jobs.c
        lo, hi = self._overlap()
        return (
            select(j.bay, lo.label("a"), hi.label("b"))
            .select_from(self.work)
            .join(self.jobs, j.ro == w.ro)
            .where(j.bay.is_not(None), j.bay != "", hi > lo)
            .subquery("spans")
        )
