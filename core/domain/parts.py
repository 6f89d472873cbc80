"""Parts requests from the bay (领料): the technician asks the parts counter for the parts of
the job from the kiosk instead of leaving the bay to fetch them; the counter picks them,
has them ready (or brings them to the bay), or says they are not in stock and when they
are expected. Time is passed in; nothing here does I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import events as ev
from .errors import IllegalTransition, InvalidData, UnknownPartsRequest
from .model import BAY_STATUSES, OPEN_STATUSES, Job, PartLine, PartsRequest
from .vocabulary import OPEN_PARTS_STATES, PartsState, PauseReason
from .workshop_state import WorkshopState

#: The most items one request carries, and the most of one item: more is a typing slip.
LINES_LIMIT = 20
QTY_LIMIT = 999
NAME_LIMIT = 60

_S = PartsState


def checked_lines(lines: Iterable[PartLine]) -> list[PartLine]:
    """The items as kept (names in one line), or the first thing wrong with them."""
    kept = []
    for line in lines:
        name = " ".join(line.name.split())
        if not name:
            raise InvalidData("every part asked for needs a name")
        if len(name) > NAME_LIMIT:
            raise InvalidData(f"a part's name is at most {NAME_LIMIT} characters: {name[:20]}…")
        if not 0 < line.qty <= QTY_LIMIT:
            raise InvalidData(f"the quantity of {name} must be above 0 and at most {QTY_LIMIT}")
        kept.append(PartLine(name=name, qty=line.qty, code=line.code.strip()))
    if not kept:
        raise InvalidData("a parts request names at least one part")
    if len(kept) > LINES_LIMIT:
        raise InvalidData(f"at most {LINES_LIMIT} parts in one request")
    return kept


def waited(request: PartsRequest, now: datetime) -> timedelta:
    """How long the bay has waited for the parts: until they were there, or until now."""
    end = request.served_at or request.cancelled_at or now
    return max(end - request.requested_at, timedelta(0))


@dataclass(frozen=True)
class Waiting:
    """A request the parts counter still has to act on, with its repair order."""

    job: Job
    request: PartsRequest


def counter_queue(jobs: Iterable[Job]) -> list[Waiting]:
    """The parts counter's queue, oldest request first."""
    waiting = [
        Waiting(job, r)
        for job in jobs
        if job.status in OPEN_STATUSES
        for r in job.parts_requests
        if r.state in OPEN_PARTS_STATES
    ]
    return sorted(waiting, key=lambda w: (w.request.requested_at, w.request.id))


class PartsRequests(WorkshopState):
    def pause(self, ro: str, tech_id: str, bay_id: str, reason: PauseReason, at: datetime) -> Job:
        raise NotImplementedError  # the workshop's own (core/domain/workshop.py)

    def request_parts(
        self,
        where: tuple[str, str, str],
        request_id: str,
        lines: Iterable[PartLine],
        at: datetime,
        pause: bool = False,
        note: str = "",
    ) -> PartsRequest:
        """The technician at the bay asks for parts for the job there (``where``: order,
        technician, bay); with ``pause``, a running clock of theirs pauses as waiting parts."""
        ro, tech, bay = where
        job = self.job(ro)
        self._require_signed_in(tech, bay)
        self._require_job_at_bay(job, bay)
        self._require_status(job, BAY_STATUSES, "request parts for")
        if job.parts_request(request_id) is not None:
            raise InvalidData(f"parts request {request_id} is already on {ro}")
        kept = checked_lines(lines)
        seg = job.open_segment(tech)
        stop_clock = pause and seg is not None and seg.kind == "work"
        request = PartsRequest(
            id=request_id,
            tech=tech,
            bay=bay,
            lines=kept,
            requested_at=at,
            paused=stop_clock,
            note=" ".join(note.split())[:200],
        )
        job.parts_requests.append(request)
        self._record(
            ev.PartsRequested(ro=ro, request=request_id, by=tech, bay=bay, paused=stop_clock, at=at)
        )
        if stop_clock:
            self.pause(ro, tech, bay, PauseReason.WAITING_PARTS, at)
        return request

    def cancel_parts(self, where: tuple[str, str, str], request_id: str, at: datetime) -> None:
        """The bay no longer needs what it asked for (found it, or the work changed)."""
        ro, tech, bay = where
        self._require_signed_in(tech, bay)
        request = self._parts(ro, request_id, "cancel", OPEN_PARTS_STATES)
        if request.bay != bay:
            raise IllegalTransition(f"parts request {request_id} was made at {request.bay}")
        request.state, request.cancelled_at = _S.CANCELLED, at
        self._record(ev.PartsCancelled(ro=ro, request=request_id, by=tech, bay=bay, at=at))

    def pick_parts(self, ro: str, request_id: str, by: str, at: datetime) -> PartsRequest:
        """The parts counter takes the request and begins picking."""
        request = self._parts(ro, request_id, "pick", {_S.REQUESTED})
        request.state, request.picked_at, request.by = _S.PICKING, at, by
        self._record(ev.PartsPicked(ro=ro, request=request_id, by=by, bay=request.bay, at=at))
        return request

    def parts_ready(
        self, ro: str, request_id: str, by: str, at: datetime, delivered: bool = False
    ) -> PartsRequest:
        """The parts are there for the bay: at the counter, or brought to the bay
        (``delivered``; parts ready at the counter may be brought later)."""
        allowed = OPEN_PARTS_STATES | ({_S.READY} if delivered else set())
        request = self._parts(ro, request_id, "hand out", allowed)
        if request.served_at is None:
            request.served_at = at
        request.state = _S.DELIVERED if delivered else _S.READY
        if delivered:
            request.delivered_at = at
        request.by = by
        self._record(
            ev.PartsReady(
                ro=ro, request=request_id, by=by, bay=request.bay, delivered=delivered, at=at
            )
        )
        return request

    def parts_not_in_stock(
        self, ro: str, request_id: str, by: str, at: datetime, expected_at: datetime | None
    ) -> PartsRequest:
        """A part is not in stock: the bay, the car's advisor and the foreman are told, with
        when it is expected (said again, the newer date holds)."""
        if expected_at is not None and expected_at < at - timedelta(days=1):
            raise InvalidData("a part not in stock is expected from today on")
        request = self._parts(ro, request_id, "mark not in stock", OPEN_PARTS_STATES)
        request.state, request.expected_at, request.by = _S.NOT_IN_STOCK, expected_at, by
        if request.short_at is None:
            request.short_at = at
        self._record(
            ev.PartsNotInStock(
                ro=ro, request=request_id, by=by, bay=request.bay, expected_at=expected_at, at=at
            )
        )
        return request

    def _parts(
        self, ro: str, request_id: str, action: str, allowed: Iterable[PartsState]
    ) -> PartsRequest:
        job = self.job(ro)
        request = job.parts_request(request_id)
        if request is None:
            raise UnknownPartsRequest(f"{ro} has no parts request {request_id}")
        if job.status not in OPEN_STATUSES:
            raise IllegalTransition(f"cannot {action} parts of {ro}: it is {job.status.value}")
        allowed = frozenset(allowed)
        if request.state not in allowed:
            raise IllegalTransition(
                f"cannot {action} parts request {request_id}: it is {request.state.value}"
            )
        return request
