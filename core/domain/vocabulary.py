"""The workshop's vocabularies, each declared once: job statuses, pause reasons, finding
severities, bay kinds, roles, job types, appointment states, priorities and what a call to
confirm a booking came to. The wire contract, the configuration, the kiosk and the boards all
take them from here (the values are the stored and wire names)."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    CHECKED_IN = "checked_in"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    SELF_CHECKED = "self_checked"
    LEADER_CHECKED = "leader_checked"
    WASH_WAITING = "wash_waiting"
    WASHING = "washing"
    READY = "ready"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


#: Statuses in which the car is still in the workshop (shown on the boards).
OPEN_STATUSES = frozenset(
    {
        JobStatus.CHECKED_IN,
        JobStatus.DISPATCHED,
        JobStatus.IN_PROGRESS,
        JobStatus.PAUSED,
        JobStatus.SELF_CHECKED,
        JobStatus.LEADER_CHECKED,
        JobStatus.WASH_WAITING,
        JobStatus.WASHING,
        JobStatus.READY,
    }
)

#: Statuses of a job that has left the building but may still change: the follow-up call,
#: a clock correction. The live workshop does not keep such jobs (a site that makes its
#: calls elsewhere would keep every car it ever delivered); a command that names one
#: brings it back from storage for that command.
RECALLED_STATUSES = frozenset({JobStatus.DELIVERED})

#: Statuses in which a job can still be changed: in the building, or recalled.
LIVE_STATUSES = OPEN_STATUSES | RECALLED_STATUSES

#: Statuses in which a job sits in a bay's queue.
BAY_STATUSES = frozenset({JobStatus.DISPATCHED, JobStatus.IN_PROGRESS, JobStatus.PAUSED})


class Priority(StrEnum):
    """How soon a job is to be worked: an urgent one (加急) goes ahead of the normal ones in
    whatever bay's queue it stands."""

    NORMAL = "normal"
    URGENT = "urgent"


#: A bay's queue is worked by priority first (lower rank first), then in its order.
PRIORITY_RANK: dict[Priority, int] = {Priority.URGENT: 0, Priority.NORMAL: 1}


class PauseReason(StrEnum):
    WAITING_PARTS = "waiting_parts"
    WAITING_APPROVAL = "waiting_approval"
    TOOL = "tool"
    BREAK = "break"
    SHIFT_END = "shift_end"
    SIGNED_OUT = "signed_out"
    OTHER = "other"


#: The reasons a technician taps; ``signed_out`` is the workshop's own, at sign-out.
TAPPED_PAUSE_REASONS: tuple[PauseReason, ...] = tuple(
    r for r in PauseReason if r is not PauseReason.SIGNED_OUT
)


class PartsState(StrEnum):
    """Where a bay's parts request (领料) stands at the parts counter."""

    REQUESTED = "requested"
    PICKING = "picking"
    READY = "ready"
    DELIVERED = "delivered"
    NOT_IN_STOCK = "not_in_stock"
    CANCELLED = "cancelled"


#: The requests the parts counter still has to act on; the others are done with.
OPEN_PARTS_STATES = frozenset({PartsState.REQUESTED, PartsState.PICKING, PartsState.NOT_IN_STOCK})
#: The parts are there for the bay: the wait is over.
SERVED_PARTS_STATES = frozenset({PartsState.READY, PartsState.DELIVERED})


class Severity(StrEnum):
    SAFETY = "safety"
    RECOMMENDED = "recommended"
    ADVISORY = "advisory"


class FindingState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class BayKind(StrEnum):
    GENERAL = "general"
    ALIGNMENT = "alignment"
    BODY = "body"
    PAINT = "paint"
    WASH = "wash"
    QC = "qc"


#: Bays that are stations of the workflow (final inspection, the wash), not places a job is
#: dispatched to: an operation done there takes no bay's or technician's planned time.
STATION_KINDS = frozenset({BayKind.WASH, BayKind.QC})


class Role(StrEnum):
    TECHNICIAN = "technician"
    LEADER = "leader"
    QC = "qc"
    WASHER = "washer"


