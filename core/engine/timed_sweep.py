"""The core's own steps on its clock (a booked car not come, a help call unanswered): each
knows when it next has something to do, works that out again only after what it watches
changed, and is run at the start of a batch or, when the core is idle, as soon as it is
due, so the boards never wait for a page to ask."""

from __future__ import annotations

from datetime import datetime

from core.domain.workshop import Workshop
from core.store.repository import AuditEntry


class TimedSweep:
    """When the sweep is next due, kept until ``changed``; the subclass names the step."""

    #: Whose step it is and its type, in the audit log; the payload's key for what it did.
    actor = ""
    audit_type = ""
    payload_key = ""
    #: Due only once the moment is past (a grace that ends at that moment), or at it.
    strictly_after = False

    def __init__(self) -> None:
        self._due: datetime | None = None
        self._known = False

    def next_due(self, ws: Workshop) -> datetime | None:
        raise NotImplementedError

    def sweep(self, ws: Workshop, now: datetime) -> list[str]:
        raise NotImplementedError

    def changed(self) -> None:
        """What the sweep watches changed, or the workshop was loaded again."""
        self._known = False

    def due(self, ws: Workshop) -> datetime | None:
        if not self._known:
            self._due, self._known = self.next_due(ws), True
        return self._due

    def is_due(self, ws: Workshop, now: datetime) -> bool:
        due = self.due(ws)
        return due is not None and (now > due if self.strictly_after else now >= due)

    def seconds_left(self, ws: Workshop, now: datetime) -> float | None:
        """Site seconds until the sweep has something to do (None: nothing awaited)."""
        due = self.due(ws)
        return None if due is None else max(0.0, (due - now).total_seconds())

    def run(self, ws: Workshop, now: datetime) -> AuditEntry | None:
        """The sweep's step, when due by ``now``; its audit line, if it did anything."""
        if not self.is_due(ws, now):
            return None
        done = self.sweep(ws, now)
        self.changed()
        if not done:
            return None
        return AuditEntry(
            at=now,
            kind="command",
            source=self.actor,
            seq=None,
            type=self.audit_type,
            job=None,
            bay=None,
            payload={self.payload_key: done},
        )
