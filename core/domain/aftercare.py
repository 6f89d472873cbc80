"""After the car has gone: the follow-up call (回访) three days on, retried when nobody
answers, and the complaint case (投诉) a call may open, open until it is resolved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from . import events as ev
from .errors import ComplaintClosed, InvalidData
from .model import (
    CallAttempt,
    Complaint,
    ComplaintAction,
    FollowUp,
    FollowUpOutcome,
    Job,
    JobStatus,
)
from .vocabulary import UNHAPPY, Dissatisfaction
from .workshop_state import WorkshopState

#: The call is made this long after delivery (the manuals' three days).
CALL_AFTER = timedelta(days=3)
#: A complaint has its answer within this long, unless the site says otherwise.
REPLY_WITHIN = timedelta(days=2)


def call_due(job: Job) -> datetime | None:
    return None if job.delivered_at is None else job.delivered_at + CALL_AFTER


def call_overdue(job: Job, now: datetime) -> bool:
    """A call not yet made that should have been."""
    due = call_due(job)
    return job.follow_up is None and due is not None and now > due


def reply_overdue(complaint: Complaint, now: datetime) -> bool:
    return complaint.open and now > complaint.reply_by


def _categories(outcome: FollowUpOutcome, given: Iterable[str]) -> list[str]:
    """What the customer was not happy with: needed for an unhappy call, none otherwise."""
    said = list(dict.fromkeys(c.strip() for c in given if c.strip()))
    unknown = sorted(set(said) - {d.value for d in Dissatisfaction})
    if unknown:
        raise InvalidData(f"not a dissatisfaction category: {', '.join(unknown)}")
    if outcome in UNHAPPY and not said:
        raise InvalidData(f"a {outcome.value} call says what the customer was not happy with")
    if outcome not in UNHAPPY and said:
        raise InvalidData(f"a {outcome.value} call has no dissatisfaction to name")
    return said


class Aftercare(WorkshopState):
    def record_follow_up(
        self,
        ro: str,
        outcome: FollowUpOutcome,
        note: str,
        by: str,
        at: datetime,
        categories: Iterable[str] = (),
        tries: int = 3,
        owner: str = "",
        reply_within: timedelta = REPLY_WITHIN,
    ) -> Job:
        """The follow-up call (回访). Nobody answered: tried again, up to ``tries`` calls,
        the order still open; the last unanswered one closes it. A complaint opens a case
        (``owner``: whose it is, the order's advisor unless said) to be answered within
        ``reply_within``; the order stays open until the case is resolved."""
        job = self.job(ro)
        self._require_status(job, {JobStatus.DELIVERED}, "record the follow-up of")
        if job.follow_up is not None:
            raise InvalidData(f"the follow-up call of {ro} is already recorded")
        if tries < 1:
            raise InvalidData("a call is tried at least once")
        said = _categories(outcome, categories)
        if outcome is FollowUpOutcome.UNREACHABLE and len(job.call_attempts) + 1 < tries:
            job.call_attempts.append(CallAttempt(at=at, by=by, note=note))
            attempt = len(job.call_attempts)
            self._record(ev.FollowUpUnanswered(ro=ro, attempt=attempt, tries=tries, at=at))
            return job
        job.follow_up = FollowUp(outcome=outcome, note=note, by=by, at=at, categories=said)
        if outcome is FollowUpOutcome.COMPLAINT:
            who = owner.strip() or job.advisor or by
            job.complaint = Complaint(
                opened_at=at, owner=who, reply_by=at + reply_within, categories=said, note=note
            )
        else:
            job.status = JobStatus.CLOSED
        self._record(
            ev.FollowUpRecorded(ro=ro, outcome=outcome.value, categories=tuple(said), at=at)
        )
        if job.complaint is not None:
            reply_by = job.complaint.reply_by
            self._record(
                ev.ComplaintOpened(ro=ro, owner=job.complaint.owner, reply_by=reply_by, at=at)
            )
        return job

    def _open_complaint(self, ro: str) -> tuple[Job, Complaint]:
        job = self.job(ro)
        complaint = job.complaint
        if complaint is None or not complaint.open or job.status is not JobStatus.DELIVERED:
            raise ComplaintClosed(f"{ro} has no open complaint")
        return job, complaint

    def complaint_action(self, ro: str, text: str, by: str, at: datetime) -> Job:
        """Something done about a complaint (called back, re-inspected the car, …)."""
        job, complaint = self._open_complaint(ro)
        if not text.strip():
            raise InvalidData("an action on a complaint says what was done")
        complaint.actions.append(ComplaintAction(at=at, by=by, text=text.strip()))
        self._record(ev.ComplaintActionTaken(ro=ro, by=by, at=at))
        return job

    def resolve_complaint(self, ro: str, resolution: str, by: str, at: datetime) -> Job:
        """The complaint settled, saying how, after at least one action: the order closes."""
        job, complaint = self._open_complaint(ro)
        if not resolution.strip():
            raise InvalidData("a resolved complaint says how it was settled")
        if not complaint.actions:
            raise InvalidData(f"nothing was done about the complaint on {ro} yet")
        complaint.resolution = resolution.strip()
        complaint.resolved_at = at
        complaint.resolved_by = by
        job.status = JobStatus.CLOSED
        self._record(ev.ComplaintResolved(ro=ro, by=by, at=at))
        return job
