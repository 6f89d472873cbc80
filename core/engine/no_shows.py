"""The no-show sweep: a booked car not here once its slot and the grace are over counts as
not coming. The core runs it on its own clock, at the start of a batch or when it is idle,
as soon as the first booked car awaited is due, so the appointment book and the plan never
wait for a page to ask."""

from __future__ import annotations

from datetime import datetime

from core.domain.workshop import Workshop
from core.store.repository import AuditEntry

#: Whose step the sweep is, in the audit log.
ACTOR = "system:no-show"
AUDIT_TYPE = "appointment.no_show"


class NoShowSweep:
    """When the next no-show is due, worked out again only after the book changed."""

    def __init__(self) -> None:
        self._due: datetime | None = None
        self._known = False

    def book_changed(self) -> None:
        """A booking was made, changed or settled, or the workshop was loaded again."""
        self._known = False

    def due(self, ws: Workshop) -> datetime | None:
        if not self._known:
            self._due, self._known = ws.next_no_show(), True
        return self._due

    def is_due(self, ws: Workshop, now: datetime) -> bool:
        due = self.due(ws)
        return due is not None and now > due

    def seconds_left(self, ws: Workshop, now: datetime) -> float | None:
        """Site seconds until the sweep has something to do (None: no car awaited)."""
        due = self.due(ws)
        return None if due is None else max(0.0, (due - now).total_seconds())

    def run(self, ws: Workshop, now: datetime) -> AuditEntry | None:
        """Record the no-shows due by ``now``; the audit line of the sweep, if it found any."""
        if not self.is_due(ws, now):
            return None
        missed = ws.record_no_shows(now)
        self.book_changed()
        if not missed:
            return None
        return AuditEntry(
            at=now,
            kind="command",
            source=ACTOR,
            seq=None,
            type=AUDIT_TYPE,
            job=None,
            bay=None,
            payload={"appointments": missed},
        )
