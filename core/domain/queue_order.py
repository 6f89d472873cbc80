"""The foreman's order of a bay's queue: a job put before another, and a job marked urgent
(加急), which goes ahead of the normal ones in whatever bay's queue it stands. The plan and
the bay's kiosk work the queue in this order (the job on the lift always first)."""

from __future__ import annotations

from datetime import datetime

from . import events as ev
from .errors import IllegalTransition, PriorityOrder, WrongBay
from .model import BAY_STATUSES, Job, JobStatus, Priority
from .workshop_state import WorkshopState

#: Jobs the foreman may move in their queue: not the one on the lift (it is worked first).
_REORDERABLE = frozenset({JobStatus.DISPATCHED, JobStatus.PAUSED})
#: Jobs whose priority may be set: waiting for dispatch, or in a bay's queue.
_PRIORITISED = BAY_STATUSES | {JobStatus.CHECKED_IN}


class QueueOrder(WorkshopState):
    def put_before(self, ro: str, ahead_of: str | None, at: datetime) -> Job:
        """Put a queued job just before ``ahead_of`` in its bay's queue, or with None last
        of the jobs of its priority. The jobs of its priority keep the places they had
        between them; an urgent job is never put behind a normal one, nor the reverse."""
        job = self.job(ro)
        self._require_status(job, _REORDERABLE, "reorder")
        bay = job.bay or ""
        group = [j for j in self.bay_queue(bay) if j.priority is job.priority]
        others = [j for j in group if j is not job]
        others.insert(self._place_before(job, ahead_of, others), job)
        places = sorted(j.dispatch_order for j in group)
        shifted = [j for j, place in zip(others, places, strict=True) if j.dispatch_order != place]
        if not shifted:
            return job  # already there: nothing happened
        for j, place in zip(others, places, strict=True):
            j.dispatch_order = place
        moved = tuple(j.ro for j in shifted if j is not job)
        self._record(ev.QueueReordered(ro=ro, bay=bay, ahead_of=ahead_of, shifted=moved, at=at))
        return job

    def _place_before(self, job: Job, ahead_of: str | None, others: list[Job]) -> int:
        """Where in ``others`` (the rest of its priority, in order) the job goes."""
        if ahead_of is None:
            return len(others)
        if ahead_of == job.ro:
            raise IllegalTransition(f"{job.ro} cannot be put before itself")
        target = self.job(ahead_of)
        if target.bay != job.bay or target.status not in BAY_STATUSES:
            raise WrongBay(f"{ahead_of} is not in the queue of bay {job.bay}")
        if target.priority is not job.priority:
            raise PriorityOrder(
                f"{job.ro} is {job.priority.value}, {ahead_of} is {target.priority.value}:"
                " urgent jobs stay ahead of normal ones"
            )
        return others.index(target)

    def set_priority(self, ro: str, priority: Priority, at: datetime) -> Job:
        """Mark a job urgent (加急), or normal again; among the jobs of that priority in its
        bay's queue it keeps the place it holds in the queue's order."""
        job = self.job(ro)
        self._require_status(job, _PRIORITISED, "set the priority of")
        if job.priority is priority:
            return job
        job.priority = priority
        bay = job.bay if job.status in BAY_STATUSES else None
        self._record(ev.PriorityChanged(ro=ro, bay=bay, priority=priority, at=at))
        return job
