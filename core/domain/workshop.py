"""The workshop aggregate: every rule of the service workflow, with time injected.

Each method checks everything first and changes state only when the whole step is
legal, so a refused command leaves the workshop exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from . import events as ev
from .aftercare import Aftercare
from .appointment import Appointment
from .appointments import AppointmentBook
from .bay_needs import serves, special_needs
from .clock_corrections import ClockCorrections
from .errors import (
    BayKindNeeded,
    CarInWorkshop,
    DuplicateJob,
    FindingsPending,
    IllegalTransition,
    InvalidData,
    TechnicianBusy,
    TimePassed,
    UnknownFinding,
    WrongBay,
)
from .handover import Handovers
from .help_calls import HelpCalls
from .inspection import Inspection, checker_override, require_complete
from .key_cabinet import KeyCabinet
from .model import (
    BAY_STATUSES,
    OPEN_STATUSES,
    Bay,
    BayKind,
    Check,
    Customer,
    Finding,
    FindingState,
    Job,
    JobStatus,
    JobType,
    Operation,
    PauseReason,
    PriceLine,
    Role,
    Segment,
    Severity,
    TechnicianState,
    Vehicle,
)
from .order_changes import OrderChangesFromDesk
from .parts import PartsRequests
from .plates import plate_key
from .queue_order import QueueOrder
from .reach import require_reach
from .sign_ins import SignIns
from .vocabulary import STATION_KINDS, AppointmentState
from .walkaround import WalkArounds

#: The customer's words on an order: what a job ticket can print (the API's limit too).
MAX_REQUESTS = 500


def _require_short(requests: str) -> None:
    if len(requests) > MAX_REQUESTS:
        raise InvalidData(
            f"the customer's requests are {len(requests)} characters, above {MAX_REQUESTS}"
        )


_MOVABLE = frozenset({JobStatus.CHECKED_IN, JobStatus.DISPATCHED, JobStatus.PAUSED})
_CANCELLABLE = OPEN_STATUSES - {JobStatus.READY}


@dataclass(frozen=True)
class CheckIn:
    """What the advisor fills in at reception (接车)."""

    vehicle: Vehicle
    customer: Customer
    operations: tuple[Operation, ...]
    promised_at: datetime
    advisor: str = ""
    requests: str = ""
    customer_waiting: bool = False
    wash_requested: bool = True
    keep_old_parts: bool = False
    key_tag: str | None = None
    key_slot: int | None = None
    public_token: str = ""
    ro: str | None = None
    #: What brings the car in; a car that turns up unbooked most often has something wrong.
    job_type: JobType = JobType.REPAIR
    #: The charges, when the dealer system prices the order at check-in already.
    prices: tuple[PriceLine, ...] = ()


def booked_check_in(appt: Appointment, promised_at: datetime, **reception: Any) -> CheckIn:
    """The order a booked car is checked in with: its customer, car, work, job type, advisor
    and requests as booked; the promise and what reception adds (``reception``: the key, the
    wash, waiting, the car's mileage…, as CheckIn names them) as given."""
    b = appt.booking
    order = CheckIn(
        vehicle=b.vehicle,
        customer=b.customer,
        operations=b.operations,
        promised_at=promised_at,
        advisor=b.advisor,
        requests=b.requests,
        job_type=b.job_type,
    )
    return replace(order, **reception)


@dataclass(frozen=True)
class OrderChanges:
    """What the advisor or the dealer system may change on an open repair order."""

    promised_at: datetime | None = None
    requests: str | None = None
    customer_waiting: bool | None = None
    wash_requested: bool | None = None
    keep_old_parts: bool | None = None
    add_operations: tuple[Operation, ...] = ()
    job_type: JobType | None = None
    #: The charges as the dealer system priced them now, in place of those sent before.
    prices: tuple[PriceLine, ...] | None = None


@dataclass(frozen=True)
class NewFinding:
    id: str
    title: str
    severity: Severity
    labor_hours: float = 0.0
    parts_estimate: float = 0.0
    note: str = ""


class Workshop(
    ClockCorrections,
    KeyCabinet,
    SignIns,
    AppointmentBook,
    QueueOrder,
    WalkArounds,
    Handovers,
    Aftercare,
    OrderChangesFromDesk,
    PartsRequests,
    HelpCalls,
):
    """All live state of one site; the only place where workflow rules live."""

    # ------------------------------------------------------------- reception
    def check_in(
        self, order: CheckIn, at: datetime, key_slots: int = 0, appointment: str | None = None
    ) -> Job:
        """Open a repair order; the car waits for dispatch (待派工). A booked car's
        ``appointment`` is checked in with it (and marked arrived, if it was not); without
        one, the car's booking of the day if it has one (``awaited_booking``)."""
        booked = None
        if appointment is not None:  # a booked car checked in twice: the booking says so
            booked = self._moving(appointment, AppointmentState.CHECKED_IN, "check in")
        ro = self._new_ro(order, at, key_slots)
        if booked is None:  # the car was booked for today, though checked in as a walk-in
            booked = self.awaited_booking(order.vehicle.plate, at)
        if order.ro is None:
            self._next("ro:" + ro.split("-")[1])
        job = Job(
            ro=ro,
            vehicle=order.vehicle,
            customer=order.customer,
            operations=list(order.operations),
            promised_at=order.promised_at,
            checked_in_at=at,
            # An order sent without its advisor is the booking's advisor's car.
            advisor=order.advisor or (booked.advisor if booked is not None else ""),
            job_type=order.job_type,
            requests=order.requests,
            customer_waiting=order.customer_waiting,
            wash_requested=order.wash_requested,
            keep_old_parts=order.keep_old_parts,
            key_tag=order.key_tag,
            key_slot=order.key_slot,
            public_token=order.public_token,
            prices=list(order.prices),
        )
        if job.key_tag and job.key_slot is None and key_slots:
            job.key_slot = self.free_key_slot(key_slots)
        self.jobs[ro] = job
        self._record(ev.JobCheckedIn(ro=ro, numbered=order.ro is None, at=at))
        if booked is not None:
            self._booked_car_checked_in(booked, ro, at)
        return job

    def _new_ro(self, order: CheckIn, at: datetime, key_slots: int) -> str:
        """The number the order will have; refuses an order that cannot be opened."""
        if not plate_key(order.vehicle.plate):  # blank, or dots and dashes only
            raise InvalidData("a car needs a plate to be checked in")
        _require_short(order.requests)
        require_reach(order.promised_at, "the promise")
        for op in order.operations:
            if op.standard_hours < 0:
                raise InvalidData(f"operation {op.code} has negative standard hours")
        ro = order.ro
        if ro is None:  # numbered by the site's own day: a car in before 08:00 in Shanghai too
            day = self.hours.day_of(at).strftime("%Y%m%d")
            ro = f"RO-{day}-{self.counters.get('ro:' + day, 0) + 1:04d}"
        if ro in self.jobs:  # a dealer system sending an order again is told so first
            raise DuplicateJob(f"repair order {ro} already exists")
        open_order = self.open_job_of_car(order.vehicle.plate)
        if open_order is not None:
            raise CarInWorkshop(
                f"{order.vehicle.plate} is in the workshop on {open_order.ro}: no second order"
                " until that one is delivered or cancelled (work found meanwhile is added to it)"
            )
        if order.key_tag is not None:
            holder = self._job_for_tag(order.key_tag)
            if holder is not None:
                raise InvalidData(f"key tag {order.key_tag} is still on {holder.ro}")
        self._require_hook(order.key_slot, key_slots)
        return ro

    def update_order(self, ro: str, changes: OrderChanges, at: datetime) -> Job:
        """Change an open order: promise, requests, waiting, wash, old parts, more work, the
        job type."""
        job = self.job(ro)
        self._require_status(job, OPEN_STATUSES, "change")
        if changes.add_operations:
            self._may_add_work(job, changes.add_operations)
        if changes.wash_requested is not None and job.status in (
            JobStatus.WASH_WAITING,
            JobStatus.WASHING,
            JobStatus.READY,
        ):
            raise IllegalTransition(f"{ro} is past final inspection; the wash is settled")
        if changes.promised_at is not None and changes.promised_at != job.promised_at:
            if changes.promised_at <= at:
                raise TimePassed(f"the new promise {changes.promised_at.isoformat()} has passed")
            require_reach(changes.promised_at, "the new promise")
            job.promised_at = changes.promised_at
        if changes.requests is not None:
            _require_short(changes.requests)
            job.requests = changes.requests
        if changes.customer_waiting is not None:
            job.customer_waiting = changes.customer_waiting
        if changes.wash_requested is not None:
            job.wash_requested = changes.wash_requested
        if changes.keep_old_parts is not None:
            job.keep_old_parts = changes.keep_old_parts
        if changes.job_type is not None:
            job.job_type = changes.job_type
        job.operations.extend(changes.add_operations)
        if changes.prices is not None:
            job.prices = list(changes.prices)
        self._record(ev.OrderUpdated(ro=ro, at=at))
        return job

    def dispatch(
        self,
        ro: str,
        bay_id: str,
        at: datetime,
        team: str | None = None,
        *,
        force: bool = False,
        reason: str = "",
    ) -> Job:
        """Put a job in a bay's queue (派工), or move it to another bay while no clock runs.
        Work needing a special bay goes to another kind of bay only ``force``d, with a
        ``reason``."""
        job = self.job(ro)
        bay = self.bay(bay_id)
        if bay.kind in STATION_KINDS:
            raise WrongBay(f"jobs are not dispatched to the {bay.kind.value} bay {bay_id}")
        self._require_status(job, _MOVABLE, "dispatch")
        if job.bay == bay_id and job.status is not JobStatus.CHECKED_IN:
            raise IllegalTransition(f"{ro} is already dispatched to bay {bay_id}")
        forced = self._require_bay_suits(job, bay, force, reason)
        if team is not None:
            self.require_team(team)
        from_bay = job.bay
        job.bay = bay_id
        job.team = team or bay.team
        job.dispatch_order = self._next("dispatch")
        job.pinned_start = None  # a time on the bay it left holds on no other
        if job.dispatched_at is None:  # the first dispatch: how long the car waited for it
            job.dispatched_at = at
        if job.status is JobStatus.CHECKED_IN:
            job.status = JobStatus.DISPATCHED
        self._record(
            ev.JobDispatched(
                ro=ro, bay=bay_id, from_bay=from_bay, team=job.team, forced=forced, at=at
            )
        )
        return job

    def dispatch_at(
        self,
        ro: str,
        bay_id: str,
        start: datetime,
        at: datetime,
        team: str | None = None,
        *,
        force: bool = False,
        reason: str = "",
    ) -> Job:
        """Put a job in a bay's queue, move it there or keep it on its bay, to be started
        no sooner than ``start`` (the foreman dropped it on the bay's row at that time): the
        plan works it from then, and the rest of the queue around it. Moved from another
        bay as ``dispatch`` moves it, by the same rules."""
        if start.tzinfo is None:
            raise InvalidData(f"the time {ro} is to start at needs a time zone")
        if start <= at:
            raise TimePassed(f"{ro} cannot be planned from {start.isoformat()}: it has passed")
        require_reach(start, f"the time {ro} is to start at")
        job = self.job(ro)
        if job.bay != bay_id or job.status is JobStatus.CHECKED_IN:
            self.dispatch(ro, bay_id, at, team, force=force, reason=reason)
        else:
            self._require_status(job, _MOVABLE, "plan")
        job.pinned_start = start
        self._record(ev.StartPinned(ro=ro, bay=bay_id, start=start, at=at))
        return job

    def _require_bay_suits(self, job: Job, bay: Bay, force: bool, reason: str) -> str | None:
        """None when the bay suits the job's work; the reason it goes there all the same."""
        needs = special_needs(job.operations, self.operation_kinds)
        if serves(bay.kind, needs):
            return None
        kinds = " or ".join(sorted(k.value for k in needs))
        if not force:
            raise BayKindNeeded(f"{job.ro} needs a {kinds} bay; {bay.id} is {bay.kind.value}")
        if not reason.strip():
            raise InvalidData(f"sending {job.ro} to {bay.id}, not a {kinds} bay, needs a reason")
        return reason.strip()

    def cancel(self, ro: str, reason: str, at: datetime) -> Job:
        """The order cancelled before the car is ready, always saying why."""
        job = self.job(ro)
        self._require_status(job, _CANCELLABLE, "cancel")
        if not reason.strip():
            raise InvalidData(f"cancelling {ro} needs a reason")
        was = job.status
        released = self._stop_all_clocks(job, at)
        job.status = JobStatus.CANCELLED
        job.cancelled_reason = reason
        self._record(
            ev.JobCancelled(
                ro=ro, was=was, from_bay=job.bay, reason=reason, released=released, at=at
            )
        )
        return job

    def _stop_all_clocks(self, job: Job, at: datetime) -> tuple[str, ...]:
        """Close every open work and pause segment; returns the technicians set free."""
        released: list[str] = []
        for seg in [s for s in job.segments if s.end is None]:
            seg.end = max(at, seg.start)
            if seg.kind == "work" and self._release_tech(seg.tech, job.ro):
                released.append(seg.tech)
        return tuple(released)

    def _release_tech(self, tech: str, ro: str) -> bool:
        state = self.tech_states.get(tech)
        if state is not None and state.active_job == ro:
            self.put_tech_state(replace(state, active_job=None))
            return True
        return False

    # ------------------------------------------------------------ technicians
    def sign_in(self, tech_id: str, bay_id: str, at: datetime) -> TechnicianState:
        self.bay(bay_id)
        state = self.tech_state(tech_id)
        if state.active_job is not None:
            raise TechnicianBusy(
                f"technician {tech_id} is clocked on {state.active_job}; pause it first"
            )
        from_bay = state.bay if state.bay != bay_id else None
        new = TechnicianState(id=tech_id, bay=bay_id, signed_in_at=at, came_from=from_bay)
        self.put_tech_state(new)
        self._record(
            ev.TechSignedIn(
                tech=tech_id, bay=bay_id, from_bay=from_bay, notice_at=state.came_from, at=at
            )
        )
        return new

    def sign_out(self, tech_id: str, bay_id: str, at: datetime) -> TechnicianState:
        """Sign out; a running clock is paused so no clock runs with nobody there."""
        state = self._require_signed_in(tech_id, bay_id)
        if state.active_job is not None:
            job = self.jobs[state.active_job]
            self._pause_clock(job, tech_id, PauseReason.SIGNED_OUT, at)
        new = TechnicianState(id=tech_id)
        self.put_tech_state(new)
        self._record(ev.TechSignedOut(tech=tech_id, bay=bay_id, notice_at=state.came_from, at=at))
        return new

    def pause_everyone(self, reason: PauseReason, at: datetime) -> list[str]:
        """Pause every running clock (e.g. at shift end); returns the jobs paused."""
        paused: list[str] = []
        # A clock runs only on a job in progress (the property tests hold it to that).
        for job in self.jobs_in({JobStatus.IN_PROGRESS}):
            for tech in job.working_techs():
                self._pause_clock(job, tech, reason, at)
                state = self.tech_states.get(tech)
                if state is not None:
                    self.put_tech_state(replace(state, active_job=None))
                paused.append(job.ro)
        return paused

    # ------------------------------------------------------------ bay work
    def start(self, ro: str, tech_id: str, bay_id: str, at: datetime) -> Job:
        """A technician clocks on a job at its bay (also how a second technician joins)."""
        at = self._clock_moment(self.job(ro), tech_id, at)
        job = self._start_clock(ro, tech_id, bay_id, at)
        self._record(ev.JobStarted(ro=ro, tech=tech_id, bay=bay_id, at=at))
        return job

    def _start_clock(self, ro: str, tech_id: str, bay_id: str, at: datetime) -> Job:
        job = self.job(ro)
        state = self._require_signed_in(tech_id, bay_id)
        self._require_job_at_bay(job, bay_id)
        self._require_status(job, BAY_STATUSES, "start")
        if state.active_job == ro:
            raise IllegalTransition(f"technician {tech_id} is already working on {ro}")
        if state.active_job is not None:
            raise TechnicianBusy(
                f"technician {tech_id} is clocked on {state.active_job}; pause it first"
            )
        self._close_segment(job, tech_id, at)
        job.segments.append(Segment(tech=tech_id, kind="work", start=at))
        job.status = JobStatus.IN_PROGRESS
        job.pinned_start = None  # its time came, or the bay took it sooner
        self.put_tech_state(replace(state, active_job=ro))
        return job

    def resume(self, ro: str, tech_id: str, bay_id: str, at: datetime) -> Job:
        job = self.job(ro)
        self._require_signed_in(tech_id, bay_id)
        seg = job.open_segment(tech_id)
        if seg is None or seg.kind != "pause":
            raise IllegalTransition(f"technician {tech_id} has no paused clock on {ro}")
        at = self._clock_moment(job, tech_id, at)
        job = self._start_clock(ro, tech_id, bay_id, at)
        self._record(ev.JobResumed(ro=ro, tech=tech_id, bay=bay_id, at=at))
        return job

    def _clock_moment(self, job: Job, tech_id: str, at: datetime) -> datetime:
        """When a step on a technician's clock on a job takes effect: at its own time, but
        never before the clock's last change, nor before the car came in, nor before the
        technician signed in where they are. A late tap, or a device whose clock was set
        back, must not open work or pause time that overlaps what is recorded (or lies
        before the car or the technician was here): it takes effect at that change."""
        latest = job.checked_in_at
        for seg in job.segments:
            if seg.tech == tech_id:
                latest = max(latest, seg.end or seg.start)
        state = self.tech_states.get(tech_id)
        if state is not None and state.signed_in_at is not None:
            latest = max(latest, state.signed_in_at)
        return max(at, latest)

    def _pause_clock(self, job: Job, tech_id: str, reason: PauseReason, at: datetime) -> None:
        at = self._clock_moment(job, tech_id, at)
        self._close_segment(job, tech_id, at)
        job.segments.append(Segment(tech=tech_id, kind="pause", start=at, reason=reason.value))
        self._refresh_clock_status(job)
        self._record(ev.JobPaused(ro=job.ro, tech=tech_id, bay=job.bay, reason=reason, at=at))

    def pause(self, ro: str, tech_id: str, bay_id: str, reason: PauseReason, at: datetime) -> Job:
        job = self.job(ro)
        state = self._require_signed_in(tech_id, bay_id)
        self._require_job_at_bay(job, bay_id)
        seg = job.open_segment(tech_id)
        if seg is None or seg.kind != "work":
            raise IllegalTransition(f"technician {tech_id} is not working on {ro}")
        self._pause_clock(job, tech_id, reason, at)
        self.put_tech_state(replace(state, active_job=None))
        return job

    def report_finding(
        self, ro: str, tech_id: str, bay_id: str, finding: NewFinding, at: datetime
    ) -> Finding:
        """An add-on finding (增项) goes to the advisor; the work waits for the customer."""
        job = self.job(ro)
        self._require_signed_in(tech_id, bay_id)
        self._require_job_at_bay(job, bay_id)
        self._require_status(job, BAY_STATUSES, "report a finding on")
        if not finding.title.strip():
            raise InvalidData("a finding needs a title")
        if finding.labor_hours < 0 or finding.parts_estimate < 0:
            raise InvalidData("labour hours and parts estimate cannot be negative")
        if job.finding(finding.id) is not None:
            raise InvalidData(f"finding {finding.id} is already on {ro}")
        item = Finding(
            id=finding.id,
            title=finding.title,
            severity=finding.severity,
            labor_hours=finding.labor_hours,
            parts_estimate=finding.parts_estimate,
            note=finding.note,
            reported_by=tech_id,
            reported_at=at,
        )
        job.findings.append(item)
        self._record(
            ev.FindingReported(
                ro=ro, finding_id=item.id, severity=item.severity, by=tech_id, bay=bay_id, at=at
            )
        )
        return item

    def answer_finding(
        self, ro: str, finding_id: str, approved: bool, by: str, at: datetime, note: str = ""
    ) -> Finding:
        """Record the customer's yes or no, as relayed by the advisor."""
        job = self.job(ro)
        self._require_status(job, OPEN_STATUSES - {JobStatus.READY}, "answer a finding on")
        item = job.finding(finding_id)
        if item is None:
            raise UnknownFinding(f"no finding {finding_id} on {ro}")
        if item.state is not FindingState.PENDING:
            raise IllegalTransition(f"finding {finding_id} was already {item.state.value}")
        item.state = FindingState.APPROVED if approved else FindingState.DECLINED
        item.answered_at = at
        item.answered_by = by
        item.answer_note = note
        self._record(
            ev.FindingAnswered(ro=ro, finding_id=finding_id, approved=approved, by=by, at=at)
        )
        return item

    def self_check(self, ro: str, tech_id: str, bay_id: str, at: datetime) -> Job:
        """The technician's own check (自检): the bay work is finished, every clock stops."""
        job = self.job(ro)
        self._require_signed_in(tech_id, bay_id)
        self._require_job_at_bay(job, bay_id)
        self._require_status(job, {JobStatus.IN_PROGRESS, JobStatus.PAUSED}, "self-check")
        if job.pending_findings():
            raise FindingsPending(f"{ro} has findings waiting for the customer's answer")
        released = self._stop_all_clocks(job, at)
        job.checks.append(Check(level="self", by=tech_id, at=at))
        job.status = JobStatus.SELF_CHECKED
        self._record(ev.JobSelfChecked(ro=ro, by=tech_id, bay=bay_id, released=released, at=at))
        return job

    def leader_check(
        self,
        ro: str,
        tech_id: str,
        bay_id: str,
        at: datetime,
        notes: str = "",
        recommendations: tuple[str, ...] = (),
    ) -> Job:
        """The team leader's second check (复检), at the job's bay or the QC station, by
        another person than the self-check's; the leader's notes and recommendations are
        kept for the delivery summary. At the QC station the leader is signed in there; at
        the car's bay a leader who comes over from their own work need not be (their badge
        says who they are): they stay where they work, their clock running."""
        job = self.job(ro)
        if self.bay(bay_id).kind is BayKind.QC:
            self._require_signed_in(tech_id, bay_id)
        else:
            self._require_job_at_bay(job, bay_id)
        self._require_role(tech_id, Role.LEADER, "do the leader check")
        self._require_status(job, {JobStatus.SELF_CHECKED}, "leader-check")
        override = checker_override(job, self.technician(tech_id), "leader")
        advice = [r.strip() for r in recommendations if r.strip()]
        job.checks.append(
            Check(
                level="leader",
                by=tech_id,
                at=at,
                notes=notes.strip(),
                recommendations=advice,
                override=override,
            )
        )
        job.status = JobStatus.LEADER_CHECKED
        self._record(
            ev.JobLeaderChecked(
                ro=ro,
                by=tech_id,
                bay=bay_id,
                recommendations=len(advice),
                override=override,
                at=at,
            )
        )
        return job

    def _final_inspection(self, ro: str, tech_id: str, bay_id: str, action: str) -> Job:
        job = self.job(ro)
        self._require_signed_in(tech_id, bay_id)
        self._require_bay_kind(bay_id, BayKind.QC, "final inspection")
        self._require_role(tech_id, Role.QC, f"{action} final inspection")
        self._require_status(job, {JobStatus.LEADER_CHECKED}, f"{action} final inspection of")
        return job

    def qc_pass(
        self,
        ro: str,
        tech_id: str,
        bay_id: str,
        at: datetime,
        inspection: Inspection,
        spot: str = "",
    ) -> Job:
        """Final inspection (总检) passed, by a third person, with the job type's checklist
        ticked and the road test recorded: to the wash, or ready for pickup, parked at
        ``spot`` (竣工停车区; a car going to the wash is parked after it)."""
        job = self._final_inspection(ro, tech_id, bay_id, "pass")
        override = checker_override(job, self.technician(tech_id), "qc")
        require_complete(job, inspection)
        job.checks.append(
            Check(
                level="qc",
                by=tech_id,
                at=at,
                checklist=list(inspection.checked),
                road_test=inspection.road_test,
                road_test_note=inspection.road_test_note.strip(),
                override=override,
            )
        )
        if job.wash_requested:
            job.status = JobStatus.WASH_WAITING
        else:
            job.status = JobStatus.READY
            job.ready_at = at
            job.parking_spot = spot.strip() or None
        self._record(
            ev.QcPassed(
                ro=ro,
                by=tech_id,
                bay=bay_id,
                road_test=inspection.road_test,
                override=override,
                spot=job.parking_spot,
                at=at,
            )
        )
        return job

    def qc_fail(self, ro: str, tech_id: str, bay_id: str, items: list[str], at: datetime) -> Job:
        """Final inspection failed: back to its bay, first in the queue, as rework (返修)."""
        job = self._final_inspection(ro, tech_id, bay_id, "fail")
        override = checker_override(job, self.technician(tech_id), "qc")
        if not items:
            raise InvalidData("a failed inspection names the items that failed")
        job.checks.append(
            Check(level="qc", by=tech_id, at=at, passed=False, items=list(items), override=override)
        )
        job.rework_count += 1
        job.status = JobStatus.DISPATCHED
        # Rework jumps the bay's queue: a negative order sorts before every normal job.
        job.dispatch_order = -self._next("rework")
        self._record(
            ev.QcFailed(ro=ro, by=tech_id, bay=bay_id, items=tuple(items), override=override, at=at)
        )
        return job

    def allow_same_checker(self, ro: str, reason: str, by: str, at: datetime) -> Job:
        """A manager lets one person do two of this car's three checks, saying why."""
        job = self.job(ro)
        self._require_status(job, OPEN_STATUSES, "allow one person two checks of")
        if not reason.strip():
            raise InvalidData("letting one person do two checks needs a reason")
        job.checks_override = reason.strip()
        self._record(ev.ChecksOverrideAllowed(ro=ro, by=by, reason=reason.strip(), at=at))
        return job

    def wash_start(self, ro: str, tech_id: str, bay_id: str, at: datetime) -> Job:
        job = self.job(ro)
        self._require_signed_in(tech_id, bay_id)
        self._require_bay_kind(bay_id, BayKind.WASH, "washing")
        self._require_status(job, {JobStatus.WASH_WAITING}, "start washing")
        job.status = JobStatus.WASHING
        job.wash_started_at = at
        self._record(ev.WashStarted(ro=ro, by=tech_id, bay=bay_id, at=at))
        return job

    def wash_done(self, ro: str, tech_id: str, bay_id: str, at: datetime, spot: str = "") -> Job:
        """Washed: ready for pickup, parked at ``spot`` (竣工停车区) for the advisor."""
        job = self.job(ro)
        self._require_signed_in(tech_id, bay_id)
        self._require_bay_kind(bay_id, BayKind.WASH, "washing")
        self._require_status(job, {JobStatus.WASHING}, "finish washing")
        job.status = JobStatus.READY
        job.ready_at = at
        job.parking_spot = spot.strip() or None
        self._record(ev.WashDone(ro=ro, by=tech_id, bay=bay_id, spot=job.parking_spot, at=at))
        return job
