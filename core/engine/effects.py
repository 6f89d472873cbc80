"""Everything the core derives from what the domain recorded, each in one place: which
rows to write, which orders an audit line belongs to, which screens must be redrawn."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.domain.events import DomainEvent, TechSignedIn, WalkAroundRecorded
from core.domain.model import JobStatus, WalkAround
from core.domain.workshop import Workshop


@dataclass(frozen=True)
class Rows:
    """The stored rows a batch of facts changed."""

    jobs: frozenset[str] = frozenset()
    techs: frozenset[str] = frozenset()
    counters: frozenset[str] = frozenset()
    appointments: frozenset[str] = frozenset()
    #: Signed walk-arounds, each a row of its own (never rewritten).
    walkarounds: tuple[WalkAround, ...] = ()
    help_calls: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(
            self.jobs
            or self.techs
            or self.counters
            or self.appointments
            or self.walkarounds
            or self.help_calls
        )


def rows_to_write(events: Iterable[DomainEvent]) -> Rows:
    jobs: set[str] = set()
    techs: set[str] = set()
    counters: set[str] = set()
    appointments: set[str] = set()
    walked: list[WalkAround] = []
    calls: set[str] = set()
    for e in events:
        calls.update(e.help_calls())
        jobs.update(e.jobs())
        techs.update(e.techs())
        counters.update(e.counters())
        appointments.update(e.appointments())
        if isinstance(e, WalkAroundRecorded):
            walked.append(e.record)
    return Rows(
        frozenset(jobs),
        frozenset(techs),
        frozenset(counters),
        frozenset(appointments),
        tuple(walked),
        frozenset(calls),
    )


def audit_orders(events: Sequence[DomainEvent], fallback: str | None) -> list[str | None]:
    """The repair orders whose timelines show one step: every order it changed, in order;
    for a step that changed no order (a print result), the order it named."""
    orders: list[str | None] = list(dict.fromkeys([ro for e in events for ro in e.jobs()]))
    return orders if orders else [fallback]


def appointments_named(events: Sequence[DomainEvent]) -> list[str]:
    """The appointments a step changed, in order."""
    return list(dict.fromkeys(a for e in events for a in e.appointments()))


def audit_notes(events: Sequence[DomainEvent]) -> dict[str, str]:
    """What the audit line of a step says besides the event: the bay a technician was
    taken off by signing in at another (``moved_from``); why one person could do two of a
    car's checks (``same_checker``: a manager's reason, or the site's word)."""
    notes: dict[str, str] = {}
    for e in events:
        if isinstance(e, TechSignedIn):
            if e.from_bay and "moved_from" not in notes:
                notes["moved_from"] = e.from_bay
            continue
        override: str | None = getattr(e, "override", None)
        if override and "same_checker" not in notes:
            notes["same_checker"] = override
    return notes


def originals(events: Sequence[DomainEvent]) -> dict[str, str | None] | None:
    """A corrected clock as it was before, kept beside the correction for disputes."""
    for e in events:
        seg = getattr(e, "original", None)
        if seg is not None:
            return {
                "start": seg.start.isoformat(),
                "end": seg.end.isoformat() if seg.end else None,
            }
    return None


def bays_to_redraw(ws: Workshop, events: Iterable[DomainEvent], rows: Rows) -> set[str]:
    """Every bay whose screen shows something these facts changed (``rows``: the rows they
    changed, whose jobs and technicians are where their bays are found)."""
    bays: set[str] = set()
    stages: set[JobStatus] = set()
    for e in events:
        bays.update(e.bays())
        stages.update(e.statuses())
    for ro in rows.jobs:
        job = ws.jobs.get(ro)
        if job is not None:
            stages.add(job.status)
            if job.bay:
                bays.add(job.bay)
    for tech in rows.techs:
        state = ws.tech_states.get(tech)
        if state is not None and state.bay:
            bays.add(state.bay)
    return bays | ws.stations_showing(stages)
