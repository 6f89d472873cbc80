"""What happened in the workshop: past-tense facts the domain records with every change.

Everything downstream is derived from these and nothing else: which rows the store writes,
the audit lines and the order each belongs to, which bays' screens and which boards
change (core/effects.py). Names are stable strings: they are stored and shown, never
taken from the Python class.

Fields follow one convention, which the derivations rely on: ``ro`` / ``to_ro`` name the
repair orders changed, ``tech`` / ``released`` the technicians whose own state changed
(where they are signed in, which clock they run), ``bay`` / ``from_bay`` the bays whose
screens show it. Someone who only acted (an inspector, a reporter) is ``by``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from .model import JobStatus, PauseReason, Priority, Segment, Severity, WalkAround


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """One fact; ``at`` is when it happened on the workshop floor."""

    name: ClassVar[str]
    #: Job statuses the fact moves a job out of or into, for the stations (QC, wash) whose
    #: lists follow a job's stage rather than its bay.
    stages: ClassVar[frozenset[JobStatus]] = frozenset()
    at: datetime

    def statuses(self) -> frozenset[JobStatus]:
        """The stages this fact moved a job between."""
        return self.stages

    # Every derivation asks every fact (rows, audit orders, screens, the group feed), so
    # the names are read straight from the fields (a frozen dataclass keeps them in
    # ``__dict__``), in a few lookups and no generator: a flood asks thousands a second.
    def jobs(self) -> tuple[str, ...]:
        """The repair orders this fact changed."""
        fields = self.__dict__
        ro, to_ro = fields.get("ro"), fields.get("to_ro")
        if to_ro:
            return (ro, to_ro) if ro else (to_ro,)
        return (ro,) if ro else ()

    def techs(self) -> tuple[str, ...]:
        """The technicians whose own state (bay, running clock) this fact changed."""
        fields = self.__dict__
        one, released = fields.get("tech"), fields.get("released", ())
        return (one, *released) if one else released

    def bays(self) -> tuple[str, ...]:
        """Bays named by the fact (the job's own bay is looked up where it is needed)."""
        fields = self.__dict__
        bay, before, notice = fields.get("bay"), fields.get("from_bay"), fields.get("notice_at")
        if not (before or notice):
            return (bay,) if bay else ()
        return tuple(x for x in (bay, before, notice) if x)

    def counters(self) -> tuple[str, ...]:
        """Numbering counters the fact advanced (RO numbers, queue order)."""
        return ()

    def appointments(self) -> tuple[str, ...]:
        """The appointments this fact changed."""
        one = self.__dict__.get("appointment")
        return (one,) if one else ()

    def help_calls(self) -> tuple[str, ...]:
        """The help calls (安灯) this fact changed."""
        one = self.__dict__.get("call")
        return (one,) if one else ()


_S = JobStatus


# ------------------------------------------------------------------ reception and orders
@dataclass(frozen=True, kw_only=True)
class JobCheckedIn(DomainEvent):
    name = "job.checked_in"
    ro: str
    numbered: bool  # the RO number was drawn from the day's counter

    def counters(self) -> tuple[str, ...]:
        # The day's counter is named by the day in the number (the site's day, not UTC's).
        return ("ro:" + self.ro.split("-")[1],) if self.numbered else ()


@dataclass(frozen=True, kw_only=True)
class OrderUpdated(DomainEvent):
    name = "job.updated"
    ro: str


@dataclass(frozen=True, kw_only=True)
class PromiseCallRecorded(DomainEvent):
    """The advisor called the customer before the promise ``was`` was missed, and they
    agreed on ``promised_at``."""

    name = "job.promise_called"
    ro: str
    promised_at: datetime
    was: datetime
    by: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class WorkAdded(DomainEvent):
    """The work of an approved finding added to the order (catalogue operations)."""

    name = "job.work_added"
    ro: str
    finding_id: str
    codes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class NoticeAcknowledged(DomainEvent):
    """The advisor (or the manager) saw a notice of the car ``about``: it changed no order."""

    name = "notice.acknowledged"
    notice: str
    about: str
    by: str


@dataclass(frozen=True, kw_only=True)
class JobDispatched(DomainEvent):
    """Put in a bay's queue (派工), or moved from ``from_bay`` while no clock ran; ``forced``
    says why it went to a bay of another kind than its work needs."""

    name = "job.dispatched"
    stages = frozenset({_S.CHECKED_IN, _S.DISPATCHED})
    ro: str
    bay: str
    from_bay: str | None
    team: str | None
    forced: str | None = None

    def counters(self) -> tuple[str, ...]:
        return ("dispatch",)


@dataclass(frozen=True, kw_only=True)
class StartPinned(DomainEvent):
    """The foreman set a job in ``bay``'s queue to be started no sooner than ``start`` (a
    job dropped on the bay's row of the Gantt at that time): the plan works it from then."""

    name = "job.start_pinned"
    ro: str
    bay: str
    start: datetime


@dataclass(frozen=True, kw_only=True)
class QueueReordered(DomainEvent):
    """The foreman put ``ro`` just before ``ahead_of`` in its bay's queue (None: last of its
    priority); the jobs ``shifted`` took the places it left or took."""

    name = "queue.reordered"
    ro: str
    bay: str
    ahead_of: str | None
    shifted: tuple[str, ...] = ()

    def jobs(self) -> tuple[str, ...]:
        return (self.ro, *self.shifted)


@dataclass(frozen=True, kw_only=True)
class PriorityChanged(DomainEvent):
    """A job marked urgent (加急) or normal again; ``bay`` is the one whose queue it is in."""

    name = "job.priority_set"
    ro: str
    bay: str | None
    priority: Priority


@dataclass(frozen=True, kw_only=True)
class JobCancelled(DomainEvent):
    name = "job.cancelled"
    ro: str
    was: JobStatus
    from_bay: str | None
    reason: str
    released: tuple[str, ...] = ()  # technicians whose clock on it stopped

    def statuses(self) -> frozenset[JobStatus]:
        # The station list the job left depends on where it was, not on the kind of fact.
        return frozenset({self.was, JobStatus.CANCELLED})


# ------------------------------------------------------------------ technicians
@dataclass(frozen=True, kw_only=True)
class TechSignedIn(DomainEvent):
    name = "tech.signed_in"
    tech: str
    bay: str
    from_bay: str | None  # signed in elsewhere before: taken off there
    # The bay that still showed where this technician went last time: no longer so.
    notice_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class TechSignedOut(DomainEvent):
    name = "tech.signed_out"
    tech: str
    bay: str
    notice_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class SignInRefused(DomainEvent):
    """A wrong PIN for ``by`` (None: a code that is nobody's badge) at a bay's kiosk.

    It changes no one's state and no bay's screen: it is kept for the foreman's board."""

    name = "tech.sign_in_refused"
    by: str | None
    kiosk_bay: str
    misses: int
    lockout_s: int


# ------------------------------------------------------------------ bay work
@dataclass(frozen=True, kw_only=True)
class JobStarted(DomainEvent):
    """A technician's clock runs on the job (the first start, a second technician joining)."""

    name = "job.started"
    stages = frozenset({_S.DISPATCHED, _S.PAUSED, _S.IN_PROGRESS})
    ro: str
    tech: str
    bay: str


@dataclass(frozen=True, kw_only=True)
class JobResumed(JobStarted):
    name = "job.resumed"


@dataclass(frozen=True, kw_only=True)
class JobPaused(DomainEvent):
    """A technician's clock stopped with a reason (also at sign-out and shift end)."""

    name = "job.paused"
    stages = frozenset({_S.IN_PROGRESS, _S.PAUSED})
    ro: str
    tech: str
    bay: str | None
    reason: PauseReason


@dataclass(frozen=True, kw_only=True)
class FindingReported(DomainEvent):
    name = "finding.reported"
    ro: str
    finding_id: str
    severity: Severity
    by: str
    bay: str


@dataclass(frozen=True, kw_only=True)
class FindingAnswered(DomainEvent):
    name = "finding.answered"
    ro: str
    finding_id: str
    approved: bool
    by: str


@dataclass(frozen=True, kw_only=True)
class JobSelfChecked(DomainEvent):
    """The bay work is done (自检): every clock on the job stopped."""

    name = "job.self_checked"
    stages = frozenset({_S.IN_PROGRESS, _S.PAUSED, _S.SELF_CHECKED})
    ro: str
    by: str
    bay: str
    released: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class JobLeaderChecked(DomainEvent):
    """The second check (复检), with the leader's notes and recommendations; ``override``:
    why the leader could check after doing the self-check (None: another person did)."""

    name = "job.leader_checked"
    stages = frozenset({_S.SELF_CHECKED, _S.LEADER_CHECKED})
    ro: str
    by: str
    bay: str
    recommendations: int = 0
    override: str | None = None


@dataclass(frozen=True, kw_only=True)
class QcPassed(DomainEvent):
    """Final inspection (总检) passed with its checklist ticked and the road test recorded."""

    name = "qc.passed"
    stages = frozenset({_S.LEADER_CHECKED, _S.WASH_WAITING, _S.READY})
    ro: str
    by: str
    bay: str
    road_test: bool = False
    override: str | None = None
    spot: str | None = None  # where the finished car is parked, when it needs no wash


@dataclass(frozen=True, kw_only=True)
class QcFailed(DomainEvent):
    """Back to its bay as rework (返修), first in the queue."""

    name = "qc.failed"
    stages = frozenset({_S.LEADER_CHECKED, _S.DISPATCHED})
    ro: str
    by: str
    bay: str
    items: tuple[str, ...]
    override: str | None = None

    def counters(self) -> tuple[str, ...]:
        return ("rework",)


@dataclass(frozen=True, kw_only=True)
class WashStarted(DomainEvent):
    name = "wash.started"
    stages = frozenset({_S.WASH_WAITING, _S.WASHING})
    ro: str
    by: str
    bay: str


@dataclass(frozen=True, kw_only=True)
class WashDone(DomainEvent):
    name = "wash.done"
    stages = frozenset({_S.WASHING, _S.READY})
    ro: str
    by: str
    bay: str
    spot: str | None = None  # where the finished car is parked


@dataclass(frozen=True, kw_only=True)
class ChecksOverrideAllowed(DomainEvent):
    """A manager let one person do two of this car's three checks, saying why (a small
    shop with one inspector on duty)."""

    name = "checks.override_allowed"
    ro: str
    by: str
    reason: str


# ------------------------------------------------------------------ walk-around
@dataclass(frozen=True, kw_only=True)
class WalkAroundRecorded(DomainEvent):
    """The car walked around with its customer and signed for (环车检查): kept beside the
    order, its fuel and mileage the order's."""

    name = "job.walked_around"
    ro: str
    record: WalkAround


# ------------------------------------------------------------------ handover
@dataclass(frozen=True, kw_only=True)
class HandoverChecked(DomainEvent):
    """The advisor worked through the handover checklist (内部交车): the car may go."""

    name = "job.handover_checked"
    ro: str
    by: str
    items: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class JobDelivered(DomainEvent):
    """Handed over to the customer; ``override``: the manager's reason to deliver without the
    whole handover checklist."""

    name = "job.delivered"
    stages = frozenset({_S.READY, _S.DELIVERED})
    ro: str
    override: str | None = None
    #: What the key cabinet said of the key as it went to the customer (in the cabinet,
    #: taken out at the desk, never read).
    key_was: str = "none"


@dataclass(frozen=True, kw_only=True)
class FollowUpRecorded(DomainEvent):
    """The follow-up call (回访) reached the customer, or the last try did not: the order
    closes, unless a complaint was opened (it closes when the complaint is resolved)."""

    name = "job.followed_up"
    stages = frozenset({_S.DELIVERED, _S.CLOSED})
    ro: str
    outcome: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FollowUpUnanswered(DomainEvent):
    """A follow-up call nobody answered, ``attempt`` of ``tries``: tried again later."""

    name = "job.follow_up_unanswered"
    ro: str
    attempt: int
    tries: int


@dataclass(frozen=True, kw_only=True)
class ComplaintOpened(DomainEvent):
    name = "complaint.opened"
    ro: str
    owner: str
    reply_by: datetime


@dataclass(frozen=True, kw_only=True)
class ComplaintActionTaken(DomainEvent):
    name = "complaint.action"
    ro: str
    by: str


@dataclass(frozen=True, kw_only=True)
class ComplaintResolved(DomainEvent):
    """The complaint settled: the order closes."""

    name = "complaint.resolved"
    stages = frozenset({_S.DELIVERED, _S.CLOSED})
    ro: str
    by: str


# ------------------------------------------------------------------ keys
@dataclass(frozen=True, kw_only=True)
class KeyHungUp(DomainEvent):
    name = "key.hung_up"
    ro: str
    tag: str
    cabinet: str
    slot: int | None


@dataclass(frozen=True, kw_only=True)
class KeyTakenOut(DomainEvent):
    name = "key.taken_out"
    ro: str
    tag: str
    cabinet: str
    slot: int | None
    holder: str | None


# ------------------------------------------------------------------ clock corrections
@dataclass(frozen=True, kw_only=True)
class ClockAdjusted(DomainEvent):
    """The foreman set when a stretch really began and ended; ``original`` as it was."""

    name = "clock.adjusted"
    ro: str
    clock_of: str
    original: Segment


@dataclass(frozen=True, kw_only=True)
class PauseInserted(DomainEvent):
    name = "clock.pause_inserted"
    ro: str
    clock_of: str
    original: Segment


@dataclass(frozen=True, kw_only=True)
class ClockMoved(DomainEvent):
    """A finished stretch of work went from ``ro`` to ``to_ro`` (booked on the wrong job)."""

    name = "clock.moved"
    ro: str
    to_ro: str
    clock_of: str
    original: Segment


# ------------------------------------------------------------------ appointments
@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(DomainEvent):
    """A car booked for a reception slot; ``forced`` says why on a day already full."""

    name = "appointment.booked"
    appointment: str
    numbered: bool  # the number was drawn from the day's counter
    forced: str | None = None

    def counters(self) -> tuple[str, ...]:
        return ("appointment:" + self.appointment.split("-")[1],) if self.numbered else ()


@dataclass(frozen=True, kw_only=True)
class AppointmentChanged(DomainEvent):
    name = "appointment.changed"
    appointment: str
    forced: str | None = None


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(DomainEvent):
    name = "appointment.cancelled"
    appointment: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ConfirmationCallRecorded(DomainEvent):
    """The advisor called the booked customer to confirm; ``outcome`` is what it came to."""

    name = "appointment.called"
    appointment: str
    outcome: str


@dataclass(frozen=True, kw_only=True)
class AppointmentArrived(DomainEvent):
    """The booked car is here; ``late``: after its slot and the grace."""

    name = "appointment.arrived"
    appointment: str
    late: bool


@dataclass(frozen=True, kw_only=True)
class AppointmentNoShow(DomainEvent):
    """The grace after the slot passed without the car."""

    name = "appointment.no_show"
    appointment: str


@dataclass(frozen=True, kw_only=True)
class AppointmentCheckedIn(DomainEvent):
    """The booked car became repair order ``ro``."""

    name = "appointment.checked_in"
    appointment: str
    ro: str


# ------------------------------------------------------------------ parts requests (领料)
@dataclass(frozen=True, kw_only=True)
class PartsRequested(DomainEvent):
    """A bay asked the parts counter for parts against the order; ``paused``: the
    technician's clock was paused as waiting for them."""

    name = "parts.requested"
    ro: str
    request: str
    by: str
    bay: str
    paused: bool = False


@dataclass(frozen=True, kw_only=True)
class PartsCancelled(DomainEvent):
    """The bay no longer needs the parts it asked for."""

    name = "parts.cancelled"
    ro: str
    request: str
    by: str
    bay: str


@dataclass(frozen=True, kw_only=True)
class PartsPicked(DomainEvent):
    """The parts counter began picking a request."""

    name = "parts.picked"
    ro: str
    request: str
    by: str
    bay: str


@dataclass(frozen=True, kw_only=True)
class PartsReady(DomainEvent):
    """The parts are there for the bay: ready at the counter, or ``delivered`` to the bay."""

    name = "parts.ready"
    ro: str
    request: str
    by: str
    bay: str
    delivered: bool = False


@dataclass(frozen=True, kw_only=True)
class PartsNotInStock(DomainEvent):
    """A part asked for is not in stock; ``expected_at``: when the counter expects it."""

    name = "parts.not_in_stock"
    ro: str
    request: str
    by: str
    bay: str
    expected_at: datetime | None = None


# ------------------------------------------------------------------ help calls (安灯)
@dataclass(frozen=True, kw_only=True)
class HelpCalled(DomainEvent):
    """A technician at ``bay`` called for help of a ``kind``; the call is numbered from the
    day's counter."""

    name = "help.called"
    call: str
    kind: str
    bay: str
    by: str

    def counters(self) -> tuple[str, ...]:
        return ("help:" + self.call.split("-")[1],)


@dataclass(frozen=True, kw_only=True)
class HelpAcknowledged(DomainEvent):
    """Someone answered the call and is on the way (``by``: a page's user or a badge)."""

    name = "help.acknowledged"
    call: str
    bay: str
    by: str


@dataclass(frozen=True, kw_only=True)
class HelpEscalated(DomainEvent):
    """A call unanswered for long enough went up a tier, to ``to``: due at ``due``, seen
    by the core at ``at``."""

    name = "help.escalated"
    call: str
    bay: str
    tier: int
    to: str
    due: datetime


@dataclass(frozen=True, kw_only=True)
class HelpClosed(DomainEvent):
    """The call is over, saying what was done."""

    name = "help.closed"
    call: str
    bay: str
    by: str
