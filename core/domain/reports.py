"""Daily, weekly and monthly figures of the service department, from its repair orders."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .model import FindingState, Job, JobStatus
from .vocabulary import JobType


@dataclass(frozen=True)
class TechFigures:
    tech: str
    standard_hours: float
    worked_hours: float

    @property
    def efficiency(self) -> float | None:
        return self.standard_hours / self.worked_hours if self.worked_hours else None


@dataclass(frozen=True)
class BayFigures:
    bay: str
    busy_hours: float
    open_hours: float

    @property
    def utilisation(self) -> float | None:
        return self.busy_hours / self.open_hours if self.open_hours else None


@dataclass(frozen=True)
class JobTypeFigures:
    """The cars of one job type: checked in, and delivered (on time) in the period."""

    job_type: JobType
    jobs_in: int
    delivered: int
    delivered_on_time: int

    @property
    def on_time_rate(self) -> float | None:
        return self.delivered_on_time / self.delivered if self.delivered else None


@dataclass
class Report:
    start: datetime
    end: datetime
    jobs_in: int = 0
    delivered: int = 0
    delivered_on_time: int = 0
    #: Check-in to ready, added up over the cars delivered.
    cycle_hours_total: float = 0.0
    #: Check-in to the first dispatch, added up over the cars checked in and dispatched.
    wait_hours_total: float = 0.0
    waited: int = 0
    passed_qc: int = 0
    passed_first_time: int = 0
    findings_answered: int = 0
    findings_approved: int = 0
    approved_parts: float = 0.0
    approved_hours: float = 0.0
    technicians: list[TechFigures] = field(default_factory=list)
    bays: list[BayFigures] = field(default_factory=list)
    per_day: list[tuple[date, int, int]] = field(default_factory=list)
    #: Every job type, in the vocabulary's order.
    job_types: list[JobTypeFigures] = field(default_factory=list)
    #: How long each parts request served in the period waited (ask to parts there), in
    #: seconds, shortest first.
    parts_waits: list[int] = field(default_factory=list)

    @property
    def parts_wait_p50_minutes(self) -> float | None:
        return _minutes(percentile(self.parts_waits, 0.5))

    @property
    def parts_wait_p90_minutes(self) -> float | None:
        return _minutes(percentile(self.parts_waits, 0.9))

    @property
    def on_time_rate(self) -> float | None:
        return self.delivered_on_time / self.delivered if self.delivered else None

    @property
    def average_cycle_hours(self) -> float | None:
        return self.cycle_hours_total / self.delivered if self.delivered else None

    @property
    def average_wait_hours(self) -> float | None:
        return self.wait_hours_total / self.waited if self.waited else None

    @property
    def first_time_fix_rate(self) -> float | None:
        return self.passed_first_time / self.passed_qc if self.passed_qc else None

    @property
    def approval_rate(self) -> float | None:
        return self.findings_approved / self.findings_answered if self.findings_answered else None


def percentile(values: list[int], q: float) -> int | None:
    """The nearest-rank percentile of sorted ``values``: a wait some request really had,
    so p90 of ten requests is the ninth longest, never a value between two."""
    if not values:
        return None
    rank = max(1, math.ceil(q * len(values)))
    return values[rank - 1]


def _minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def parts_wait_seconds(requested_at: datetime, served_at: datetime) -> int:
    """A request's wait as the reports count it: whole seconds, never below zero."""
    return max(0, round((served_at - requested_at).total_seconds()))


