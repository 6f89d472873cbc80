"""The workshop's state and the checks every step shares: lookups, the record of what
happened, counters and the guards that refuse a step before it changes anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from . import events as ev
from .appointment import Appointment
from .bay_needs import OperationKinds
from .booking_rules import BookingRules
from .errors import (
    IllegalTransition,
    InvalidData,
    NotSignedIn,
    UnknownBay,
    UnknownJob,
    UnknownTeam,
    UnknownTechnician,
    WrongBay,
)
from .model import (
    BAY_STATUSES,
    OPEN_STATUSES,
    Bay,
    BayKind,
    Job,
    JobStatus,
    Operation,
    Role,
    Segment,
    Technician,
    TechnicianState,
)
from .notices import Notice
from .plates import names_one_car, plate_key
from .vocabulary import PRIORITY_RANK, STATION_STATUSES
from .working_hours import WorkingHours

if TYPE_CHECKING:  # the help calls' module builds on this one
    from .help_calls import HelpCall, HelpTiers

#: Statuses of a job that left the building: not on the boards' lists, only on the Gantt.
GONE_STATUSES = frozenset(JobStatus) - OPEN_STATUSES


def queue_place(job: Job) -> tuple[int, int]:
    """Where a job stands in its bay's queue: urgent ones first, then in the queue's order
    (rework, numbered below zero, ahead of the rest)."""
    return PRIORITY_RANK[job.priority], job.dispatch_order


def left_at(job: Job) -> datetime | None:
    """When a job that is no longer open left: its handover, or for one cancelled the end
    of its last clock (cancelling stops them); None when it was never worked."""
    if job.delivered_at is not None:
        return job.delivered_at
    ends = [s.end for s in job.segments if s.end is not None]
    return max(ends) if ends else None


def left_since(job: Job, since: datetime | None) -> bool:
    """Whether a job that is no longer open left from ``since`` on (never, given None)."""
    if since is None:
        return False
    left = left_at(job)
    return left is not None and left >= since


@dataclass
class WorkshopState:
    """All live state of one site, and the checks the workflow's steps share."""

    site: str
    bays: dict[str, Bay]
    technicians: dict[str, Technician]
    jobs: dict[str, Job] = field(default_factory=dict)
    tech_states: dict[str, TechnicianState] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    #: What happened since the last take_events(), in order (the only record of change).
    recorded: list[ev.DomainEvent] = field(default_factory=list)
    #: Jobs that left (delivered, closed, cancelled) at or after this moment are kept, for
    #: the dispatch board's Gantt of the day; None: they are let go at once.
    gone_kept_since: datetime | None = None
    #: The newest refused sign-ins, for the foreman's alerts; not stored (the audit log
    #: keeps every one), so a restarted core starts without them.
    refusals: list[ev.SignInRefused] = field(default_factory=list)
    #: Which kind of bay each operation of the catalogue is done at (the site's catalogue
    #: gives it); without it all work is general and no dispatch is refused for its kind.
    operation_kinds: OperationKinds = field(default_factory=dict)
    #: When the workshop works and how bookings are taken (the site's configuration).
    hours: WorkingHours = field(default_factory=WorkingHours)
    booking_rules: BookingRules = field(default_factory=BookingRules)
    #: The bookings still to come, and those of the day (where each one stands).
    appointments: dict[str, Appointment] = field(default_factory=dict)
    #: What the advisors are told of their cars (core/domain/advisor_notices.py): not
    #: stored, like the refusals; the cars last seen at risk; the notices' numbering.
    notices: dict[str, Notice] = field(default_factory=dict)
    promises_at_risk: set[str] = field(default_factory=set)
    notice_seq: int = 0
    #: Help calls (安灯) not yet closed, and the tiers each kind goes up when unanswered
    #: (core/domain/help_calls.py; the tiers are the site's configuration).
    help_calls: dict[str, HelpCall] = field(default_factory=dict)
    help_tiers: HelpTiers = field(default_factory=dict)
    # The jobs filed by status, and those in a bay's queue by bay: a queue or a stage list
    # costs what is in it, not every job known. Filed again whenever a fact names a job
    # (every change of a job is recorded as a fact), so they never drift from the jobs.
    _stages: dict[JobStatus, dict[str, Job]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _queues: dict[str, dict[str, Job]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: The cars finished at a bay that wait there for the leader check, by bay.
    _checks_due: dict[str, dict[str, Job]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _filed: dict[str, tuple[JobStatus, str | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: The bays whose screens list cars by stage (QC, wash), with their stages: a site's
    #: few stations, however many bays it has (its bays are fixed from its configuration).
    _stations: list[tuple[str, frozenset[JobStatus]]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    # The technicians by the bay they are signed in at, and by the bay they came straight
    # from: a bay's screen costs its own people, not every technician of the site. Kept
    # by ``put_tech_state``, the one way a technician's state is set.
    _at_bay: dict[str, dict[str, TechnicianState]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _came_from: dict[str, dict[str, TechnicianState]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for job in self.jobs.values():
            self._file(job)
        for state in self.tech_states.values():
            self._file_tech(state)
        self._stations = [
            (b.id, STATION_STATUSES[b.kind])
            for b in self.bays.values()
            if b.kind in STATION_STATUSES
        ]

    # ----------------------------------------------------------------- lookups
    def job(self, ro: str) -> Job:
        try:
            return self.jobs[ro]
        except KeyError:
            raise UnknownJob(f"no repair order {ro}") from None

    def bay(self, bay_id: str) -> Bay:
        try:
            return self.bays[bay_id]
        except KeyError:
            raise UnknownBay(f"no bay {bay_id}") from None

    def technician(self, tech_id: str) -> Technician:
        try:
            return self.technicians[tech_id]
        except KeyError:
            raise UnknownTechnician(f"no technician {tech_id}") from None

    def require_team(self, team: str) -> None:
        """A team some bay or technician of the site belongs to."""
        teams = {b.team for b in self.bays.values()} | {t.team for t in self.technicians.values()}
        if team not in teams:
            raise UnknownTeam(f"no team {team}")

    def open_job_of_car(self, plate: str) -> Job | None:
        """The open order of the car with this plate, however the plate was typed. A plate
        with no digit (无牌, 临牌 written out) names no one car: none."""
        if not names_one_car(plate):
            return None
        key = plate_key(plate)
        return next((j for j in self.open_jobs() if plate_key(j.vehicle.plate) == key), None)

    def tech_state(self, tech_id: str) -> TechnicianState:
        self.technician(tech_id)
        return self.tech_states.get(tech_id) or TechnicianState(id=tech_id)

    def stations_showing(self, stages: Iterable[JobStatus]) -> set[str]:
        """The stations whose screens list cars in any of these stages."""
        wanted = set(stages)
        return {bay for bay, shown in self._stations if not shown.isdisjoint(wanted)}

    def bay_queue(self, bay_id: str) -> list[Job]:
        """Jobs dispatched to a bay, in the order they are to be worked."""
        return sorted(self._queues.get(bay_id, {}).values(), key=queue_place)

    def bay_queues(self) -> dict[str, list[Job]]:
        """The queue of every bay that has cars in its queue: what is in the building, not
        every bay of a site of hundreds (an empty one is not there)."""
        return {
            bay_id: sorted(queue.values(), key=queue_place)
            for bay_id, queue in self._queues.items()
            if queue
        }

    def awaiting_leader_check(self, bay_ids: Iterable[str]) -> list[Job]:
        """The cars finished (self-checked) at these bays that wait for the leader check,
        by RO: a bay's screen lists them after its queue."""
        jobs = [j for bay in set(bay_ids) for j in self._checks_due.get(bay, {}).values()]
        return sorted(jobs, key=lambda j: j.ro)

    def jobs_in(self, statuses: Iterable[JobStatus]) -> list[Job]:
        """The jobs in these stages, stage by stage in the workflow's order."""
        wanted = frozenset(statuses)
        return [j for s in JobStatus if s in wanted for j in self._stages.get(s, {}).values()]

    def signed_in_by_bay(self) -> dict[str, list[TechnicianState]]:
        """Who is signed in where, for every bay from one pass (in the order of signed_in_at)."""
        out: dict[str, list[TechnicianState]] = {}
        for state in sorted(self.tech_states.values(), key=lambda t: t.id):
            if state.bay is not None:
                out.setdefault(state.bay, []).append(state)
        return out

    def signed_in_at(self, bay_id: str) -> list[TechnicianState]:
        return sorted(self._at_bay.get(bay_id, {}).values(), key=lambda t: t.id)

    def came_from(self, bay_id: str) -> list[TechnicianState]:
        """Technicians whose last sign-in came straight from this bay (wherever they are)."""
        return sorted(self._came_from.get(bay_id, {}).values(), key=lambda t: t.id)

    def open_jobs(self) -> list[Job]:
        return self.jobs_in(OPEN_STATUSES)

    def remember(self, job: Job) -> None:
        """Take a job into the live workshop (loaded, or recalled from storage)."""
        self._unfile(job.ro)
        self.jobs[job.ro] = job
        self._file(job)

    def forget_gone(self, ros: Iterable[str]) -> None:
        """Drop jobs that left the building (delivered, closed, cancelled), unless they left
        since ``gone_kept_since`` (the day's Gantt still shows their work); storage keeps
        them, and a command that names a delivered one brings it back (``remember``)."""
        for ro in ros:
            job = self.jobs.get(ro)
            if job is None or job.status in OPEN_STATUSES:
                continue
            if not left_since(job, self.gone_kept_since):
                self._drop(ro)

    def keep_gone_since(self, since: datetime) -> list[str]:
        """Keep the jobs that left from ``since`` on; when it moved on (a new day), let go
        of those that left before it. Returns the repair orders let go."""
        if self.gone_kept_since is not None and since <= self.gone_kept_since:
            return []
        self.gone_kept_since = since
        earlier = [j.ro for j in self.jobs_in(GONE_STATUSES) if not left_since(j, since)]
        for ro in earlier:
            self._drop(ro)
        return earlier

    def gone_since(self, since: datetime) -> list[Job]:
        """The jobs kept that left the building from ``since`` on (their work of the day)."""
        return [j for j in self.jobs_in(GONE_STATUSES) if left_since(j, since)]

    def take_events(self) -> list[ev.DomainEvent]:
        """Hand over what happened since the last call."""
        out, self.recorded = self.recorded, []
        return out

    def forget_events_since(self, mark: int) -> None:
        """Drop what a refused step recorded before it was refused (it changed nothing)."""
        del self.recorded[mark:]

    # ------------------------------------------------------------- internals
    def _record(self, event: ev.DomainEvent) -> None:
        self.recorded.append(event)
        for ro in event.jobs():
            self._refile(ro)

    def _file(self, job: Job) -> None:
        self._stages.setdefault(job.status, {})[job.ro] = job
        by_bay = self._by_bay(job.status)
        bay = job.bay if by_bay is not None else None
        if by_bay is not None and bay is not None:
            by_bay.setdefault(bay, {})[job.ro] = job
        self._filed[job.ro] = (job.status, bay)

    def _unfile(self, ro: str) -> None:
        filed = self._filed.pop(ro, None)
        if filed is None:
            return
        status, bay = filed
        self._stages[status].pop(ro, None)
        by_bay = self._by_bay(status)
        if by_bay is not None and bay is not None:
            by_bay[bay].pop(ro, None)

    def _by_bay(self, status: JobStatus) -> dict[str, dict[str, Job]] | None:
        """Where a job in this stage is filed by its bay, if anywhere."""
        if status in BAY_STATUSES:
            return self._queues
        return self._checks_due if status is JobStatus.SELF_CHECKED else None

    def _drop(self, ro: str) -> None:
        del self.jobs[ro]
        self._unfile(ro)

    def _refile(self, ro: str) -> None:
        self._unfile(ro)
        job = self.jobs.get(ro)
        if job is not None:
            self._file(job)

    def _next(self, counter: str) -> int:
        value = self.counters.get(counter, 0) + 1
        self.counters[counter] = value
        return value

    def put_tech_state(self, state: TechnicianState) -> None:
        """A technician's state, set (the domain's facts) or loaded (the store)."""
        before = self.tech_states.get(state.id)
        if before is not None:
            self._at_bay.get(before.bay or "", {}).pop(state.id, None)
            self._came_from.get(before.came_from or "", {}).pop(state.id, None)
        self.tech_states[state.id] = state
        self._file_tech(state)

    def _file_tech(self, state: TechnicianState) -> None:
        if state.bay:
            self._at_bay.setdefault(state.bay, {})[state.id] = state
        if state.came_from:
            self._came_from.setdefault(state.came_from, {})[state.id] = state

    def _require_status(self, job: Job, allowed: Iterable[JobStatus], action: str) -> None:
        allowed = frozenset(allowed)
        if job.status not in allowed:
            raise IllegalTransition(
                f"cannot {action} {job.ro}: it is {job.status.value}"
                f" (needs {' or '.join(sorted(s.value for s in allowed))})"
            )

    def _may_add_work(self, job: Job, ops: Iterable[Operation]) -> None:
        """More work goes only on a car not past its bay, and never with negative hours."""
        self._require_status(job, BAY_STATUSES | {JobStatus.CHECKED_IN}, "add work to")
        for op in ops:
            if op.standard_hours < 0:
                raise InvalidData(f"operation {op.code} has negative standard hours")

    def _require_signed_in(self, tech_id: str, bay_id: str) -> TechnicianState:
        self.bay(bay_id)
        state = self.tech_state(tech_id)
        if state.bay != bay_id:
            raise NotSignedIn(f"technician {tech_id} is not signed in at bay {bay_id}")
        return state

    def _require_job_at_bay(self, job: Job, bay_id: str) -> None:
        if job.bay != bay_id:
            raise WrongBay(f"{job.ro} is not dispatched to bay {bay_id}")

    def _require_bay_kind(self, bay_id: str, kind: BayKind, action: str) -> None:
        if self.bay(bay_id).kind is not kind:
            raise WrongBay(f"{action} is done at a {kind.value} bay, not at {bay_id}")

    def _require_role(self, tech_id: str, role: Role, action: str) -> None:
        if role not in self.technician(tech_id).roles:
            raise IllegalTransition(f"technician {tech_id} may not {action} (needs role {role})")

    @staticmethod
    def _close_segment(job: Job, tech: str, at: datetime) -> Segment | None:
        seg = job.open_segment(tech)
        if seg is not None:
            seg.end = max(at, seg.start)
        return seg

    @staticmethod
    def _refresh_clock_status(job: Job) -> None:
        if job.working_techs():
            job.status = JobStatus.IN_PROGRESS
        elif job.status is JobStatus.IN_PROGRESS:
            job.status = JobStatus.PAUSED