#: The stations list jobs from every bay by their stage, not by their bay: what the QC
#: station and the wash bay show, and so which changes redraw them.
STATION_STATUSES: dict[BayKind, frozenset[JobStatus]] = {
    BayKind.QC: frozenset({JobStatus.SELF_CHECKED, JobStatus.LEADER_CHECKED}),
    BayKind.WASH: frozenset({JobStatus.WASH_WAITING, JobStatus.WASHING}),
}


class HelpKind(StrEnum):
    """Whom a technician calls to the bay from the kiosk (安灯呼叫)."""

    FOREMAN = "foreman"
    LEADER = "team_leader"
    DIAGNOSTIC = "diagnostic"
    QC = "qc"
    PARTS = "parts"
    SAFETY = "safety"


class HelpState(StrEnum):
    """Where a help call stands: called, someone on the way, closed with what was done."""

    CALLED = "called"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class StaffRole(StrEnum):
    """Who signs in to the web pages, and so what they may see and do."""

    FOREMAN = "foreman"
    ADVISOR = "advisor"
    QC = "qc"
    MANAGER = "manager"
    #: The parts counter (配件/备件): the bays' parts requests, picked and handed out.
    PARTS = "parts"


class FollowUpOutcome(StrEnum):
    """What the follow-up call (回访) came to: the manuals' five levels, a complaint (the
    customer complains: a case is opened), or nobody answered."""

    VERY_GOOD = "very_good"
    GOOD = "good"
    FAIR = "fair"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"
    COMPLAINT = "complaint"
    UNREACHABLE = "unreachable"


#: The five levels of satisfaction, best first, with the score each counts as (a complaint
#: counts as the lowest).
SATISFACTION: dict[FollowUpOutcome, int] = {
    FollowUpOutcome.VERY_GOOD: 5,
    FollowUpOutcome.GOOD: 4,
    FollowUpOutcome.FAIR: 3,
    FollowUpOutcome.DISSATISFIED: 2,
    FollowUpOutcome.VERY_DISSATISFIED: 1,
    FollowUpOutcome.COMPLAINT: 1,
}

#: The outcomes that say what the customer was not happy with.
UNHAPPY = frozenset(
    {FollowUpOutcome.DISSATISFIED, FollowUpOutcome.VERY_DISSATISFIED, FollowUpOutcome.COMPLAINT}
)


class Dissatisfaction(StrEnum):
    """What a customer was not happy with (不满意原因)."""

    ATTITUDE = "attitude"  # service attitude
    REPAIR_QUALITY = "repair_quality"
    PRICE = "price"
    TIME = "time"
    PARTS_SUPPLY = "parts_supply"
    OTHER = "other"


class KeyState(StrEnum):
    NONE = "none"
    IN_CABINET = "in_cabinet"
    OUT = "out"
    RETURNED = "returned"


class JobType(StrEnum):
    """What brings the car in, as the advisor books it (工单类型)."""

    MAINTENANCE = "maintenance"
    REPAIR = "repair"
    WARRANTY = "warranty"
    ACCIDENT = "accident"
    RECALL = "recall"
    QUICK_SERVICE = "quick_service"
    COMEBACK = "comeback"  # 返修: the car is back for work done here before


#: The final inspection's checklists (总检单), item ids whose words are ``inspection.{id}``.
#: What every final inspection looks at, whatever brought the car in.
_ALWAYS = ("work_done", "no_warning_lights", "fasteners", "no_leaks", "covers_removed")

#: The final inspection's checklist of each job type (item ids, in the order they are shown).
CHECKLISTS: dict[JobType, tuple[str, ...]] = {
    JobType.MAINTENANCE: (*_ALWAYS, "fluid_levels", "service_reminder_reset", "tyre_pressure"),
    JobType.QUICK_SERVICE: (*_ALWAYS, "fluid_levels", "service_reminder_reset"),
    JobType.REPAIR: (*_ALWAYS, "fault_fixed"),
    JobType.WARRANTY: (*_ALWAYS, "fault_fixed", "old_parts_tagged"),
    JobType.ACCIDENT: (*_ALWAYS, "panel_gaps", "paint_finish", "lights_work"),
    JobType.RECALL: (*_ALWAYS, "recall_label"),
    JobType.COMEBACK: (*_ALWAYS, "fault_fixed", "first_fix_reviewed"),
}

