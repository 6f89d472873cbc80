"""The workshop's things: jobs (repair orders), their work, findings, checks and keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .plates import tidy_plate
from .vocabulary import (
    BAY_STATUSES,
    LIVE_STATUSES,
    OPEN_STATUSES,
    RECALLED_STATUSES,
    TAPPED_PAUSE_REASONS,
    BayKind,
    CallTime,
    CarDocument,
    CarZone,
    FindingState,
    FollowUpOutcome,
    JobStatus,
    JobType,
    KeyState,
    MarkKind,
    PartsState,
    PauseReason,
    Priority,
    Role,
    Severity,
)

__all__ = [
    "BAY_STATUSES",
    "LIVE_STATUSES",
    "OPEN_STATUSES",
    "RECALLED_STATUSES",
    "TAPPED_PAUSE_REASONS",
    "Bay",
    "BayKind",
    "CallAttempt",
    "CallTime",
    "Check",
    "Complaint",
    "ComplaintAction",
    "Customer",
    "DamageMark",
    "Finding",
    "FindingState",
    "FollowUp",
    "FollowUpOutcome",
    "Handover",
    "Job",
    "JobStatus",
    "JobType",
    "KeyCustody",
    "KeyState",
    "Operation",
    "PartLine",
    "PartsRequest",
    "PartsState",
    "PauseReason",
    "Priority",
    "Role",
    "Segment",
    "Severity",
    "Technician",
    "TechnicianState",
    "Vehicle",
    "WalkAround",
    "WalkAroundSheet",
]


@dataclass(frozen=True)
class Operation:
    """A labour operation on a repair order, with the standard hours it is paid at."""

    code: str
    name: str
    standard_hours: float
    name_en: str = ""


@dataclass(frozen=True)
class PriceLine:
    """A charge on the order as the dealer system priced it (labour, parts, a discount):
    Pitboard prices nothing itself, and prints prices only when these were sent."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class Vehicle:
    plate: str
    model: str = ""
    colour: str = ""
    vin: str = ""
    mileage_km: int | None = None
    fuel_level: str = ""

    def __post_init__(self) -> None:
        # A plate typed or sent with spaces around it, in small or full-width letters, is
        # the same car: its history, its booking and its order find each other.
        object.__setattr__(self, "plate", tidy_plate(self.plate))


@dataclass(frozen=True)
class Customer:
    name: str = ""
    phone: str = ""


@dataclass
class Segment:
    """One stretch of a technician's clock on a job: work, or a pause with its reason."""

    tech: str
    kind: str  # "work" | "pause"
    start: datetime
    end: datetime | None = None
    reason: str | None = None


@dataclass
class Finding:
    """An add-on finding (增项) from the bay; nothing is done without the customer's yes."""

    id: str
    title: str
    severity: Severity
    labor_hours: float
    parts_estimate: float
    note: str
    reported_by: str
    reported_at: datetime
    state: FindingState = FindingState.PENDING
    answered_at: datetime | None = None
    answered_by: str | None = None
    answer_note: str = ""

    @property
    def declined_safety(self) -> bool:
        """A safety item the customer declined: kept on record, shown at the next visit."""
        return self.state is FindingState.DECLINED and self.severity is Severity.SAFETY


@dataclass(frozen=True)
class PartLine:
    """One item of a parts request: a catalogue part (``code``) or one typed at the bay."""

    name: str
    qty: float = 1.0
    code: str = ""


@dataclass
class PartsRequest:
    """Parts a bay asked the parts counter for (领料), against the repair order, so the
    technician need not leave the bay to fetch them."""

    id: str
    tech: str
    bay: str
    lines: list[PartLine]
    requested_at: datetime
    state: PartsState = PartsState.REQUESTED
    #: The technician's clock was paused as waiting for parts with the request.
    paused: bool = False
    note: str = ""
    picked_at: datetime | None = None
    #: When the parts were there for the bay (ready at the counter, or brought to the bay).
    served_at: datetime | None = None
    delivered_at: datetime | None = None
    short_at: datetime | None = None
    #: When the parts counter expects a part not in stock.
    expected_at: datetime | None = None
    cancelled_at: datetime | None = None
    #: Who at the parts counter acted last.
    by: str = ""


@dataclass
class Check:
    """One of the three checks: self (自检), leader (复检) or final QC (总检)."""

    level: str  # "self" | "leader" | "qc"
    by: str
    at: datetime
    passed: bool = True
    items: list[str] = field(default_factory=list)  # what failed final inspection
    #: The leader's notes and recommendations for the customer (the delivery summary).
    notes: str = ""
    recommendations: list[str] = field(default_factory=list)
    #: Final inspection: the checklist items ticked, and the road test (done, or why not).
    checklist: list[str] = field(default_factory=list)
    road_test: bool | None = None
    road_test_note: str = ""
    #: Why this person could do this check after one of the car's earlier checks: a
    #: manager's reason on the order, or "site" (the site lets this person check twice).
    override: str | None = None


@dataclass
class Handover:
    """The advisor's handover checklist (内部交车), worked through before delivery."""

    by: str
    at: datetime
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DamageMark:
    """One mark on the outline: what (scratch, dent, crack, chip), where, and a word."""

    kind: MarkKind
    zone: CarZone
    note: str = ""


@dataclass(frozen=True)
class WalkAroundSheet:
    """What the advisor and the customer fill in at the car."""

    marks: tuple[DamageMark, ...]
    fuel_level: str
    mileage_km: int
    belongings: tuple[str, ...] = ()
    #: The customer was told to take cash, phones and other valuables out of the car.
    valuables_reminded: bool = False
    documents: tuple[CarDocument, ...] = ()
    #: The customer's signature as drawn on the screen: a PNG data URL.
    signature: str = ""


