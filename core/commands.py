"""Actions taken on the web pages and the API: the same domain path as device events."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from core.domain.appointment import Booking, BookingChanges
from core.domain.model import FollowUpOutcome, Operation, PauseReason, Priority, WalkAroundSheet
from core.domain.vocabulary import CallOutcome, CallTime
from core.domain.workshop import CheckIn, OrderChanges, Workshop


@dataclass(frozen=True)
class CheckInCar:
    order: CheckIn
    key_slots: int = 0  # hooks in the key cabinet: a tagged key without a slot gets a free one
    #: The booked car's appointment: checked in with the order (booked_check_in fills the
    #: order from it).
    appointment: str | None = None


@dataclass(frozen=True)
class UpdateOrder:
    ro: str
    changes: OrderChanges


@dataclass(frozen=True)
class Dispatch:
    """Put a job in a bay's queue; work needing another kind of bay goes there only
    ``force``d, with the ``reason`` kept on the fact and in the audit log."""

    ro: str
    bay: str
    team: str | None = None
    force: bool = False
    reason: str = ""


@dataclass(frozen=True)
class DispatchAt:
    """Put a job on a bay (dispatched, moved, or left on its bay) to be started no sooner
    than ``start``: dropped on the bay's row of the Gantt at that time. A move follows the
    rules of ``Dispatch``."""

    ro: str
    bay: str
    start: datetime
    team: str | None = None
    force: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ReorderQueue:
    """The foreman puts a queued job just before another of its bay's queue (None: last)."""

    ro: str
    ahead_of: str | None


@dataclass(frozen=True)
class SetPriority:
    ro: str
    priority: Priority


@dataclass(frozen=True)
class Cancel:
    ro: str
    reason: str


@dataclass(frozen=True)
class AnswerFinding:
    ro: str
    finding_id: str
    approved: bool
    note: str = ""


@dataclass(frozen=True)
class AllowSameChecker:
    """A manager lets one person do two of a car's three checks, saying why."""

    ro: str
    reason: str


@dataclass(frozen=True)
class RecordWalkAround:
    """The walk-around record (环车检查) the advisor and the customer filled in and signed."""

    ro: str
    sheet: WalkAroundSheet


@dataclass(frozen=True)
class CheckHandover:
    """The advisor's handover checklist (内部交车), the items ticked."""

    ro: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Deliver:
    """Hand the car to its customer; without the handover checklist only with a manager's
    ``override`` reason."""

    ro: str
    override: str = ""
    call_time: CallTime = CallTime.ANY
    #: What the customer presented at the desk: the pickup card scanned, or the plate.
    presented: str | None = None


@dataclass(frozen=True)
class RecordFollowUp:
    """The follow-up call: what it came to, what the customer was not happy with; nobody
    answering is tried again up to ``tries`` calls; a complaint opens a case (``owner``,
    answered within ``reply_hours``)."""

    ro: str
    outcome: FollowUpOutcome
    note: str = ""
    categories: tuple[str, ...] = ()
    tries: int = 3
    owner: str = ""
    reply_hours: int = 48


@dataclass(frozen=True)
class AddComplaintAction:
    ro: str
    text: str


@dataclass(frozen=True)
class ResolveComplaint:
    ro: str
    resolution: str


@dataclass(frozen=True)
class PauseEveryone:
    reason: PauseReason = PauseReason.SHIFT_END


@dataclass(frozen=True)
class AdjustClock:
    """The foreman sets when a technician's stretch on a job really began and ended."""

    ro: str
    tech: str
    start: datetime
    new_start: datetime
    new_end: datetime | None
    reason: str


@dataclass(frozen=True)
class InsertPause:
    """The foreman puts in a pause the technician forgot to tap."""

    ro: str
    tech: str
    start: datetime
    pause_from: datetime
    pause_to: datetime
    pause_reason: PauseReason
    reason: str


@dataclass(frozen=True)
class MoveClock:
    """The foreman moves a stretch of work booked on the wrong job to the right one."""

    ro: str
    tech: str
    start: datetime
    to_ro: str
    reason: str


@dataclass(frozen=True)
class BookAppointment:
    """Book a car (预约); a day already full only ``force``d, with a ``reason``."""

    booking: Booking
    force: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ChangeAppointment:
    appointment: str
    changes: BookingChanges
    force: bool = False
    reason: str = ""


@dataclass(frozen=True)
class CancelAppointment:
    appointment: str
    reason: str


@dataclass(frozen=True)
class MarkArrived:
    """The booked car is at reception (late, when after its slot and the grace)."""

    appointment: str


@dataclass(frozen=True)
class RecordConfirmationCall:
    """The advisor's call the day before a booking, and what it came to."""

    appointment: str
    outcome: CallOutcome
    note: str = ""


@dataclass(frozen=True)
class RecordPromiseCall:
    """The advisor called the customer about a promise at risk and agreed a new one."""

    ro: str
    promised_at: datetime
    note: str = ""


