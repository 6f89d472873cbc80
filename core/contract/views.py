"""Retained views the core publishes: per bay, for the lounge and for the dispatch board
(whose parts, as they travel, are in dispatch_parts.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.contract.help_board import HelpLine
from core.domain.vocabulary import (
    AppointmentState,
    BayKind,
    FindingState,
    JobStatus,
    JobType,
    KeyState,
    PartsState,
    PauseReason,
    Priority,
    Severity,
)

Stage = Literal["checked_in", "waiting", "in_progress", "quality_check", "wash", "ready"]
# What a bay's queue shows of a job: its status, or the pause reasons it waits for.
Readiness = Literal[
    JobStatus.READY,
    PauseReason.WAITING_PARTS,
    PauseReason.WAITING_APPROVAL,
    JobStatus.IN_PROGRESS,
    JobStatus.PAUSED,
]


#: What a predicted ready time counts.
PREDICTED = (
    "When the car is expected ready, to the minute: the work left of the cars ahead of it"
    " in its bay's queue and its own, then the team leader's check, the final inspection and"
    " the wash if asked for, all in the site's working time (from opens_at to the last shift"
    " end): work left at closing goes on at the next opening; null: no prediction"
)


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OperationLine(_View):
    code: str
    name: str
    name_en: str = ""
    standard_hours: float


class FindingLine(_View):
    id: str
    title: str
    severity: Severity
    state: FindingState
    labor_hours: float
    parts_estimate: float
    reported_at: datetime
    answered_at: datetime | None = None
    call_at: datetime | None = Field(
        default=None, description="Unanswered by then: the advisor calls the customer"
    )
    escalate_at: datetime | None = Field(
        default=None, description="Unanswered by then: escalated to the service manager"
    )


class PartsLine(_View):
    """A parts request of the job (领料) and where it stands at the parts counter."""

    id: str
    state: PartsState
    items: list[str] = Field(description="Each part asked for, with its quantity")
    tech: str
    requested_at: datetime
    served_at: datetime | None = Field(
        default=None, description="When the parts were there (ready or brought to the bay)"
    )
    expected_at: datetime | None = Field(
        default=None, description="Not in stock: when the parts counter expects it"
    )
    paused: bool = False


class JobCard(_View):
    """A job as the bay and the foreman see it: no customer name or phone."""

    ro: str
    plate: str
    model: str
    colour: str
    status: JobStatus
    job_type: JobType = Field(default=JobType.REPAIR, description="What brought the car in")
    bay: str | None
    team: str | None
    promised_at: datetime
    predicted_at: datetime | None = Field(description=PREDICTED)
    standard_hours: float
    worked_seconds: float
    running_since: datetime | None = Field(
        description=(
            "Earliest running work clock; worked_seconds is as of updated_at and grows"
            " by one second per second per working technician"
        )
    )
    working_techs: list[str]
    paused_techs: list[str] = Field(
        default=[], description="Technicians whose own clock on this job is paused"
    )
    readiness: Readiness
    pause_reason: PauseReason | None
    priority: Priority = Field(
        default=Priority.NORMAL, description="An urgent job (加急) stands ahead of normal ones"
    )
    operations: list[OperationLine]
    requests: str
    findings: list[FindingLine]
    rework_count: int
    customer_waiting: bool
    wash_requested: bool
    key_state: KeyState
    key_cabinet: str | None = None
    key_slot: int | None = None
    key_holder: str | None = None
    key_since: datetime | None = None
    parts: list[PartsLine] = Field(
        default=[], description="The bay's parts requests (领料), oldest first; none cancelled"
    )
    pinned_start: datetime | None = Field(
        default=None,
        description="When the foreman set the job to start, no sooner: the plan holds it there"
        " until then or until a clock starts on it (a time passed means nothing any more)",
    )
    self_checked_by: str | None = Field(
        default=None,
        description="While the car waits for the leader check (self_checked): the technician"
        " who did its self-check, who may not also do the leader check (unless"
        " checks_override or their may_check_twice says so)",
    )
    checks_override: bool = Field(
        default=False,
        description="The manager let one person do two of this car's checks (the order says why)",
    )


class BoardCard(JobCard):
    """A job card on the foreman's board. It stays the same while its job does (so only the
    cards that changed travel): its work time is taken at ``worked_as_of``, not at the
    time of the message that carries it."""

    worked_as_of: datetime = Field(
        description="When worked_seconds was taken; since then it grows by one second per"
        " second per working technician"
    )

    def worked_at(self, now: datetime) -> float:
        """Work time at ``now``: the card's figure plus what the running clocks added."""
        since = max(0.0, (now - self.worked_as_of).total_seconds())
        return self.worked_seconds + since * len(self.working_techs)


class TechOnBay(_View):
    id: str
    name: str
    active_job: str | None
    signed_in_at: datetime | None
    came_from: str | None = Field(
        default=None, description="Signed in here straight from this other bay"
    )


class TechLeft(_View):
    """A technician who was signed in at this bay and signed in at another one since."""

    id: str
    name: str
    to_bay: str
    at: datetime


class BayState(_View):
    """``bay/{bay}/state``: what the kiosk at that bay shows."""

    v: Literal[1] = 1
    site: str
    bay: str
    name: str
    kind: BayKind
    team: str | None
    techs: list[TechOnBay]
    current: JobCard | None
    queue: list[JobCard] = Field(
        description="The bay's queue in the order it is to be worked; on a workshop bay then"
        " its cars finished there (self_checked) that wait for the team leader's check,"
        " which a leader may do at the bay"
    )
    updated_at: datetime
    left: list[TechLeft] = Field(
        default=[], description="Who moved from here to another bay in the last 30 minutes"
    )
    help: list[HelpLine] = Field(
        default=[], description="The bay's help calls (安灯) not yet closed, oldest first"
    )


