"""Display rules every screen applies the same way: how far over its time a job is, how
urgent an unanswered finding has become, and which stage a job's status belongs to.

Pure functions over plain values and the contract's types, so the kiosk (which sees only
the wire) and the boards (which see the domain) colour and name things alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from core.config import AlertsConfig
from core.contract.views import Stage

Overrun = Literal["normal", "near", "over"]
Escalation = Literal["none", "call", "escalate"]

# Amber from this share of the standard hours, red once over them.
AMBER_AT = 0.85

# Where a car is, as the customer is told, and how far along the bar shows it. Statuses
# after the hand-over have no stage: the car has left the lounge's list.
STAGES: dict[str, tuple[Stage, int]] = {
    "checked_in": ("checked_in", 5),
    "dispatched": ("waiting", 15),
    "in_progress": ("in_progress", 30),
    "paused": ("in_progress", 30),
    "self_checked": ("quality_check", 75),
    "leader_checked": ("quality_check", 82),
    "wash_waiting": ("wash", 88),
    "washing": ("wash", 93),
    "ready": ("ready", 100),
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


def stage_of(status: str) -> Stage | None:
    """The stage a job status shows as; None once the car has been handed over."""
    found = STAGES.get(status)
    return found[0] if found else None