@dataclass(frozen=True)
class AddFindingWork:
    """The work of a finding the customer approved, added as catalogue operations."""

    ro: str
    finding_id: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class AcknowledgeNotice:
    """The advisor saw a notice about one of their cars (``ro``)."""

    ro: str
    notice_id: str


@dataclass(frozen=True)
class PickParts:
    """The parts counter takes a bay's parts request and begins picking."""

    ro: str
    request_id: str


@dataclass(frozen=True)
class HandOutParts:
    """The parts are there for the bay: ready at the counter, or brought to the bay."""

    ro: str
    request_id: str
    delivered: bool = False


@dataclass(frozen=True)
class PartsNotInStock:
    """A part asked for is not in stock; expected then (None: not known yet)."""

    ro: str
    request_id: str
    expected_at: datetime | None = None


@dataclass(frozen=True)
class AcknowledgeHelp:
    """Someone answers a help call (安灯) on their page: they are on the way."""

    call: str


@dataclass(frozen=True)
class CloseHelp:
    """A help call is over, saying what was done."""

    call: str
    outcome: str


Command = (
    CheckInCar
    | UpdateOrder
    | Dispatch
    | DispatchAt
    | ReorderQueue
    | SetPriority
    | Cancel
    | AnswerFinding
    | AllowSameChecker
    | RecordWalkAround
    | CheckHandover
    | Deliver
    | RecordFollowUp
    | AddComplaintAction
    | ResolveComplaint
    | PauseEveryone
    | AdjustClock
    | InsertPause
    | MoveClock
    | BookAppointment
    | ChangeAppointment
    | CancelAppointment
    | MarkArrived
    | RecordConfirmationCall
    | RecordPromiseCall
    | AddFindingWork
    | AcknowledgeNotice
    | PickParts
    | HandOutParts
    | PartsNotInStock
    | AcknowledgeHelp
    | CloseHelp
)
CLOCK_CORRECTIONS = (AdjustClock, InsertPause, MoveClock)

COMMAND_NAMES: dict[type, str] = {
    CheckInCar: "job.checked_in",
    UpdateOrder: "job.updated",
    Dispatch: "job.dispatched",
    DispatchAt: "job.dispatched_at",
    ReorderQueue: "queue.reordered",
    SetPriority: "job.priority_set",
    Cancel: "job.cancelled",
    AnswerFinding: "finding.answered",
    AllowSameChecker: "checks.override_allowed",
    RecordWalkAround: "job.walked_around",
    CheckHandover: "job.handover_checked",
    Deliver: "job.delivered",
    RecordFollowUp: "job.followed_up",
    AddComplaintAction: "complaint.action",
    ResolveComplaint: "complaint.resolved",
    PauseEveryone: "clocks.paused_all",
    AdjustClock: "clock.adjusted",
    InsertPause: "clock.pause_inserted",
    MoveClock: "clock.moved",
    BookAppointment: "appointment.booked",
    ChangeAppointment: "appointment.changed",
    CancelAppointment: "appointment.cancelled",
    MarkArrived: "appointment.arrived",
    RecordConfirmationCall: "appointment.called",
    RecordPromiseCall: "job.promise_called",
    AddFindingWork: "job.work_added",
    AcknowledgeNotice: "notice.acknowledged",
    PickParts: "parts.picked",
    HandOutParts: "parts.ready",
    PartsNotInStock: "parts.not_in_stock",
    AcknowledgeHelp: "help.acknowledged",
    CloseHelp: "help.closed",
}


def execute(ws: Workshop, cmd: Command, actor: str, at: datetime) -> Any:
    """Run one command against the workshop; raises DomainError when refused."""
    match cmd:
        case CheckInCar(order, key_slots, appointment):
            return ws.check_in(order, at, key_slots, appointment)
        case UpdateOrder(ro, changes):
            return ws.update_order(ro, changes, at)
        case Dispatch(ro, bay, team, force, reason):
            return ws.dispatch(ro, bay, at, team=team, force=force, reason=reason)
        case DispatchAt(ro, bay, start, team, force, reason):
            return ws.dispatch_at(ro, bay, start, at, team, force=force, reason=reason)
        case ReorderQueue(ro, ahead_of):
            return ws.put_before(ro, ahead_of, at)
        case SetPriority(ro, priority):
            return ws.set_priority(ro, priority, at)
        case Cancel(ro, reason):
            return ws.cancel(ro, reason, at)
        case AnswerFinding(ro, finding_id, approved, note):
            return ws.answer_finding(ro, finding_id, approved, actor, at, note)
        case AllowSameChecker(ro, reason):
            return ws.allow_same_checker(ro, reason, actor, at)
        case RecordWalkAround(ro, sheet):
            return ws.record_walk_around(ro, sheet, actor, at)
        case CheckHandover(ro, items):
            return ws.check_handover(ro, items, actor, at)
        case Deliver(ro, override, call_time, presented):
            return ws.deliver(ro, at, override, call_time, presented)
        case RecordFollowUp(ro, outcome, note, categories, tries, owner, reply_hours):
            within = timedelta(hours=reply_hours)
            return ws.record_follow_up(
                ro, outcome, note, actor, at, categories, tries, owner, within
            )
        case AddComplaintAction(ro, text):
            return ws.complaint_action(ro, text, actor, at)
        case ResolveComplaint(ro, resolution):
            return ws.resolve_complaint(ro, resolution, actor, at)
        case PauseEveryone(reason):
            return ws.pause_everyone(reason, at)
        case AdjustClock(ro, tech, start, new_start, new_end, reason):
            return ws.adjust_clock(ro, tech, start, new_start, new_end, reason, at)
        case InsertPause(ro, tech, start, pause_from, pause_to, pause_reason, reason):
            return ws.insert_pause(ro, tech, start, pause_from, pause_to, pause_reason, reason, at)
        case MoveClock(ro, tech, start, to_ro, reason):
            return ws.move_clock(ro, tech, start, to_ro, reason, at)
        case _:
            return _book(ws, cmd, actor, at)


