"""The plan (排班): when each dispatched job is to be worked on its bay. A bay works its
queue in order, the job on the lift first, each for its remaining standard hours, inside
working hours and around the time reserved for booked cars; a job the foreman pinned to a
time is planned from then, and the rest of the queue around it. Planned again from scratch
after any change (a move, an overrun, a rework), so it always says what is true now."""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .model import Job, JobStatus
from .reservations import Reservation, workshop_reservations
from .steps import whole
from .working_hours import EPOCH, MICROSECOND, WorkingHours
from .workshop_state import WorkshopState

#: Work a job back from final inspection is planned for, less what was done on it since.
REWORK = timedelta(minutes=30)


@dataclass(slots=True)  # not frozen: made for every queued job on every plan
class QueuedWork:
    """A job in a bay's queue as the plan sees it."""

    ro: str
    remaining: timedelta
    running: bool = False  # a clock runs on it: it is on the lift, whatever the order
    #: The foreman's pin: planned from then, not sooner; no longer held once the time has
    #: come or a clock runs on the job.
    not_before: datetime | None = None

    def pinned(self, now: datetime) -> bool:
        return not self.running and self.not_before is not None and self.not_before > now


@dataclass(frozen=True)
class Block:
    """A stretch of a bay's time: a job's planned work, or a booked car's reserved time."""

    bay: str | None
    start: datetime
    end: datetime
    ro: str | None = None
    appointment: str | None = None
    #: The time the job was pinned to, when the plan held it there.
    pinned: datetime | None = None


@dataclass
class Plan:
    now: datetime
    jobs: dict[str, Block] = field(default_factory=dict)
    #: Booked cars' time as planned: where a running job overran into it, later than booked.
    reserved: dict[str, Block] = field(default_factory=dict)
    #: When each bay's queue is done: a car added to it starts from here.
    free_from: dict[str, datetime] = field(default_factory=dict)

    def reserved_on(self, bay: str) -> list[Block]:
        return sorted((b for b in self.reserved.values() if b.bay == bay), key=lambda b: b.start)

    def on_bay(self, bay: str) -> list[Block]:
        """The bay's blocks in time order: its jobs and the booked cars' time."""
        jobs = [b for b in self.jobs.values() if b.bay == bay]
        return sorted(jobs + self.reserved_on(bay), key=lambda b: (b.start, b.end))


