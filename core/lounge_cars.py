"""The lounge's cars, kept between batches and made again only in part: the cars a step
changed, the cars queued behind them, and the cars whose shown minute or progress the clock
has moved since. A tap costs the same with twenty cars in the building or two thousand."""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from core.contract.views import LoungeCar
from core.display.rules import STAGES, promise_at_risk
from core.domain.eta import Forecast, QueueForecasts, car_forecast, queue_forecast
from core.domain.model import Job, JobStatus
from core.domain.privacy import mask_plate
from core.domain.vocabulary import BAY_STATUSES, OPEN_STATUSES
from core.domain.workshop import Workshop

#: A car is made again this long before the clock could change what it shows: a float's
#: rounding must never let a minute turn unseen; made early, it is simply the same car.
EARLY = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)

Key = tuple[datetime | None, int]


def to_minute(ts: datetime | None) -> datetime | None:
    """Predictions to the minute: all a person reads, and they stay put between taps, so
    the cards and cars built from them can be reused."""
    return None if ts is None else ts.replace(second=0, microsecond=0)


def progress(job: Job, now: datetime) -> int:
    """The lounge's progress bar, in percent: by stage, and by the clocked share of the
    standard hours while the car is worked on."""
    shown = STAGES[job.status][1]
    if job.status in (JobStatus.IN_PROGRESS, JobStatus.PAUSED) and job.standard_hours:
        done = min(1.0, job.worked_seconds(now) / (job.standard_hours * 3600))
        shown = 20 + int(50 * done)
    return shown


def build_car(job: Job, predicted: datetime | None, shown: int) -> LoungeCar:
    stage = STAGES[job.status][0]
    notice: Literal["ready", "at_risk"] | None = None
    if job.status is JobStatus.READY:
        notice = "ready"
    elif promise_at_risk(job.status, job.promised_at, predicted):
        notice = "at_risk"
    return LoungeCar(
        plate=mask_plate(job.vehicle.plate),
        model=job.vehicle.model,
        colour=job.vehicle.colour,
        stage=stage,
        progress=shown,
        promised_at=job.promised_at,
        predicted_at=predicted,
        notice=notice,
    )


def _minute_turns(made: Forecast, now: datetime) -> datetime | None:
    """When the clock alone next changes the minute of this prediction."""
    if made.drift == 0:
        return None
    shown = made.at.replace(second=0, microsecond=0)
    if made.drift > 0:  # later by a second every second: the next minute
        return now + (shown + MINUTE - made.at)
    return now + (made.at - shown) / -made.drift  # earlier: this minute's start


def _progress_turns(job: Job, now: datetime) -> datetime | None:
    """When the clock alone next moves the progress bar (a running clock's next step)."""
    if job.status is not JobStatus.IN_PROGRESS or not job.standard_hours:
        return None
    clocks = len(job.working_techs())
    whole = job.standard_hours * 3600
    worked = job.worked_seconds(now)
    if not clocks or worked >= whole:
        return None
    step = (int(50 * worked / whole) + 1) * whole / 50
    return now + timedelta(seconds=(step - worked) / clocks)


def _due(job: Job, made: Forecast | None, now: datetime) -> datetime | None:
    """When this car must be made again though nothing happened to it (None: never)."""
    turns = [made.until, _minute_turns(made, now)] if made is not None else []
    turns.append(_progress_turns(job, now))
    first = min((t for t in turns if t is not None), default=None)
    return None if first is None else first - EARLY