class LoungeCar(_View):
    plate: str = Field(description="Masked: province, letter and last two characters")
    model: str
    colour: str
    stage: Stage
    progress: int = Field(ge=0, le=100)
    promised_at: datetime
    predicted_at: datetime | None = Field(description=PREDICTED)
    notice: Literal["ready", "at_risk"] | None


class LoungeView(_View):
    """``view/lounge``: public; carries no names, phone numbers, full plates or VINs."""

    v: Literal[1] = 1
    site: str
    updated_at: datetime
    cars: list[LoungeCar]


class WelcomeArrival(_View):
    """A booked car expected today, as the reception's welcome board shows it."""

    at: datetime = Field(description="The reception slot it is booked for")
    plate: str = Field(description="Masked: province, letter and last two characters")
    model: str
    advisor: str = Field(description="The service advisor's name, who welcomes the car")
    arrived: bool = Field(description="At reception (or already checked in)")


class WelcomeView(_View):
    """``view/welcome``: public, for the welcome board at reception (预约欢迎看板): today's
    booked cars by time; carries no customer's name or phone number, no full plate."""

    v: Literal[1] = 1
    site: str
    updated_at: datetime
    day: date = Field(description="The site's day the arrivals are of")
    arrivals: list[WelcomeArrival] = Field(description="By slot, then plate")


class LoadFill(_View):
    """Standard hours booked on a team or a kind of bay on a day, against what it can do."""

    key: str = Field(description="The team's id, or the kind of bay")
    booked: float
    capacity: float


class DayLoadRow(_View):
    """One day of the schedule: the cars booked and the load on each team and kind of bay."""

    day: date
    cars: int = Field(description="Booked cars holding their time that day")
    teams: list[LoadFill]
    kinds: list[LoadFill]


class BayRow(_View):
    id: str
    name: str
    kind: BayKind
    team: str | None
    techs: list[TechOnBay]
    current: str | None
    queue: list[str]


class DeviceRow(_View):
    device: str
    kind: str
    online: bool
    outbox: int | None = None
    since: datetime | None = None
    problem: str | None = Field(default=None, description="e.g. paper_out, offline")


class TimelineBar(_View):
    """One technician's stretch of work or pause on a job today (a bar of the Gantt)."""

    bay: str
    ro: str
    tech: str
    kind: Literal["work", "pause"]
    reason: PauseReason | None = None
    start: datetime
    end: datetime | None = Field(description="None while it runs")


class PlannedBar(_View):
    """A dispatched job's place in the plan (排班): when its bay is to work it, from the
    queue's order (the job on the lift first) and its remaining standard hours, in working
    hours and around booked cars' time, from the time the foreman pinned it to if any;
    planned again after every change, to the minute."""

    bay: str
    ro: str
    start: datetime
    end: datetime
    pinned: datetime | None = Field(
        default=None,
        description="The time the foreman set it to start at, while the plan holds it there",
    )


class ReservedBlock(_View):
    """Bay time reserved for a booked car (预约): from a little after its reception slot, as
    long as its booked work. No names or phone numbers; the plate is masked."""

    appointment: str
    bay: str
    start: datetime
    end: datetime
    booked_at: datetime = Field(description="The reception slot the car is booked for")
    plate: str = Field(description="Masked: province, letter and last two characters")
    model: str
    state: AppointmentState


class Alert(_View):
    kind: Literal[
        "promise_at_risk",
        "approval_call",
        "approval_escalate",
        "key_out_too_long",
        "device_offline",
        "print_failed",
        "tech_moved",
        "sign_in_refused",
        "sign_in_locked",
        "parts_short",
    ]
    ro: str | None = None
    device: str | None = None
    since: datetime | None = None
    detail: str = Field(
        default="",
        description=(
            "promise_at_risk: the minutes the prediction is after the promise, as a number;"
            " a device's: its problem code; a finding's: its title; a key's: its holder"
        ),
    )


class DispatchView(_View):
    """The foreman's whole board, as the core holds it for its own pages and as a subscriber
    puts it together from the board's retained parts (core/contract/dispatch_parts.py); it
    is never sent as one message."""

    v: Literal[1] = 1
    site: str
    updated_at: datetime
    bays: list[BayRow]
    jobs: list[BoardCard] = Field(description="Every open job, by promised time, then RO")
    waiting_dispatch: list[str] = Field(
        description="Checked in, not dispatched: urgent ones first, then waiting customers,"
        " then by promised time"
    )
    devices: list[DeviceRow]
    timeline: list[TimelineBar] = []
    timeline_from: datetime | None = Field(
        default=None, description="Where the Gantt starts: the working day's opening, padded"
    )
    timeline_to: datetime | None = Field(
        default=None, description="Where the Gantt ends: the day's last shift end, padded"
    )
    planned: list[PlannedBar] = Field(
        default=[], description="Every dispatched job's planned bar, by bay, start and RO"
    )
    reserved: list[ReservedBlock] = Field(
        default=[],
        description="Booked cars' time on their bays within the Gantt's window, by bay, start"
        " and appointment",
    )
    pending_findings: list[str] = Field(
        default=[], description="'{ro}/{finding id}' awaiting the customer, oldest first"
    )
    qc_queue: list[str] = []
    wash_queue: list[str] = []
    ready: list[str] = []
    keys: list[str] = Field(default=[], description="Jobs whose key is out, longest first")
    alerts: list[Alert] = []