def period(kind: str, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day, the ISO week (Monday on) or the calendar month around ``day``."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    elif kind == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        first, last = day, day + timedelta(days=1)
    return (
        datetime.combine(first, time(0), zone),
        datetime.combine(last, time(0), zone),
    )


def _within(ts: datetime | None, start: datetime, end: datetime) -> bool:
    return ts is not None and start <= ts < end


def _overlap(a: datetime, b: datetime, start: datetime, end: datetime) -> float:
    return max(0.0, (min(b, end) - max(a, start)).total_seconds())


def _union_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    total, cursor = 0.0, None
    for a, b in sorted(spans):
        if cursor is None or a > cursor:
            total += (b - a).total_seconds()
            cursor = b
        elif b > cursor:
            total += (b - cursor).total_seconds()
            cursor = b
    return total


@dataclass
class Tallies:
    """What a report adds up per day, technician and bay before it is rounded and laid out;
    reports built in the database fill the same (core/store/report_queries.py)."""

    in_by_day: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    out_by_day: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    std: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    worked: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    busy_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: By job type: checked in, delivered, delivered on time.
    type_in: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    type_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    type_on_time: dict[str, int] = field(default_factory=lambda: defaultdict(int))


#: The report's figures that are sums: a period's are its days' added up.
SUMMED = (
    "jobs_in",
    "delivered",
    "delivered_on_time",
    "cycle_hours_total",
    "wait_hours_total",
    "waited",
    "passed_qc",
    "passed_first_time",
    "findings_answered",
    "findings_approved",
    "approved_parts",
    "approved_hours",
)
TALLIED = ("in_by_day", "out_by_day", "std", "worked", "busy_seconds")
TALLIED_BY_TYPE = ("type_in", "type_out", "type_on_time")


def add_up(r: Report, t: Tallies, part: Report, pt: Tallies) -> None:
    """A part of the period (a day, or days running) added to the period's sums; the parts
    waits stay unsorted until the last part is in."""
    for name in SUMMED:
        setattr(r, name, getattr(r, name) + getattr(part, name))
    r.parts_waits += part.parts_waits
    for name in TALLIED + TALLIED_BY_TYPE:
        into: dict[Any, Any] = getattr(t, name)
        for key, value in getattr(pt, name).items():
            into[key] += value


def complete(r: Report, t: Tallies, zone: ZoneInfo, bays: list[str], day_hours: float) -> Report:
    """Technicians, bays and days laid out, hours rounded as the pages show them."""
    r.technicians = [
        TechFigures(x, round(t.std.get(x, 0.0), 2), round(t.worked[x], 2)) for x in sorted(t.worked)
    ]
    days = max(1, round((r.end - r.start).total_seconds() / 86400))
    r.bays = [
        BayFigures(b, round(t.busy_seconds.get(b, 0.0) / 3600, 2), days * day_hours) for b in bays
    ]
    day = r.start.astimezone(zone).date()
    while datetime.combine(day, time(0), zone) < r.end:
        r.per_day.append((day, t.in_by_day.get(day, 0), t.out_by_day.get(day, 0)))
        day += timedelta(days=1)
    r.job_types = [
        JobTypeFigures(k, t.type_in.get(k, 0), t.type_out.get(k, 0), t.type_on_time.get(k, 0))
        for k in JobType
    ]
    return r


def build_report(
    jobs: list[Job],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
    bays: list[str],
    day_hours: float,
) -> Report:
    """Figures for [start, end); ``day_hours`` is how long a bay is open on a working day."""
    r = Report(start, end)
    t = Tallies()
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for job in jobs:
        if job.status is JobStatus.CANCELLED:
            continue
        _count_milestones(r, t, job, zone)
        _count_findings(r, job)
        _count_work(t, busy, job, r, now)
        _count_parts(r, job)
    for bay, spans in busy.items():
        t.busy_seconds[bay] = _union_seconds(spans)
    r.parts_waits.sort()
    return complete(r, t, zone, bays, day_hours)


def _count_milestones(r: Report, t: Tallies, job: Job, zone: ZoneInfo) -> None:
    start, end, kind = r.start, r.end, job.job_type.value
    if _within(job.checked_in_at, start, end):
        r.jobs_in += 1
        t.type_in[kind] += 1
        t.in_by_day[job.checked_in_at.astimezone(zone).date()] += 1
        if job.dispatched_at:
            r.waited += 1
            r.wait_hours_total += (job.dispatched_at - job.checked_in_at).total_seconds() / 3600
    if _within(job.delivered_at, start, end) and job.delivered_at is not None:
        r.delivered += 1
        t.out_by_day[job.delivered_at.astimezone(zone).date()] += 1
        ready = job.ready_at or job.delivered_at
        r.delivered_on_time += ready <= job.promised_at
        t.type_out[kind] += 1
        t.type_on_time[kind] += ready <= job.promised_at
        r.cycle_hours_total += (ready - job.checked_in_at).total_seconds() / 3600
    passed = _qc_passed_at(job)
    if _within(passed, start, end):
        r.passed_qc += 1
        r.passed_first_time += job.rework_count == 0


def _qc_passed_at(job: Job) -> datetime | None:
    return next((c.at for c in job.checks if c.level == "qc" and c.passed), None)


def _count_findings(r: Report, job: Job) -> None:
    for f in job.findings:
        if f.state is FindingState.PENDING or not _within(f.answered_at, r.start, r.end):
            continue
        r.findings_answered += 1
        if f.state is FindingState.APPROVED:
            r.findings_approved += 1
            r.approved_parts += f.parts_estimate
            r.approved_hours += f.labor_hours


def _count_parts(r: Report, job: Job) -> None:
    """The parts requests whose parts were there for the bay in the period."""
    for req in job.parts_requests:
        if req.served_at is not None and _within(req.served_at, r.start, r.end):
            r.parts_waits.append(parts_wait_seconds(req.requested_at, req.served_at))


def _count_work(
    t: Tallies,
    busy: dict[str, list[tuple[datetime, datetime]]],
    job: Job,
    r: Report,
    now: datetime,
) -> None:
    """Technicians earn a finished job's standard hours in the share of the work they did;
    a bay is busy while anyone works on the job it has."""
    start, end = r.start, r.end
    work = [s for s in job.segments if s.kind == "work"]
    total = sum(((s.end or now) - s.start).total_seconds() for s in work)
    finished = _within(_qc_passed_at(job), start, end)
    for s in work:
        seconds = _overlap(s.start, s.end or now, start, end)
        earned = 0.0
        if finished and total:
            earned = job.standard_hours * ((s.end or now) - s.start).total_seconds() / total
        # Listed for time worked or hours earned in the period, never for a job's other days:
        # a period's technicians are then its days' (core/store/report_days.py).
        if seconds or earned:
            t.worked[s.tech] += seconds / 3600
            t.std[s.tech] += earned
        if job.bay and seconds:
            busy[job.bay].append((max(s.start, start), min(s.end or now, end)))


def report_csv_rows(r: Report) -> list[list[str]]:
    """The report as rows for a spreadsheet: figures first, then technicians and bays."""

    def pct(x: float | None) -> str:
        return "" if x is None else f"{x * 100:.1f}"

    def num(x: float | None) -> str:
        return "" if x is None else f"{x:.2f}"

    rows = [
        ["figure", "value"],
        ["period_start", r.start.isoformat()],
        ["period_end", r.end.isoformat()],
        ["jobs_in", str(r.jobs_in)],
        ["delivered", str(r.delivered)],
        ["on_time_delivery_pct", pct(r.on_time_rate)],
        ["average_cycle_hours", num(r.average_cycle_hours)],
        ["average_wait_for_dispatch_hours", num(r.average_wait_hours)],
        ["first_time_fix_pct", pct(r.first_time_fix_rate)],
        ["findings_answered", str(r.findings_answered)],
        ["findings_approved", str(r.findings_approved)],
        ["findings_approval_pct", pct(r.approval_rate)],
        ["approved_findings_parts", f"{r.approved_parts:.2f}"],
        ["approved_findings_hours", f"{r.approved_hours:.2f}"],
        ["parts_requests_served", str(len(r.parts_waits))],
        ["parts_wait_p50_minutes", num(r.parts_wait_p50_minutes)],
        ["parts_wait_p90_minutes", num(r.parts_wait_p90_minutes)],
        [],
        ["technician", "standard_hours", "worked_hours", "efficiency_pct"],
    ]
    rows += [
        [t.tech, f"{t.standard_hours:.2f}", f"{t.worked_hours:.2f}", pct(t.efficiency)]
        for t in r.technicians
    ]
    rows += [[], ["bay", "busy_hours", "open_hours", "utilisation_pct"]]
    rows += [
        [b.bay, f"{b.busy_hours:.2f}", f"{b.open_hours:.2f}", pct(b.utilisation)] for b in r.bays
    ]
    rows += [[], ["day", "jobs_in", "delivered"]]
    rows += [[d.isoformat(), str(i), str(o)] for d, i, o in r.per_day]
    rows += [[], ["job_type", "jobs_in", "delivered", "on_time_delivery_pct"]]
    rows += [
        [k.job_type.value, str(k.jobs_in), str(k.delivered), pct(k.on_time_rate)]
        for k in r.job_types
    ]
    return rows