#: The job types whose car is road-tested before it passes: a fault is proven fixed on the
#: road, not in the bay. Other cars may be road-tested too; it is recorded either way.
ROAD_TEST_NEEDED = frozenset({JobType.REPAIR, JobType.WARRANTY, JobType.COMEBACK, JobType.ACCIDENT})


class HandoverItem(StrEnum):
    """The advisor's checklist before delivery (内部交车): the workshop hands the car to the
    advisor, who checks it before the customer sees it."""

    INSPECTED = "inspected"  # every operation done, the final inspection signed
    FAULT_FIXED = "fault_fixed"  # the customer's complaint is gone
    OLD_PARTS = "old_parts"  # the old parts ready, when the customer keeps them
    CLEAN = "clean"  # clean inside and out
    NOTHING_LEFT = "nothing_left"  # no tools, covers or rags left in the car
    KEY_IN_CABINET = "key_in_cabinet"  # the key back on its hook


class NoticeKind(StrEnum):
    """What the advisor is told of their car as it happens (我的车辆)."""

    FINDING = "finding"
    AT_RISK = "at_risk"
    WASHING = "washing"
    READY = "ready"
    #: A part the bay asked for is not in stock: the promise may not hold.
    PARTS_SHORT = "parts_short"


class CallTime(StrEnum):
    """When the customer would rather take the follow-up call (回访), asked at delivery."""

    ANY = "any"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    WEEKEND = "weekend"


class AppointmentState(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class CallOutcome(StrEnum):
    """What the call the day before a booking (预约确认电话) came to."""

    CONFIRMED = "confirmed"
    NO_ANSWER = "no_answer"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


#: Appointments that hold their reception slot and count against the day's capacity.
HOLDING_STATES = frozenset(
    {AppointmentState.BOOKED, AppointmentState.ARRIVED, AppointmentState.CHECKED_IN}
)


class MarkKind(StrEnum):
    """What the advisor marks on the car's outline at the walk-around (环车检查)."""

    SCRATCH = "scratch"  # 划痕
    DENT = "dent"  # 凹陷
    CRACK = "crack"  # 裂纹
    CHIP = "chip"  # 掉漆 / 崩点


class CarZone(StrEnum):
    """Where on the car's outline a mark is: the panels an advisor walks past."""

    FRONT_BUMPER = "front_bumper"
    BONNET = "bonnet"
    WINDSCREEN = "windscreen"
    ROOF = "roof"
    REAR_WINDOW = "rear_window"
    BOOT = "boot"
    REAR_BUMPER = "rear_bumper"
    LEFT_FRONT_WING = "left_front_wing"
    LEFT_FRONT_DOOR = "left_front_door"
    LEFT_REAR_DOOR = "left_rear_door"
    LEFT_REAR_WING = "left_rear_wing"
    RIGHT_FRONT_WING = "right_front_wing"
    RIGHT_FRONT_DOOR = "right_front_door"
    RIGHT_REAR_DOOR = "right_rear_door"
    RIGHT_REAR_WING = "right_rear_wing"
    LEFT_FRONT_WHEEL = "left_front_wheel"
    RIGHT_FRONT_WHEEL = "right_front_wheel"
    LEFT_REAR_WHEEL = "left_rear_wheel"
    RIGHT_REAR_WHEEL = "right_rear_wheel"


#: The fuel gauge as read at reception, empty to full.
FUEL_LEVELS = ("E", "1/4", "1/2", "3/4", "F")


class CarDocument(StrEnum):
    """Papers the customer leaves with the car at reception, listed at the walk-around."""

    REGISTRATION = "registration"  # 行驶证
    INSURANCE = "insurance"  # 保险单
    SERVICE_BOOK = "service_book"  # 保养手册
    WARRANTY = "warranty"  # 质保卡
