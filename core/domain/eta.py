"""Predicted completion: remaining standard hours, the bay's queue ahead, QC and wash."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import Job, JobStatus
from .vocabulary import STATION_STATUSES
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


def queue_forecast(queue: list[Job], now: datetime) -> dict[str, Forecast]:
    """One bay's queue, worked in order: each car ready after the work left of those ahead
    and its own, and its checks. Every running clock ahead takes the work left down as
    fast as time passes it (two technicians, twice as fast) until its standard hours are
    reached. A car the foreman set to start at a time still to come is worked from then
    (after an earlier such car it would run into), as the plan has it, and the bay works
    the others meanwhile; once the first of those times comes, the queue is forecast anew."""
    held = sorted((j for j in queue if _held(j, now)), key=_pin)
    out: dict[str, Forecast] = {}
    cursor = now
    drift = 1
    until: datetime | None = _pin(held[0]) if held else None
    for job in queue:
        if held and _held(job, now):
            continue
        left = _remaining_work(job, now)
        clocks = len(job.working_techs()) if left else 0
        if clocks:
            drift -= clocks
            ends = now + left / clocks
            until = ends if until is None else min(until, ends)
        cursor = cursor + left
        out[job.ro] = Forecast(cursor + _after_bay(job), drift, until)
    free_from = now
    for job in held:  # from a fixed time: it does not move while nothing happens
        free_from = max(free_from, _pin(job)) + _remaining_work(job, now)
        out[job.ro] = Forecast(free_from + _after_bay(job), 0, until)
    return out


def _held(job: Job, now: datetime) -> bool:
    """Held to the time the foreman set, until that time (inclusive) or a clock runs on it."""
    start = job.pinned_start
    return start is not None and start >= now and job.status is not JobStatus.IN_PROGRESS


def _pin(job: Job) -> datetime:
    assert job.pinned_start is not None
    return job.pinned_start


def car_forecast(job: Job, now: datetime) -> Forecast | None:
    """A car in no bay's queue (checked in, at the checks, at the wash, ready)."""
    match job.status:
        case JobStatus.CHECKED_IN:
            return Forecast(now + _remaining_work(job, now) + _after_bay(job), 1, None)
        case JobStatus.SELF_CHECKED:
            return Forecast(now + _after_bay(job), 1, None)
        case JobStatus.LEADER_CHECKED:
            return Forecast(now + _after_bay(job) - LEADER_CHECK, 1, None)
        case JobStatus.WASH_WAITING:
            return Forecast(now + WASH, 1, None)
        case JobStatus.WASHING:
            ends = (job.wash_started_at or now) + WASH
            return Forecast(ends, 0, ends) if ends > now else Forecast(now, 1, None)
        case JobStatus.READY:
            return Forecast(job.ready_at or now, 0, None)
        case _:
            return None


#: Each bay's queue forecast, by bay: made once for a workshop at one moment, read by every
#: view of that moment.
QueueForecasts = dict[str, dict[str, Forecast]]


def queue_forecasts(ws: Workshop, now: datetime, bays: Collection[str]) -> QueueForecasts:
    return {b: queue_forecast(ws.bay_queue(b), now) for b in bays}


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
            ready = queue_forecast(ws.bay_queue(bay) if queues is None else queues[bay], now)
        out.update(ready)
    if bays is None or any(ws.bay(b).kind in STATION_STATUSES for b in bays):
        past = ws.jobs_in(PAST_QUEUES)
    else:  # a bay's screen shows its cars finished there, waiting for the leader check
        past = ws.awaiting_leader_check(bays)
    for job in past:
        made = car_forecast(job, now)
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
