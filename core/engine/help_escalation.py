"""Help calls going up their tiers: an unanswered call reaches its next tier on the core's
own clock, recorded at the start of a batch or, when the core is idle, as soon as the first
comes due (as the no-shows are), so the boards show it without a page asking."""

from __future__ import annotations

from datetime import datetime

from core.domain.workshop import Workshop
from core.store.repository import AuditEntry

#: Whose step the escalation is, in the audit log.
ACTOR = "system:help"
AUDIT_TYPE = "help.escalated"


class HelpEscalation:
    """When the next call goes up a tier, worked out again only after the calls changed."""

    def __init__(self) -> None:
        self._due: datetime | None = None
        self._known = False

    def calls_changed(self) -> None:
        """A call was made, answered, closed or escalated, or the workshop was loaded."""
        self._known = False

    def due(self, ws: Workshop) -> datetime | None:
        if not self._known:
            self._due, self._known = ws.next_help_escalation(), True
        return self._due

    def is_due(self, ws: Workshop, now: datetime) -> bool:
        due = self.due(ws)
        return due is not None and now >= due

    def seconds_left(self, ws: Workshop, now: datetime) -> float | None:
        """Site seconds until a call goes up a tier (None: none waits unanswered)."""
        due = self.due(ws)
        return None if due is None else max(0.0, (due - now).total_seconds())

    def run(self, ws: Workshop, now: datetime) -> AuditEntry | None:
        """The tiers reached by ``now``; the audit line naming the calls, if any went up."""
        if not self.is_due(ws, now):
            return None
        raised = ws.escalate_help(now)
        self.calls_changed()
        if not raised:
            return None
        return AuditEntry(
            at=now,
            kind="command",
            source=ACTOR,
            seq=None,
            type=AUDIT_TYPE,
            job=None,
            bay=None,
            payload={"calls": raised},
        )
