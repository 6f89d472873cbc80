"""Display rules every screen applies the same way: how far over its time a job is, how
urgent an unanswered finding has become, and which stage a job's status belongs to.

Pure functions over plain values and the contract's types, so the kiosk (which sees only
the wire) and the boards (which see the domain) colour and name things alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from core.config import AlertsConfig
from core.contract.views import Stage
from core.domain.vocabulary import JobStatus

Overrun = Literal["normal", "near", "over"]
Escalation = Literal["none", "call", "escalate"]

# Amber from this share of the standard hours, red once over them.
AMBER_AT = 0.85

# Where a car is, as the customer is told, and how far along the bar shows it. Statuses
# after the hand-over have no stage: the car has left the lounge's list.
_S = JobStatus
STAGES: dict[JobStatus, tuple[Stage, int]] = {
    _S.CHECKED_IN: ("checked_in", 5),
    _S.DISPATCHED: ("waiting", 15),
    _S.IN_PROGRESS: ("in_progress", 30),
    _S.PAUSED: ("in_progress", 30),
    _S.SELF_CHECKED: ("quality_check", 75),
    _S.LEADER_CHECKED: ("quality_check", 82),
    _S.WASH_WAITING: ("wash", 88),
    _S.WASHING: ("wash", 93),
    _S.READY: ("ready", 100),
}


def overrun_level(worked_seconds: float, standard_hours: float) -> Overrun:
    """A job's clock against its standard time: near from 85 %, over past 100 %."""
    if standard_hours <= 0:
        return "normal"
    share = worked_seconds / (standard_hours * 3600)
    if share > 1.0:
        return "over"
    if share >= AMBER_AT:
        return "near"
    return "normal"


def escalation(now: datetime, call_at: datetime | None, escalate_at: datetime | None) -> Escalation:
    """How urgent an unanswered finding is now (FindingLine.call_at / escalate_at)."""
    if escalate_at is not None and now >= escalate_at:
        return "escalate"
    if call_at is not None and now >= call_at:
        return "call"
    return "none"


def finding_due(reported_at: datetime, alerts: AlertsConfig) -> tuple[datetime, datetime]:
    """When an unanswered finding asks for a call, and when for the manager."""
    return (
        reported_at + timedelta(minutes=alerts.approval_call_minutes),
        reported_at + timedelta(minutes=alerts.approval_escalate_minutes),
    )


def promise_at_risk(status: JobStatus, promised_at: datetime, predicted: datetime | None) -> bool:
    """The one rule of a promise at risk, for the foreman's alerts, the lounge's notice and
    the advisor's own cars alike: a car not yet ready, predicted after its promise."""
    return status is not JobStatus.READY and predicted is not None and predicted > promised_at


def stage_of(status: str) -> Stage | None:
    """The stage a job status shows as; None once the car has been handed over."""
    try:
        found = STAGES.get(JobStatus(status))
    except ValueError:  # not a status of this version: shown as nothing rather than wrong
        return None
    return found[0] if found else None


#: How long both bays and the dispatch board show that a technician moved between bays.
MOVE_NOTICE = timedelta(minutes=30)

#: How long the dispatch board shows the refused sign-ins at a kiosk.
REFUSAL_NOTICE = timedelta(minutes=30)


def clock_text(moment: datetime, zone: ZoneInfo, day: date) -> str:
    """``moment`` as the site's HH:MM, with its month and day (MM-DD HH:MM) when it is not
    on ``day``: a start set for tomorrow must not read as today's."""
    local = moment.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == day else f"{local:%m-%d %H:%M}"


def yuan(amount: float) -> str:
    """An amount of money as the desk reads it: ¥1,280 for whole yuan, else with its fen
    (¥300.10), never rounded away."""
    whole = f"{amount:,.2f}"
    return "¥" + (whole[:-3] if whole.endswith(".00") else whole)
