"""Help calls going up their tiers: an unanswered call reaches its next tier on the core's
own clock (core/engine/timed_sweep.py), so the boards show it without a page asking."""

from __future__ import annotations

from datetime import datetime

from core.domain.workshop import Workshop

from .timed_sweep import TimedSweep

#: Whose step the escalation is, in the audit log.
ACTOR = "system:help"
AUDIT_TYPE = "help.escalated"


class HelpEscalation(TimedSweep):
    """When the next call goes up a tier, worked out again only after the calls changed."""

    actor = ACTOR
    audit_type = AUDIT_TYPE
    payload_key = "calls"

    def calls_changed(self) -> None:
        """A call was made, answered, closed or escalated, or the workshop was loaded."""
        self.changed()

    def next_due(self, ws: Workshop) -> datetime | None:
        return ws.next_help_escalation()

    def sweep(self, ws: Workshop, now: datetime) -> list[str]:
        return ws.escalate_help(now)