@dataclass(frozen=True)
class WalkAround:
    """A signed walk-around, with who recorded it and when."""

    ro: str
    sheet: WalkAroundSheet
    by: str
    at: datetime


@dataclass
class KeyCustody:
    state: KeyState = KeyState.NONE
    cabinet: str | None = None
    slot: int | None = None
    holder: str | None = None
    since: datetime | None = None


@dataclass
class FollowUp:
    """The follow-up call that reached the customer (or the last try that did not)."""

    outcome: FollowUpOutcome
    note: str
    by: str
    at: datetime
    categories: list[str] = field(default_factory=list)  # what they were not happy with


@dataclass
class CallAttempt:
    """A follow-up call nobody answered: tried again later."""

    at: datetime
    by: str
    note: str = ""


@dataclass
class ComplaintAction:
    at: datetime
    by: str
    text: str


@dataclass
class Complaint:
    """A complaint case (投诉): whose it is, by when the customer has an answer, what was
    done, and how it was settled; open until it is."""

    opened_at: datetime
    owner: str
    reply_by: datetime
    categories: list[str] = field(default_factory=list)
    note: str = ""
    actions: list[ComplaintAction] = field(default_factory=list)
    resolution: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None


@dataclass
class Job:
    """A repair order (任务委托书) and everything that happened to it."""

    ro: str
    vehicle: Vehicle
    customer: Customer
    operations: list[Operation]
    promised_at: datetime
    checked_in_at: datetime
    advisor: str = ""
    #: What brought the car in, as reception took it (a walk-in, unless said: a repair).
    job_type: JobType = JobType.REPAIR
    requests: str = ""
    customer_waiting: bool = False
    wash_requested: bool = True
    keep_old_parts: bool = False
    key_tag: str | None = None
    key_slot: int | None = None
    status: JobStatus = JobStatus.CHECKED_IN
    bay: str | None = None
    team: str | None = None
    dispatch_order: int = 0  # its place in its bay's queue, among jobs of its priority
    priority: Priority = Priority.NORMAL
    dispatched_at: datetime | None = None  # the first dispatch (moves and rework keep it)
    #: The foreman's pin: the job is planned on its bay from this time, not sooner (dropped
    #: on the bay's row at a time). Let go when a clock starts on it or it moves bay.
    pinned_start: datetime | None = None
    rework_count: int = 0
    segments: list[Segment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    key: KeyCustody = field(default_factory=KeyCustody)
    wash_started_at: datetime | None = None
    ready_at: datetime | None = None
    delivered_at: datetime | None = None
    follow_up: FollowUp | None = None
    call_attempts: list[CallAttempt] = field(default_factory=list)
    complaint: Complaint | None = None
    #: The order's charges as the dealer system sent them (none: none printed).
    prices: list[PriceLine] = field(default_factory=list)
    cancelled_reason: str | None = None
    public_token: str = ""
    #: A manager's reason to let one person do two of this car's three checks.
    checks_override: str | None = None
    #: Where the finished car is parked (竣工停车区), as the wash bay or QC recorded it.
    parking_spot: str | None = None
    handover: Handover | None = None
    #: Delivered without the whole handover: the manager's reason.
    handover_override: str | None = None
    #: When the customer would rather take the follow-up call, asked at delivery.
    call_time: CallTime = CallTime.ANY
    #: The parts the bay asked the parts counter for (领料), oldest first.
    parts_requests: list[PartsRequest] = field(default_factory=list)

    @property
    def standard_hours(self) -> float:
        """Standard hours of the order, approved add-on work included."""
        # Loops, not sums of generators: every prediction and plan asks for every job's.
        ordered = 0.0
        for op in self.operations:
            ordered += op.standard_hours
        approved = 0.0
        for f in self.findings:
            if f.state is FindingState.APPROVED:
                approved += f.labor_hours
        return ordered + approved

    def open_segment(self, tech: str) -> Segment | None:
        for seg in reversed(self.segments):
            if seg.tech == tech and seg.end is None:
                return seg
        return None

    def working_techs(self) -> list[str]:
        return [s.tech for s in self.segments if s.kind == "work" and s.end is None]

    def has_started(self) -> bool:
        return any(s.kind == "work" for s in self.segments)

    def worked_seconds(self, now: datetime) -> float:
        """Clocked work time over all technicians (each clock counts: two techs, double time)."""
        total = 0.0
        for s in self.segments:
            if s.kind == "work":
                total += ((s.end or now) - s.start).total_seconds()
        return total

    def pending_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.state is FindingState.PENDING]

    def finding(self, finding_id: str) -> Finding | None:
        for f in self.findings:
            if f.id == finding_id:
                return f
        return None

    def parts_request(self, request_id: str) -> PartsRequest | None:
        for r in self.parts_requests:
            if r.id == request_id:
                return r
        return None

    @property
    def last_pause_reason(self) -> str | None:
        for s in reversed(self.segments):
            if s.kind == "pause":
                return s.reason
        return None


@dataclass
class TechnicianState:
    """Where a technician is signed in and what their clock is on."""

    id: str
    bay: str | None = None
    signed_in_at: datetime | None = None
    active_job: str | None = None
    # Signed in here straight from another bay (taken off there): both bays are told.
    came_from: str | None = None


@dataclass(frozen=True)
class Bay:
    id: str
    name: str
    kind: BayKind = BayKind.GENERAL
    team: str | None = None


@dataclass(frozen=True)
class Technician:
    id: str
    name: str
    team: str | None = None
    roles: frozenset[Role] = frozenset({Role.TECHNICIAN})
    #: A small shop's word that this person may do two of a car's three checks.
    may_check_twice: bool = False
