"""Predicted completion: remaining standard hours, the bay's queue ahead, QC and wash."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from .model import Job, JobStatus
from .workshop import Workshop

LEADER_CHECK = timedelta(minutes=10)
FINAL_QC = timedelta(minutes=15)
WASH = timedelta(minutes=20)


def _remaining_work(job: Job, now: datetime) -> timedelta:
    left = job.standard_hours * 3600 - job.worked_seconds(now)
    return timedelta(seconds=max(0.0, left))


def _after_bay(job: Job) -> timedelta:
    return LEADER_CHECK + FINAL_QC + (WASH if job.wash_requested else timedelta())


def predict(
    ws: Workshop, now: datetime, bays: Collection[str] | None = None
) -> dict[str, datetime]:
    """The predicted ready time of every open job; with ``bays``, of those a screen of
    these bays shows (their queues, and the cars past the bays: QC, wash, ready), as the
    whole prediction has them."""
    out: dict[str, datetime] = {}
    queues = ws.bay_queues() if bays is None else {b: ws.bay_queue(b) for b in bays}
    for queue in queues.values():
        cursor = now
        for job in queue:
            cursor = cursor + _remaining_work(job, now)
            out[job.ro] = cursor + _after_bay(job)
    for job in ws.open_jobs():
        if job.ro in out:
            continue
        match job.status:
            case JobStatus.CHECKED_IN:
                out[job.ro] = now + _remaining_work(job, now) + _after_bay(job)
            case JobStatus.SELF_CHECKED:
                out[job.ro] = now + _after_bay(job)
            case JobStatus.LEADER_CHECKED:
                out[job.ro] = now + _after_bay(job) - LEADER_CHECK
            case JobStatus.WASH_WAITING:
                out[job.ro] = now + WASH
            case JobStatus.WASHING:
                out[job.ro] = max(now, (job.wash_started_at or now) + WASH)
            case JobStatus.READY:
                out[job.ro] = job.ready_at or now
            case _:
                pass
    return out


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
