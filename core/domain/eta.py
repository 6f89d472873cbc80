"""Predicted completion: remaining standard hours, the bay's queue ahead, QC and wash, in
the workshop's working time (work left at closing goes on at the next opening)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Job, JobStatus
from .vocabulary import STATION_STATUSES
from .working_hours import WorkingHours
from .workshop import Workshop

LEADER_CHECK = timedelta(minutes=10)
FINAL_QC = timedelta(minutes=15)
WASH = timedelta(minutes=20)


def _remaining_work(job: Job, now: datetime) -> timedelta:
    left = job.standard_hours * 3600 - job.worked_seconds(now)
    return timedelta(seconds=max(0.0, left))


def _after_bay(job: Job) -> timedelta:
    return LEADER_CHECK + FINAL_QC + (WASH if job.wash_requested else timedelta())


#: The statuses whose cars are predicted one by one (they wait in no bay's queue).
PAST_QUEUES = frozenset(
    {
        JobStatus.CHECKED_IN,
        JobStatus.SELF_CHECKED,
        JobStatus.LEADER_CHECKED,
        JobStatus.WASH_WAITING,
        JobStatus.WASHING,
        JobStatus.READY,
    }
)


@dataclass(frozen=True, slots=True)
class Forecast:
    """A predicted ready time and how it moves while nothing happens: ``drift`` seconds
    per second of the clock (1 for a car that waits, 0 behind a clock that runs), until
    ``until`` at the latest (a running clock reaches the standard hours, a wash its end),
    after which it must be made again. None: it moves so for good."""

    at: datetime
    drift: int
    until: datetime | None


def queue_forecast(queue: list[Job], now: datetime, hours: WorkingHours) -> dict[str, Forecast]:
    """One bay's queue as its plan works it: the cars on the lift (a clock running) first,
    then the rest in order, each ready after the work left of those ahead and its own, and
    its checks. Every running clock ahead takes the work left down as fast as time passes
    it (two technicians, twice as fast) until its standard hours are reached. A car the
    foreman set to start at a time still to come is worked from then (or once the lift and
    an earlier such car are free), and the others fit around it: one that does not fit
    before it comes after it. ``until`` is the first moment any of this changes form.

    The queue is worked in the site's working ``hours``: the walk runs on a clock that
    stands still outside them (``_Clock``), and what it comes to is read back on the wall
    clock."""
    clock = _Clock(now, hours)
    held = sorted((j for j in queue if _held(j, now)), key=_pin)
    others = [j for j in queue if not _held(j, now)]
    lift = [j for j in others if j.status is JobStatus.IN_PROGRESS]
    first = min(_pin(held[0]), clock.changes) if held else clock.changes
    made = _Made(now, first, clock.pin_drift)
    for job in lift:
        made.work(job)
    blocks = [made.hold(job, clock.ahead(_pin(job))) for job in held]
    for job in [j for j in others if j.status is not JobStatus.IN_PROGRESS]:
        made.fit(_remaining_work(job, now), blocks)
        made.work(job)
    return {ro: clock.shown(at, drift, made.until) for ro, (at, drift) in made.out.items()}


class _Clock:
    """Working time as the forecast's walk counts it. The walk's moments are ``now`` plus
    the working time from now; while the workshop works they move as the wall clock does,
    outside its hours they move a second later every second (the working time ahead does
    not shrink), and a held car's start with them. What the walk finds is read back on the
    wall clock with the hours: a piece of work left at closing ends after the next opening.
    The walk holds until ``changes``, where the workshop opens or closes."""

    __slots__ = ("changes", "hours", "now", "working")

    def __init__(self, now: datetime, hours: WorkingHours) -> None:
        self.now, self.hours = now, hours
        self.working, self.changes = hours.phase(now)

    @property
    def pin_drift(self) -> int:
        """How a wall-clock moment ahead moves on the walk's clock."""
        return 0 if self.working else 1

    def ahead(self, moment: datetime) -> datetime:
        """A wall-clock moment to come, on the walk's clock."""
        return self.now + self.hours.between(self.now, moment)

    def shown(self, at: datetime, drift: int, until: datetime) -> Forecast:
        """The walk's ready moment on the wall clock, with how it moves there and until
        when: it jumps when it would run out of its working stretch."""
        ready = self.hours.add(self.now, at - self.now)
        drift -= self.pin_drift
        if drift:
            begin, end = self.hours.stretch(ready)
            if drift > 0:  # at closing still, past it after the next opening
                until = min(until, self.now + (end - ready) / drift)
            elif begin > self.hours.next_working(self.now):  # before it: the last closing
                until = min(until, self.now + (ready - begin) / -drift - _JUST)
        return Forecast(ready, drift, until)