def _book(ws: Workshop, cmd: Command, actor: str, at: datetime) -> Any:
    """The appointment book's commands."""
    match cmd:
        case BookAppointment(booking, force, reason):
            return ws.book(booking, at, force=force, reason=reason)
        case ChangeAppointment(appointment, changes, force, reason):
            return ws.change_appointment(appointment, changes, at, force=force, reason=reason)
        case CancelAppointment(appointment, reason):
            return ws.cancel_appointment(appointment, reason, at)
        case MarkArrived(appointment):
            return ws.mark_arrived(appointment, at)
        case RecordConfirmationCall(appointment, outcome, note):
            return ws.record_call(appointment, outcome, note, actor, at)
    return _from_desk(ws, cmd, actor, at)


def _from_desk(ws: Workshop, cmd: Command, actor: str, at: datetime) -> Any:
    """The advisor's own: a promise agreed again, an approved finding's work, a notice seen."""
    match cmd:
        case RecordPromiseCall(ro, promised_at, note):
            return ws.record_promise_call(ro, promised_at, note, actor, at)
        case AddFindingWork(ro, finding_id, operations):
            return ws.add_finding_work(ro, finding_id, operations, at)
        case AcknowledgeNotice(ro, notice_id):
            return ws.acknowledge_notice(ro, notice_id, actor, at)
    return _parts_counter(ws, cmd, actor, at)


def _parts_counter(ws: Workshop, cmd: Command, actor: str, at: datetime) -> Any:
    """The parts counter's steps on a bay's request (领料)."""
    match cmd:
        case PickParts(ro, request_id):
            return ws.pick_parts(ro, request_id, actor, at)
        case HandOutParts(ro, request_id, delivered):
            return ws.parts_ready(ro, request_id, actor, at, delivered)
        case PartsNotInStock(ro, request_id, expected_at):
            return ws.parts_not_in_stock(ro, request_id, actor, at, expected_at)
    return _help_calls(ws, cmd, actor, at)


def _help_calls(ws: Workshop, cmd: Command, actor: str, at: datetime) -> Any:
    """Answering and closing a bay's help call (安灯) from a page."""
    match cmd:
        case AcknowledgeHelp(call):
            return ws.acknowledge_help(call, actor, at)
        case CloseHelp(call, outcome):
            return ws.close_help(call, actor, outcome, at)
    raise TypeError(f"not a command: {cmd!r}")  # pragma: no cover


def audit_payload(cmd: Command) -> dict[str, Any]:
    """What the audit log keeps of a command (the customer's contact details excepted)."""
    raw = asdict(cmd)
    if isinstance(cmd, CheckInCar):
        raw["order"].pop("customer", None)
    elif isinstance(cmd, BookAppointment):
        raw["booking"].pop("customer", None)
    elif isinstance(cmd, ChangeAppointment):
        raw["changes"].pop("customer", None)
    elif isinstance(cmd, RecordWalkAround):
        raw["sheet"]["signature"] = _signature_seal(cmd.sheet.signature)
    elif isinstance(cmd, Deliver) and cmd.presented and "/status/" in cmd.presented:
        # The card's address opens the customer's own page: the log says only it was the card.
        raw["presented"] = "card"
    payload: dict[str, Any] = _jsonable(raw)
    return payload


def _signature_seal(data_url: str) -> dict[str, Any]:
    """The audit log keeps a signature's fingerprint, not the image (kept with the record):
    a record changed afterwards no longer matches its line."""
    return {"sha256": hashlib.sha256(data_url.encode()).hexdigest(), "chars": len(data_url)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):  # money, as its digits: never a binary fraction
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def command_job(cmd: Command) -> str | None:
    return getattr(cmd, "ro", None)


def command_appointment(cmd: Command) -> str | None:
    """The appointment a command names (a booking names none before it is made)."""
    return getattr(cmd, "appointment", None)


def command_jobs(cmd: Command) -> tuple[str, ...]:
    """Every repair order a command names (a moved clock names two)."""
    named = (getattr(cmd, "ro", None), getattr(cmd, "to_ro", None))
    return tuple(ro for ro in named if ro)