class LoungeCars:
    """The cars of ``view/lounge`` in the order the lounge lists them (promised first)."""

    def __init__(self) -> None:
        self._clear()
        self._whole = True

    def _clear(self) -> None:
        self._cars: dict[str, tuple[Key, LoungeCar]] = {}
        self._order: list[tuple[datetime, str]] = []  # (promised, RO), sorted
        self._placed: dict[str, tuple[datetime, str]] = {}
        self._queue_of: dict[str, str] = {}  # RO → the bay whose queue it waits in
        self._due: list[tuple[datetime, str]] = []  # a heap; stale entries are skipped
        self._due_of: dict[str, datetime] = {}

    def forget_all(self) -> None:
        """Everything made again next time (a broker that may have lost the lounge)."""
        self._whole = True

    def update(
        self,
        ws: Workshop,
        now: datetime,
        changed: Iterable[str],
        made: QueueForecasts | None = None,
    ) -> bool:
        """The cars after a step that changed the jobs ``changed``; True when what the
        lounge shows changed. ``made``: bays' queues already forecast at ``now``."""
        if self._whole:
            self._clear()
            self._whole = False
            everything = {j.ro for j in ws.open_jobs()}
            self._remake(ws, now, everything, everything, made or {})
            return True
        ros = set(changed)
        moved = set()
        while self._due and self._due[0][0] <= now:
            due, ro = heapq.heappop(self._due)
            if self._due_of.get(ro) == due:
                del self._due_of[ro]
                moved.add(ro)
        return self._remake(ws, now, ros | moved, ros, made or {})

    def next_due(self) -> datetime | None:
        """When the clock alone first changes a car on the list (its prediction's minute,
        a closing it would pass, its progress bar), less ``EARLY``; None: only a step does."""
        while self._due and self._due_of.get(self._due[0][1]) != self._due[0][0]:
            heapq.heappop(self._due)  # one made again since, or gone
        return self._due[0][0] if self._due else None

    def cars(self) -> list[LoungeCar]:
        return [self._cars[ro][1] for _, ro in self._order]

    def _remake(
        self, ws: Workshop, now: datetime, ros: set[str], changed: set[str], known: QueueForecasts
    ) -> bool:
        """These cars, and every car queued in a bay with one of them (before or after the
        step), made again with fresh forecasts; those of the jobs ``changed`` built anew,
        the others only when what they show moved."""
        bays = {self._queue_of[ro] for ro in ros if ro in self._queue_of}
        singles: list[Job] = []
        for ro in ros:
            job = ws.jobs.get(ro)
            if job is None or job.status not in OPEN_STATUSES:
                continue
            if job.status in BAY_STATUSES and job.bay is not None:
                bays.add(job.bay)
            else:
                singles.append(job)
        made: dict[str, tuple[Job, Forecast | None]] = {}
        for bay in bays:
            queue = ws.bay_queue(bay)
            forecasts = known.get(bay)
            if forecasts is None:
                forecasts = queue_forecast(queue, now, ws.hours)
            for job in queue:
                made[job.ro] = (job, forecasts[job.ro])
                self._queue_of[job.ro] = bay
        for job in singles:
            made[job.ro] = (job, car_forecast(job, now, ws.hours))
            self._queue_of.pop(job.ro, None)
        shown = False
        for ro in ros - made.keys():
            shown |= self._drop(ro)
        for ro, (job, fc) in made.items():
            shown |= self._put(job, fc, now, ro in changed)
        return shown

    def _put(self, job: Job, made: Forecast | None, now: datetime, touched: bool) -> bool:
        key: Key = (to_minute(None if made is None else made.at), progress(job, now))
        due = _due(job, made, now)
        if due is None:
            self._due_of.pop(job.ro, None)
        elif self._due_of.get(job.ro) != due:  # one entry per time: the heap stays small
            self._due_of[job.ro] = due
            heapq.heappush(self._due, (due, job.ro))
        place = (job.promised_at, job.ro)
        old = self._cars.get(job.ro)
        if old is not None and old[0] == key and self._placed[job.ro] == place:
            if not touched:
                return False  # the same job, the same minute and progress: the same car
            car = build_car(job, *key)  # the job changed: what else the car shows may too
            if car == old[1]:
                return False
            self._cars[job.ro] = (key, car)
            return True
        self._unplace(job.ro)
        self._cars[job.ro] = (key, build_car(job, *key))
        self._placed[job.ro] = place
        insort(self._order, place)
        return True

    def _drop(self, ro: str) -> bool:
        self._queue_of.pop(ro, None)
        self._due_of.pop(ro, None)
        gone = self._cars.pop(ro, None) is not None
        self._unplace(ro)
        return gone

    def _unplace(self, ro: str) -> None:
        place = self._placed.pop(ro, None)
        if place is not None:
            del self._order[bisect_left(self._order, place)]