_JUST = timedelta(microseconds=1)

#: A stretch of the bay held for a car set to start later: its start and end, and how
#: both move while nothing happens (seconds a second).
_Block = tuple[datetime, datetime, int]


class _Made:
    """The walk along one bay's queue: where the bay is free from (``cursor``) and how that
    moves (``drift``), the forecasts made, and when the first of them changes form."""

    def __init__(self, now: datetime, until: datetime, pin_drift: int) -> None:
        self.now, self.until = now, until
        self.cursor, self.drift = now, 1
        #: How a held car's start moves (on the walk's clock: ``_Clock.pin_drift``).
        self.pin_drift = pin_drift
        self.out: dict[str, tuple[datetime, int]] = {}
        #: Where the car held before the next ends, and how that moves.
        self.previous: tuple[datetime, int] | None = None

    def soon(self, gap: timedelta, closing: int, before: bool = False) -> None:
        """Two moments ``gap`` apart that come together at ``closing`` seconds a second:
        the forecast holds until they meet (``before``: only until just before, where it
        changes at the very moment they meet)."""
        if closing > 0 and gap >= timedelta():
            meet = self.now + gap / closing - (_JUST if before else timedelta())
            self.until = min(self.until, meet)

    def meets(self, a: datetime, a_drift: int, b: datetime, b_drift: int) -> None:
        """Two moving moments: the forecast holds until one overtakes the other."""
        self.soon(a - b, b_drift - a_drift)
        self.soon(b - a, a_drift - b_drift)

    def work(self, job: Job) -> None:
        left = _remaining_work(job, self.now)
        clocks = len(job.working_techs()) if left else 0
        if clocks:
            self.drift -= clocks
            self.soon(left / clocks, 1)  # its standard hours reached
        self.cursor += left
        self.out[job.ro] = (self.cursor + _after_bay(job), self.drift)

    def hold(self, job: Job, pin: datetime) -> _Block:
        """A held car from its time (``pin``, on the walk's clock), or once the lift or the
        one held before it is free."""
        start, drift = pin, self.pin_drift
        self.meets(self.cursor, self.drift, pin, drift)  # the lift's end and the pin
        if self.cursor > start:
            start, drift = self.cursor, self.drift
        previous = self.previous
        if previous is not None:
            self.meets(*previous, pin, self.pin_drift)
            self.meets(*previous, self.cursor, self.drift)
            if previous[0] > start:
                start, drift = previous
        end = start + _remaining_work(job, self.now)
        self.previous = (end, drift)
        self.out[job.ro] = (end + _after_bay(job), drift)
        return start, end, drift

    def fit(self, left: timedelta, blocks: list[_Block]) -> None:
        """Move the cursor past every held stretch the next ``left`` of work would run into."""
        for start, end, drift in blocks:
            if self.cursor >= end:
                self.soon(self.cursor - end, drift - self.drift)  # it catches up again
                continue
            if self.cursor + left <= start:
                self.soon(start - self.cursor - left, self.drift - drift)  # room closes
                return
            self.soon(self.cursor + left - start, drift - self.drift, True)  # room opens
            self.soon(end - self.cursor, self.drift - drift)  # the cursor passes its end
            self.cursor, self.drift = end, drift


def _held(job: Job, now: datetime) -> bool:
    """Held to the time the foreman set, until that time (inclusive) or a clock runs on it."""
    start = job.pinned_start
    return start is not None and start >= now and job.status is not JobStatus.IN_PROGRESS