def fit(
    cursor: datetime, work: timedelta, blocks: Sequence[Block], hours: WorkingHours
) -> tuple[datetime, datetime]:
    """The first stretch of ``work`` in working time from ``cursor`` on that runs into none
    of the ``blocks`` (in time order): work is not split around a reserved car."""
    taken = [(_us(b.start), _us(b.end), "") for b in blocks]
    start, end = _fit_us(_us(cursor), work // MICROSECOND, taken, hours)
    return _at(start), _at(end)


def plan_bays(
    queues: Mapping[str, Sequence[QueuedWork]],
    reservations: Iterable[Reservation],
    now: datetime,
    hours: WorkingHours,
) -> Plan:
    """Every queued job's planned start and end, bay by bay; the reservations as planned
    (a reservation held on a team, with no bay, is shown as it was booked)."""
    return whole(_planning(queues.keys(), queues.__getitem__, reservations, now, hours, None))


def _planning(
    bays: Iterable[str],
    queue_of: Callable[[str], Sequence[QueuedWork]],
    reservations: Iterable[Reservation],
    now: datetime,
    hours: WorkingHours,
    per_step: int | None,
) -> Generator[None, None, Plan]:
    """The plan of ``bays`` (those with work queued) and of the reservations' bays, a step
    after every ``per_step`` jobs planned (None: at once)."""
    by_bay: dict[str | None, list[Reservation]] = {}
    for r in reservations:
        by_bay.setdefault(r.bay, []).append(r)
    plan = Plan(now=now)
    for r in by_bay.pop(None, []):
        plan.reserved[r.appointment] = Block(None, r.start, r.end, appointment=r.appointment)
    queued = set(bays)
    made = 0
    # In the bays' order: where the steps fall must not follow the process's string hashes.
    for bay in sorted(queued | {b for b in by_bay if b is not None}):
        queue = queue_of(bay) if bay in queued else ()
        _plan_bay(plan, bay, queue, by_bay.get(bay, []), hours)
        made += len(queue) + 1
        if per_step is not None and made >= per_step:
            made = 0
            yield
    return plan


def _plan_bay(
    plan: Plan,
    bay: str,
    queue: Sequence[QueuedWork],
    reserved: list[Reservation],
    hours: WorkingHours,
) -> None:
    # In whole microseconds since the epoch (see WorkingHours.add_us); Blocks in datetimes.
    cursor = hours.add_us(_us(plan.now), 0)
    for work in [w for w in queue if w.running]:  # on the lift now: nothing moves it
        end = hours.add_us(cursor, work.remaining // MICROSECOND)
        plan.jobs[work.ro] = Block(bay, _at(cursor), _at(end), ro=work.ro)
        cursor = end
    taken = _reserved_from(reserved, cursor, hours)
    plan.reserved.update(
        (appointment, Block(bay, _at(start), _at(end), appointment=appointment))
        for start, end, appointment in taken
    )
    waiting = [w for w in queue if not w.running]
    # The pinned jobs first, each from its time (or after the booked cars' time and an
    # earlier pin it would run into); the rest of the queue, in order, fits around them.
    last = cursor
    pins = [(w.not_before, w) for w in waiting if w.not_before is not None and w.pinned(plan.now)]
    for pin, work in sorted(pins, key=lambda p: p[0]):
        start, end = _fit_us(max(cursor, _us(pin)), work.remaining // MICROSECOND, taken, hours)
        plan.jobs[work.ro] = Block(bay, _at(start), _at(end), ro=work.ro, pinned=pin)
        insort(taken, (start, end, ""))
        last = max(last, end)
    for work in [w for w in waiting if not w.pinned(plan.now)]:
        start, cursor = _fit_us(cursor, work.remaining // MICROSECOND, taken, hours)
        plan.jobs[work.ro] = Block(bay, _at(start), _at(cursor), ro=work.ro)
    plan.free_from[bay] = _at(max(cursor, last))


def _fit_us(
    cursor: int, work: int, taken: Sequence[tuple[int, int, str]], hours: WorkingHours
) -> tuple[int, int]:
    """``fit`` in microseconds, the stretches taken as (start, end, name) in time order."""
    start = hours.add_us(cursor, 0)
    for taken_start, taken_end, _ in taken:
        if taken_end <= start:
            continue
        end = hours.add_us(start, work)
        if end <= taken_start:
            return start, end
        start = hours.add_us(max(start, taken_end), 0)
    return start, hours.add_us(start, work)


def _reserved_from(
    reserved: list[Reservation], cursor: int, hours: WorkingHours
) -> list[tuple[int, int, str]]:
    """The bay's reserved time in time order as (start, end, appointment), none before
    ``cursor`` (the work on the lift runs on) and none over another (one pushed back pushes
    the next)."""
    out: list[tuple[int, int, str]] = []
    for r in sorted(reserved, key=lambda r: r.start):
        start = hours.add_us(max(_us(r.start), cursor), 0)
        cursor = hours.add_us(start, r.work // MICROSECOND)
        out.append((start, cursor, r.appointment))
    return out


def _us(at: datetime) -> int:
    return (at - EPOCH) // MICROSECOND


def _at(us: int) -> datetime:
    return EPOCH + us * MICROSECOND


# ------------------------------------------------------------------ from the workshop
def remaining_work(job: Job, now: datetime, rework: timedelta = REWORK) -> timedelta:
    """The job's standard hours less the work clocked; back from final inspection, the
    rework's allowance less the work clocked since it failed."""
    failed = [c.at for c in job.checks if c.level == "qc" and not c.passed] if job.checks else []
    if failed:
        since = failed[-1]
        done = sum(
            ((s.end or now) - max(s.start, since)).total_seconds()
            for s in job.segments
            if s.kind == "work" and (s.end or now) > since
        )
        return max(timedelta(), rework - timedelta(seconds=done))
    left = job.standard_hours * 3600 - job.worked_seconds(now)
    return timedelta(seconds=max(0.0, left))


def queued_work(
    ws: WorkshopState, now: datetime, rework: timedelta = REWORK
) -> dict[str, list[QueuedWork]]:
    """Every bay's queue in its order, with each job's remaining work."""
    return {bay: _queued(queue, now, rework) for bay, queue in ws.bay_queues().items()}


def _queued(queue: list[Job], now: datetime, rework: timedelta) -> list[QueuedWork]:
    return [
        QueuedWork(
            j.ro, remaining_work(j, now, rework), j.status is JobStatus.IN_PROGRESS, j.pinned_start
        )
        for j in queue
    ]


def plan_workshop(ws: WorkshopState, now: datetime, rework: timedelta = REWORK) -> Plan:
    """The workshop's plan as it stands at ``now``: its queues and its booked cars."""
    return plan_bays(queued_work(ws, now, rework), workshop_reservations(ws), now, ws.hours)


def plan_in_steps(
    ws: WorkshopState, now: datetime, per_step: int, rework: timedelta = REWORK
) -> Generator[None, None, Plan]:
    """``plan_workshop``, a step after every ``per_step`` jobs planned (the core takes a
    waiting tap in between); a workshop changed before the last makes a plan of two moments,
    which the board's caller follows with another."""
    queues = ws.bay_queues()
    return (
        yield from _planning(
            queues.keys(),
            lambda bay: _queued(queues[bay], now, rework),
            workshop_reservations(ws),
            now,
            ws.hours,
            per_step,
        )
    )
