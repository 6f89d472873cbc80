"""The no-show sweep: a booked car not here once its slot and the grace are over counts as
not coming, recorded on the core's own clock (core/engine/timed_sweep.py)."""

from __future__ import annotations

from datetime import datetime

from core.domain.workshop import Workshop

from .timed_sweep import TimedSweep

#: Whose step the sweep is, in the audit log.
ACTOR = "system:no-show"
AUDIT_TYPE = "appointment.no_show"


class NoShowSweep(TimedSweep):
    """When the next no-show is due, worked out again only after the book changed."""

    actor = ACTOR
    audit_type = AUDIT_TYPE
    payload_key = "appointments"
    strictly_after = True

    def book_changed(self) -> None:
        """A booking was made, changed or settled, or the workshop was loaded again."""
        self.changed()

    def next_due(self, ws: Workshop) -> datetime | None:
        return ws.next_no_show()

    def sweep(self, ws: Workshop, now: datetime) -> list[str]:
        return ws.record_no_shows(now)