def _pin(job: Job) -> datetime:
    assert job.pinned_start is not None
    return job.pinned_start


def car_forecast(job: Job, now: datetime, hours: WorkingHours) -> Forecast | None:
    """A car in no bay's queue (checked in, at the checks, at the wash, ready): its work and
    checks in the site's working ``hours``; a wash begun ends when it ends."""
    match job.status:
        case JobStatus.CHECKED_IN:
            left = _remaining_work(job, now) + _after_bay(job)
        case JobStatus.SELF_CHECKED:
            left = _after_bay(job)
        case JobStatus.LEADER_CHECKED:
            left = _after_bay(job) - LEADER_CHECK
        case JobStatus.WASH_WAITING:
            left = WASH
        case JobStatus.WASHING:
            ends = (job.wash_started_at or now) + WASH
            return Forecast(ends, 0, ends) if ends > now else Forecast(now, 1, None)
        case JobStatus.READY:
            return Forecast(job.ready_at or now, 0, None)
        case _:
            return None
    clock = _Clock(now, hours)
    return clock.shown(now + left, 1, clock.changes)


#: Each bay's queue forecast, by bay: made once for a workshop at one moment, read by every
#: view of that moment.
QueueForecasts = dict[str, dict[str, Forecast]]


def queue_forecasts(ws: Workshop, now: datetime, bays: Collection[str]) -> QueueForecasts:
    return {b: queue_forecast(ws.bay_queue(b), now, ws.hours) for b in bays}


def forecast(
    ws: Workshop,
    now: datetime,
    bays: Collection[str] | None = None,
    known: QueueForecasts | None = None,
) -> dict[str, Forecast]:
    """Every open job's forecast; with ``bays``, those a screen of these bays shows (their
    queues, the cars past the queues when a station is among them, else the bays' own cars
    waiting for the leader check), as the whole workshop's have them. ``known``: queues
    already forecast at this moment."""
    out: dict[str, Forecast] = {}
    queues = ws.bay_queues() if bays is None else None
    for bay in queues if queues is not None else bays or ():
        ready = known.get(bay) if known is not None else None
        if ready is None:  # a queue already forecast at this moment is not sorted again
            queue = ws.bay_queue(bay) if queues is None else queues[bay]
            ready = queue_forecast(queue, now, ws.hours)
        out.update(ready)
    if bays is None or any(ws.bay(b).kind in STATION_STATUSES for b in bays):
        past = ws.jobs_in(PAST_QUEUES)
    else:  # a bay's screen shows its cars finished there, waiting for the leader check
        past = ws.awaiting_leader_check(bays)
    for job in past:
        made = car_forecast(job, now, ws.hours)
        if made is not None:
            out[job.ro] = made
    return out


def predict(
    ws: Workshop,
    now: datetime,
    bays: Collection[str] | None = None,
    known: QueueForecasts | None = None,
) -> dict[str, datetime]:
    """The predicted ready time of every open job; with ``bays``, of those a screen of
    these bays shows, as the whole prediction has them."""
    return {ro: f.at for ro, f in forecast(ws, now, bays, known).items()}


PROMISE_MARGIN = timedelta(minutes=30)
SLOT = timedelta(minutes=15)


def suggest_promise(now: datetime, standard_hours: float, wash: bool) -> datetime:
    """A promise with a margin, on the reception's 15-minute grid: the work, the checks,
    the wash if wanted, half an hour to spare (the car's own work only: the load-aware
    promise, from the plan, is core/domain/promise.py)."""
    ready = now + timedelta(hours=standard_hours) + LEADER_CHECK + FINAL_QC + PROMISE_MARGIN
    if wash:
        ready += WASH
    return on_grid(ready)


def on_grid(ready: datetime) -> datetime:
    """The first time on the reception's 15-minute grid at or after ``ready``."""
    epoch = ready.replace(minute=0, second=0, microsecond=0)
    slots = -(-(ready - epoch) // SLOT)  # rounded up
    return epoch + slots * SLOT
