"""What the service advisor is told of their own cars as it happens (我的车辆): a finding to
relay, a promise gone at risk, the wash started, the car ready and where it is parked; and
when an at-risk notice left unacknowledged goes to the service manager.

``notice_of`` is the one place that says which fact tells the advisor what. A promise at
risk is no fact of the workshop's: it comes from the predictions, which the engine makes
and judges by the rule the foreman's board applies (``core/display/rules.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import events as ev
from .model import Job
from .vocabulary import NoticeKind


@dataclass(frozen=True)
class Notice:
    """One thing the advisor of ``ro`` is told; ``detail``: the finding's title, where the
    ready car is parked, or the predicted time of a car at risk (ISO)."""

    id: str
    kind: NoticeKind
    ro: str
    advisor: str
    at: datetime
    detail: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


def notice_of(event: ev.DomainEvent, job: Job) -> tuple[NoticeKind, str] | None:
    """What a fact tells the advisor of its car (kind and detail), or None: a finding
    reported, the wash started, a part not in stock (detail: when it is expected, ISO),
    the car ready (washed, or passed needing no wash)."""
    if isinstance(event, ev.FindingReported):
        finding = next((f for f in job.findings if f.id == event.finding_id), None)
        return NoticeKind.FINDING, finding.title if finding else event.finding_id
    if isinstance(event, ev.WashStarted):
        return NoticeKind.WASHING, ""
    # A part not in stock may break the promise: the advisor calls before it is missed.
    if isinstance(event, ev.PartsNotInStock):
        return NoticeKind.PARTS_SHORT, event.expected_at.isoformat() if event.expected_at else ""
    # Ready after the wash, or at the final inspection when no wash was wanted: told by the
    # fact itself, as the job may have gone on since within the same batch.
    if isinstance(event, ev.QcPassed | ev.WashDone) and (
        isinstance(event, ev.WashDone) or not job.wash_requested
    ):
        return NoticeKind.READY, event.spot or job.parking_spot or ""
    return None


def escalated(notice: Notice, now: datetime, after: timedelta) -> bool:
    """An at-risk notice still unacknowledged ``after`` it came goes to the service
    manager: the customer must hear before the promise is missed."""
    return notice.kind is NoticeKind.AT_RISK and notice.open and now - notice.at >= after
