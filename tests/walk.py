"""A random walk through the workshop for property tests: hypothesis rules for every step
of the workflow, mostly plausible (open jobs, their bays, the right people), some nonsense.

Subclasses say what must hold after each step (``after_step``) and always (invariants).
Pure domain: the walk imports nothing but the domain."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from core.domain.appointment import Booking, BookingChanges
from core.domain.booking_rules import BookingRules
from core.domain.errors import DomainError
from core.domain.events import DomainEvent, SignInRefused
from core.domain.handover import all_ticked
from core.domain.help_calls import DEFAULT_TIERS
from core.domain.inspection import Inspection, complete
from core.domain.model import (
    OPEN_STATUSES,
    Bay,
    BayKind,
    Customer,
    DamageMark,
    FindingState,
    FollowUpOutcome,
    JobStatus,
    KeyState,
    Operation,
    PartLine,
    PauseReason,
    Priority,
    Role,
    Severity,
    Technician,
    TechnicianState,
    Vehicle,
    WalkAroundSheet,
)
from core.domain.order_changes import PROMISABLE
from core.domain.vocabulary import (
    AppointmentState,
    CallOutcome,
    CarZone,
    HelpKind,
    JobType,
    MarkKind,
)
from core.domain.workshop import CheckIn, NewFinding, OrderChanges, Workshop

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
BAYS = ["B01", "B02", "W01", "Q01"]
TECHS = ["T001", "T002", "T005", "Q001", "W001"]
_R = Role
_T = TypeVar("_T")


def fresh() -> Workshop:
    """Two general bays, the wash bay and the QC station; leaders, an inspector, a washer."""
    bays = [
        Bay("B01", "1号工位", BayKind.GENERAL, "A"),
        Bay("B02", "2号工位", BayKind.GENERAL, "B"),
        Bay("W01", "洗车位", BayKind.WASH),
        Bay("Q01", "总检工位", BayKind.QC),
    ]
    techs = [
        Technician("T001", "王建国", "A", frozenset({_R.TECHNICIAN, _R.LEADER})),
        Technician("T002", "李强", "A"),
        Technician("T005", "陈刚", "B", frozenset({_R.TECHNICIAN, _R.LEADER})),
        # The inspector may do the leader check and the final inspection of one car.
        Technician("Q001", "赵敏", None, frozenset({_R.QC, _R.LEADER}), may_check_twice=True),
        Technician("W001", "周洁", None, frozenset({_R.WASHER})),
    ]
    return Workshop(
        site="demo",
        bays={b.id: b for b in bays},
        technicians={t.id: t for t in techs},
        operation_kinds={"T010": BayKind.ALIGNMENT},  # no alignment lift: forced, or refused
        # Reception from the walk's first moment, so booked cars come, are late or not seen.
        booking_rules=BookingRules(reception_opens=time(1, 0), reception_closes=time(12, 0)),
        help_tiers={kind: DEFAULT_TIERS for kind in HelpKind if kind is not HelpKind.PARTS},
    )


SERVICE = Operation("M010", "小保养", 1.0, "Minor service")
ALIGNMENT = Operation("T010", "四轮定位", 1.0, "Four-wheel alignment")
#: Work booked: an hour, or a long job that fills a team's day (8.5 h for team B).
BOOKED_WORK = [(SERVICE,), (Operation("R010", "更换正时皮带", 6.0, "Timing belt"),)]


PLATES = ["京A12345", "沪AD12345", "京B67890", "粤B3C456", "苏E12345", "浙A12345", "京a 12345"]


def order(
    plate: str, key_tag: str | None, wash: bool, ro: str | None = None, alignment: bool = False
) -> CheckIn:
    return CheckIn(
        vehicle=Vehicle(plate=plate, model="别克 GL8", colour="白", vin="LSGUA84L0FE000001"),
        customer=Customer(name="王先生", phone="13800138000"),
        operations=(ALIGNMENT,) if alignment else (SERVICE,),
        promised_at=T0 + timedelta(hours=4),
        advisor="SA01",
        key_tag=key_tag,
        wash_requested=wash,
        ro=ro,
    )


#: Work added to an order later: an oil change, or a line with nonsense hours (refused).
MORE_WORK = [
    (),
    (Operation("M020", "换机油", 0.5, "Oil change"),),
    (Operation("M099", "错", -1.0),),
]


@dataclass(frozen=True)
class JobMark:
    """A job as it stands: its whole state (as text, cheap to compare) and where it is."""

    state: str
    status: JobStatus
    bay: str | None


@dataclass(frozen=True)
class Snapshot:
    """Everything a step may change, taken down."""

    jobs: dict[str, JobMark]
    techs: dict[str, TechnicianState]
    counters: dict[str, int]
    refusals: tuple[SignInRefused, ...]
    appointments: dict[str, str]
    help_calls: dict[str, str]

    @classmethod
    def of(cls, ws: Workshop) -> Snapshot:
        # A dataclass's repr shows every field, nested ones too: equal repr, equal state.
        jobs = {ro: JobMark(repr(j), j.status, j.bay) for ro, j in ws.jobs.items()}
        techs = {t: replace(s) for t, s in ws.tech_states.items()}
        booked = {a: repr(appt) for a, appt in ws.appointments.items()}
        calls = {c: repr(call) for c, call in ws.help_calls.items()}
        return cls(jobs, techs, dict(ws.counters), tuple(ws.refusals), booked, calls)


S = JobStatus
A = AppointmentState
#: The statuses each step of the workflow starts from.
WANTS = {
    "update_order": set(OPEN_STATUSES),
    "dispatch": {S.CHECKED_IN, S.DISPATCHED, S.PAUSED},
    "start": {S.DISPATCHED, S.PAUSED, S.IN_PROGRESS},
    "resume": {S.PAUSED},
    "pause": {S.IN_PROGRESS},
    "finding": {S.IN_PROGRESS, S.PAUSED},
    "self_check": {S.IN_PROGRESS, S.PAUSED},
    "leader_check": {S.SELF_CHECKED},
    "qc": {S.LEADER_CHECKED},
    "wash_start": {S.WASH_WAITING},
    "wash_done": {S.WASHING},
    "deliver": {S.READY},
    "follow_up": {S.DELIVERED},
    "cancel": {S.CHECKED_IN, S.DISPATCHED, S.PAUSED, S.IN_PROGRESS, S.SELF_CHECKED},
    "reorder": {S.DISPATCHED, S.PAUSED},
    "pin": {S.CHECKED_IN, S.DISPATCHED, S.PAUSED},
    "priority": {S.CHECKED_IN, S.DISPATCHED, S.PAUSED, S.IN_PROGRESS},
    "walk_around": set(OPEN_STATUSES),
    "promise_call": set(PROMISABLE),
    "finding_work": {S.CHECKED_IN, S.DISPATCHED, S.PAUSED, S.IN_PROGRESS},
    "notice": set(OPEN_STATUSES),
    "parts": {S.DISPATCHED, S.IN_PROGRESS, S.PAUSED},
}
#: A one-pixel PNG: the domain holds a signature to being a PNG, not to what it shows.
SIGNED = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
    "DwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
LEADERS = ["T001", "T005", "Q001"]
#: The steps that take a car on through the workflow.
ONWARD = {
    "dispatch",
    "start",
    "pause",
    "resume",
    "finding",
    "answer",
    "self_check",
    "leader_check",
    "final_inspection",
    "wash_start",
    "wash_done",
    "deliver",
    "follow_up",
}


#: The parts counter's ways with a request, taken in turn across the walks.
_COUNTER_TURNS = itertools.count()


class WorkshopWalk(RuleBasedStateMachine):
    """The workshop under random steps; every step goes through ``step``.

    Each step of the workflow is taken only where it is plausible (a fitting job, someone
    at its bay), so the walk reaches every stage; ``nonsense`` takes any step with any
    arguments, for the refusals."""

    def __init__(self) -> None:
        super().__init__()
        self.ws = fresh()
        self.now = T0
        self.reached: set[JobStatus] = set()

    # ------------------------------------------------------------ the hooks
    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        """What must hold after a step that the workshop took."""

    def after_refusal(self, before: Snapshot, err: DomainError) -> None:
        """What must hold after a step the workshop refused."""

    def step(self, action: Callable[[datetime], object]) -> None:
        before = Snapshot.of(self.ws)
        self.ws.take_events()
        try:
            action(self.now)
        except DomainError as err:
            assert err.code and str(err)
            self.after_refusal(before, err)
            return
        self.after_step(before, self.ws.take_events())
        self.reached.update(j.status for j in self.ws.jobs.values())

    # ------------------------------------------------------------ choosing
    def fitting(self, name: str) -> list[str]:
        return sorted(j.ro for j in self.ws.jobs.values() if j.status in WANTS[name])

    def _job(self, data: st.DataObject, name: str) -> str:
        return data.draw(st.sampled_from(self.fitting(name)), label="ro")

    def _at_its_bay(self, data: st.DataObject, name: str) -> tuple[str, str, str]:
        """A fitting job and someone at its bay (signed in there first when nobody is)."""
        ro = self._job(data, name)
        bay = self.ws.jobs[ro].bay or "B01"
        here = sorted(t for t, s in self.ws.tech_states.items() if s.bay == bay)
        if not here or data.draw(st.booleans(), label="another technician"):
            tech = data.draw(st.sampled_from(["T001", "T002", "T005"]), label="tech")
            self.step(lambda at: self.ws.sign_in(tech, bay, at))
            here = [tech]
        return ro, data.draw(st.sampled_from(here), label="tech"), bay

    def _signed_in(self, tech: str, bay: str) -> None:
        state = self.ws.tech_states.get(tech)
        if state is None or state.bay != bay:
            self.step(lambda at: self.ws.sign_in(tech, bay, at))

    # ------------------------------------------------------------ the rules
    @initialize(cars=st.integers(1, 3), wash=st.booleans())
    def cars_arrive(self, cars: int, wash: bool) -> None:
        for n in range(cars):
            self.step(partial(self.ws.check_in, order(PLATES[n], f"TAG{n + 1}", wash)))

    @rule(data=st.data(), minutes=st.integers(0, 15))
    def act(self, data: st.DataObject, minutes: int) -> None:
        """Time passes, then one step of those that fit the workshop as it is; every other
        step or so one that moves a car on, so that cars get through to the end among the
        many steps beside the way (orders changed, keys read, refusals, corrections)."""
        self.now += timedelta(minutes=minutes)
        steps = [name for name, fits in self._steps() if fits]
        onward = [name for name in steps if name in ONWARD]
        if bool(onward) and data.draw(st.booleans(), label="a car moves on"):
            steps = onward
        name = data.draw(st.sampled_from(steps), label="step")
        getattr(self, "do_" + name)(data)

    def _steps(self) -> list[tuple[str, bool]]:
        fits = self.fitting
        clocked = any(j.segments for j in self.ws.jobs.values())
        return [
            ("check_in", len(self.ws.open_jobs()) < 5),
            ("update_order", bool(fits("update_order"))),
            ("walk_around", bool(fits("walk_around"))),
            ("dispatch", bool(fits("dispatch"))),
            ("sign_in_or_out", True),
            ("sign_in_refused", True),
            ("start", bool(fits("start"))),
            ("resume", bool(fits("resume"))),
            ("pause", bool(fits("pause"))),
            ("finding", bool(fits("finding"))),
            ("answer", any(j.pending_findings() for j in self.ws.jobs.values())),
            ("self_check", bool(fits("self_check"))),
            ("leader_check", bool(fits("leader_check"))),
            ("final_inspection", bool(fits("qc"))),
            ("wash_start", bool(fits("wash_start"))),
            ("wash_done", bool(fits("wash_done"))),
            ("deliver", bool(fits("deliver"))),
            ("follow_up", bool(fits("follow_up"))),
            ("cancel", bool(fits("cancel"))),
            # The foreman's order of a queue: a job put before another, or marked urgent.
            ("queue", bool(fits("priority"))),
            # …or put on a bay at a time (passed: refused).
            ("pin", bool(fits("pin"))),
            ("key", True),
            ("shift_end", True),
            ("adjust_clock", clocked),
            ("insert_pause", clocked),
            ("move_clock", clocked),
            # The advisor's own: a promise agreed again, an approved finding's work, a notice.
            ("promise_call", bool(fits("promise_call"))),
            ("finding_work", any(j.findings for j in self.ws.jobs.values())),
            ("notice", bool(fits("notice"))),
            # The bay asks the parts counter for parts (领料), and the counter answers.
            ("parts", bool(fits("parts"))),
            # The appointment book's seven steps behind one name, a few times over: often
            # enough to take each of them, seldom enough to leave the cars their way.
            *[("appointments", True)] * 3,
            ("nonsense", True),
            # A help call (安灯) once someone works at a bay: called, answered, closed, gone
            # up its tiers; an open call is come back to sooner, to see it through.
            *[("help", any(s.bay for s in self.ws.tech_states.values()))]
            * (3 if self.ws.open_help_calls() else 1),
        ]

    def _booking_steps(self) -> list[tuple[str, bool]]:
        return [
            ("book", True),
            ("call", bool(self.booked({A.BOOKED}))),
            ("change_booking", bool(self.booked({A.BOOKED}))),
            ("cancel_booking", bool(self.booked({A.BOOKED, A.ARRIVED, A.NO_SHOW}))),
            ("arrive", bool(self.booked({A.BOOKED, A.NO_SHOW}))),
            ("no_shows", bool(self.booked({A.BOOKED}))),
            (
                "check_in_booked",
                len(self.ws.open_jobs()) < 5 and bool(self.booked({A.BOOKED, A.ARRIVED})),
            ),
        ]

    def booked(self, states: set[AppointmentState]) -> list[str]:
        return sorted(a.id for a in self.ws.appointments.values() if a.state in states)

    # ------------------------------------------------------------ the steps
    def do_check_in(self, data: st.DataObject) -> None:
        """A car at reception: numbered by the day's counter or by the dealer system (the
        same number twice is refused), its key on a free hook of a small cabinet or none."""
        # Often a car not in the building; now and then one that is (typed otherwise).
        plate = data.draw(st.sampled_from(PLATES), label="plate")
        wash = data.draw(st.booleans(), label="wash")
        ro = data.draw(st.sampled_from([None, None, "RO-DMS-1"]), label="dealer's number")
        slots = data.draw(st.sampled_from([0, 2]), label="key hooks")
        tag = next((t for t in ("TAG1", "TAG2", "TAG3") if self.ws._job_for_tag(t) is None), None)
        aligned = data.draw(st.sampled_from([False] * 4 + [True]), label="an alignment")
        new = order(plate, tag, wash, ro, aligned)
        self.step(lambda at: self.ws.check_in(new, at, key_slots=slots))

    def do_walk_around(self, data: st.DataObject) -> None:
        """The walk-around of a car in: signed after the valuables reminder, or not (refused)."""
        ro = self._job(data, "walk_around")
        sheet = WalkAroundSheet(
            marks=(DamageMark(MarkKind.SCRATCH, CarZone.BONNET),),
            fuel_level=data.draw(st.sampled_from(["1/4", "F", "half"]), label="fuel"),
            mileage_km=data.draw(st.integers(0, 300_000), label="km"),
            valuables_reminded=data.draw(st.booleans(), label="reminded"),
            signature=data.draw(st.sampled_from([SIGNED, ""]), label="signature"),
        )
        self.step(lambda at: self.ws.record_walk_around(ro, sheet, "SA01", at))

    def do_update_order(self, data: st.DataObject) -> None:
        """The advisor changes an open order; more work or the wash, too late, is refused."""
        ro = self._job(data, "update_order")

        def perhaps(values: st.SearchStrategy[_T], label: str) -> _T | None:
            return data.draw(st.none() | values, label=label)

        changes = OrderChanges(
            promised_at=perhaps(st.sampled_from([T0 + timedelta(hours=6)]), "promise"),
            requests=perhaps(st.sampled_from(["", "检查异响"]), "requests"),
            customer_waiting=perhaps(st.booleans(), "waiting"),
            wash_requested=perhaps(st.booleans(), "wash"),
            keep_old_parts=perhaps(st.booleans(), "old parts"),
            add_operations=data.draw(st.sampled_from(MORE_WORK), label="more work"),
        )
        self.step(lambda at: self.ws.update_order(ro, changes, at))

    def do_dispatch(self, data: st.DataObject) -> None:
        ro = self._job(data, "dispatch")
        bay = data.draw(st.sampled_from(["B01", "B02"]), label="bay")
        team = data.draw(st.sampled_from([None, "A", "B"]), label="team")
        force, why = data.draw(st.sampled_from([(False, ""), (True, "定位仪借用"), (True, "")]))
        self.step(lambda at: self.ws.dispatch(ro, bay, at, team=team, force=force, reason=why))

    def do_sign_in_or_out(self, data: st.DataObject) -> None:
        tech = data.draw(st.sampled_from(TECHS), label="tech")
        state = self.ws.tech_states.get(tech)
        if state is not None and state.bay and data.draw(st.booleans(), label="out"):
            bay = state.bay
            self.step(lambda at: self.ws.sign_out(tech, bay, at))
        else:
            bay = data.draw(st.sampled_from(BAYS), label="bay")
            self.step(lambda at: self.ws.sign_in(tech, bay, at))

    def do_sign_in_refused(self, data: st.DataObject) -> None:
        """A wrong PIN, or a badge that is nobody's, at a kiosk (of a bay unknown: refused)."""
        bay = data.draw(st.sampled_from([*BAYS, "Z99"]), label="kiosk bay")
        by = data.draw(st.sampled_from([*TECHS, None, "T999"]), label="by")
        misses = data.draw(st.integers(1, 5), label="misses")
        lockout = data.draw(st.sampled_from([0, 30, 300]), label="lockout")
        self.step(lambda at: self.ws.sign_in_refused(bay, by, misses, lockout, at))

    def do_start(self, data: st.DataObject) -> None:
        ro, tech, bay = self._at_its_bay(data, "start")
        self.step(lambda at: self.ws.start(ro, tech, bay, at))

    def do_resume(self, data: st.DataObject) -> None:
        """Whoever paused the job takes it up again at its bay (someone else: refused)."""
        ro = self._job(data, "resume")
        job = self.ws.jobs[ro]
        paused = sorted(s.tech for s in job.segments if s.end is None and s.kind == "pause")
        tech = data.draw(st.sampled_from([*paused, "T001", "T002", "T005"]), label="tech")
        bay = job.bay or "B01"
        self._signed_in(tech, bay)
        self.step(lambda at: self.ws.resume(ro, tech, bay, at))

    def do_pause(self, data: st.DataObject) -> None:
        ro = self._job(data, "pause")
        job = self.ws.jobs[ro]
        tech = data.draw(st.sampled_from(job.working_techs()), label="tech")
        reason = data.draw(st.sampled_from(list(PauseReason)), label="reason")
        self.step(lambda at: self.ws.pause(ro, tech, job.bay or "", reason, at))

    def do_finding(self, data: st.DataObject) -> None:
        ro, tech, bay = self._at_its_bay(data, "finding")
        fid = data.draw(st.sampled_from(["F1", "F2"]), label="finding")
        new = NewFinding(fid, "刹车片", Severity.SAFETY, 1.0)
        self.step(lambda at: self.ws.report_finding(ro, tech, bay, new, at))

    def do_answer(self, data: st.DataObject) -> None:
        pending = sorted((j.ro, f.id) for j in self.ws.jobs.values() for f in j.pending_findings())
        ro, fid = data.draw(st.sampled_from(pending), label="finding")
        yes = data.draw(st.booleans(), label="yes")
        self.step(lambda at: self.ws.answer_finding(ro, fid, yes, "SA01", at))

    def do_self_check(self, data: st.DataObject) -> None:
        ro, tech, bay = self._at_its_bay(data, "self_check")
        self.step(lambda at: self.ws.self_check(ro, tech, bay, at))

    def do_leader_check(self, data: st.DataObject) -> None:
        ro = self._job(data, "leader_check")
        who = data.draw(st.sampled_from(LEADERS), label="leader")
        bay = "Q01" if who == "Q001" else self.ws.jobs[ro].bay or "B01"
        self._signed_in(who, bay)
        self.step(lambda at: self.ws.leader_check(ro, who, bay, at))

    def do_final_inspection(self, data: st.DataObject) -> None:
        ro = self._job(data, "qc")
        self._signed_in("Q001", "Q01")
        job = self.ws.jobs[ro]
        if job.checks[-1].by == "Q001" and job.checks_override is None:
            # The inspector did the leader check: a manager's leave, besides the site's.
            self.step(lambda at: self.ws.allow_same_checker(ro, "周日一人值班", "M001", at))
        if data.draw(st.sampled_from([True, False, True]), label="passed"):
            done = complete(self.ws.jobs[ro].job_type)  # a short one: among the nonsense
            self.step(lambda at: self.ws.qc_pass(ro, "Q001", "Q01", at, done))
        else:
            self.step(lambda at: self.ws.qc_fail(ro, "Q001", "Q01", ["扭矩"], at))

    def do_wash_start(self, data: st.DataObject) -> None:
        ro = self._job(data, "wash_start")
        self._signed_in("W001", "W01")
        self.step(lambda at: self.ws.wash_start(ro, "W001", "W01", at))

    def do_wash_done(self, data: st.DataObject) -> None:
        ro = self._job(data, "wash_done")
        self._signed_in("W001", "W01")
        self.step(lambda at: self.ws.wash_done(ro, "W001", "W01", at))

    def do_deliver(self, data: st.DataObject) -> None:
        ro = self._job(data, "deliver")
        job = self.ws.jobs[ro]
        tag = job.key_tag
        if tag and job.key.state is not KeyState.IN_CABINET:  # the key brought back first
            self.step(lambda at: self.ws.key_in(tag, "KC1", None, at, ro=ro))
        if job.handover is None:  # the advisor's checklist
            self.step(lambda at: self.ws.check_handover(ro, all_ticked(job), "SA01", at))
        self.step(lambda at: self.ws.deliver(ro, at))

    def do_follow_up(self, data: st.DataObject) -> None:
        """The follow-up call: a good one, nobody answering (tried again), or a complaint,
        which then gets things done about it and is resolved (resolved before anything was
        done: refused)."""
        ro = self._job(data, "follow_up")
        job = self.ws.jobs[ro]
        if job.complaint is not None and job.complaint.open:
            if data.draw(st.booleans(), label="act on the complaint"):
                self.step(lambda at: self.ws.complaint_action(ro, "回电致歉", "SM01", at))
            else:
                self.step(lambda at: self.ws.resolve_complaint(ro, "免费复检", "SM01", at))
            return
        outcome = data.draw(
            st.sampled_from(
                [FollowUpOutcome.GOOD, FollowUpOutcome.UNREACHABLE, FollowUpOutcome.COMPLAINT]
            ),
            label="outcome",
        )
        said = ["time"] if outcome is FollowUpOutcome.COMPLAINT else []
        self.step(lambda at: self.ws.record_follow_up(ro, outcome, "", "SA01", at, categories=said))

    def do_cancel(self, data: st.DataObject) -> None:
        ro = self._job(data, "cancel")
        self.step(lambda at: self.ws.cancel(ro, "客户取消", at))

    def do_promise_call(self, data: st.DataObject) -> None:
        """The advisor calls the customer and agrees a new promise (one passed: refused)."""
        ro = self._job(data, "promise_call")
        hours = data.draw(st.sampled_from([2, 5, -1]), label="new promise, hours on")
        promised = self.now + timedelta(hours=hours)
        self.step(lambda at: self.ws.record_promise_call(ro, promised, "", "SA01", at))

    def do_finding_work(self, data: st.DataObject) -> None:
        """An approved finding's work added (any other finding's, or none: refused)."""
        with_findings = sorted(j.ro for j in self.ws.jobs.values() if j.findings)
        answered = [
            ro
            for ro in self.fitting("finding_work")
            if any(f.state is FindingState.APPROVED for f in self.ws.jobs[ro].findings)
        ]
        pending = [ro for ro in self.fitting("finding_work") if self.ws.jobs[ro].pending_findings()]
        if not answered and pending:  # the customer says yes first, as the desk relays it
            ro = data.draw(st.sampled_from(pending), label="ro")
            fid = self.ws.jobs[ro].pending_findings()[0].id
            self.step(lambda at: self.ws.answer_finding(ro, fid, True, "SA01", at))
            answered = [ro]
        ro = data.draw(st.sampled_from(answered or with_findings), label="ro")
        findings = self.ws.jobs[ro].findings
        approved = [f.id for f in findings if f.state is FindingState.APPROVED]
        fid = data.draw(st.sampled_from(approved or [f.id for f in findings]), label="finding")
        work = data.draw(st.sampled_from([MORE_WORK[1], *MORE_WORK]), label="work")
        self.step(lambda at: self.ws.add_finding_work(ro, fid, work, at))

    def do_notice(self, data: st.DataObject) -> None:
        """The car goes at risk (the engine's look at the predictions), and its advisor
        acknowledges the notice, or one that is not there."""
        ro = self._job(data, "notice")
        raised = self.ws.watch_promises({ro: self.now + timedelta(hours=9)}, self.now)
        known = [n.id for n in raised] or sorted(self.ws.notices)
        ident = data.draw(st.sampled_from([*known, "at_risk-RO-X-0"]), label="notice")
        self.step(lambda at: self.ws.acknowledge_notice(ro, ident, "SA01", at))

    def do_parts(self, data: st.DataObject) -> None:
        """The bay asks for parts, pausing its clock or not, or names nothing (refused); or
        the counter answers a request."""
        asked = sorted((j.ro, r.id) for j in self.ws.jobs.values() for r in j.parts_requests)
        if asked and not data.draw(st.booleans(), label="the bay asks again"):
            self._parts_counter(*data.draw(st.sampled_from(asked), label="request"))
            return
        ro, tech, bay = self._at_its_bay(data, "parts")
        ident = data.draw(st.sampled_from(["PR1", "PR2"]), label="request")
        lines = data.draw(st.sampled_from([[PartLine("机滤", 1, "P-OF")], []]), label="lines")
        pause = data.draw(st.booleans(), label="pause")
        self.step(lambda at: self.ws.request_parts((ro, tech, bay), ident, lines, at, pause))
        if self.ws.jobs[ro].parts_request(ident) is not None:
            self._parts_counter(ro, ident)  # the counter answers (the walk seldom comes back)

    def _parts_counter(self, ro: str, ident: str) -> None:
        """The counter takes a request one of its ways, or the bay cancels it; the ways in
        turn rather than drawn (draws keep to the first few of a list), so the walk takes
        each, and each way ends with a step out of turn (refused, once it is done with)."""
        ws, later = self.ws, self.now + timedelta(days=1)
        request = ws.jobs[ro].parts_request(ident)
        assert request is not None
        steps: dict[str, Callable[[datetime], object]] = {
            "pick": lambda at: ws.pick_parts(ro, ident, "PC01", at),
            "ready": lambda at: ws.parts_ready(ro, ident, "PC01", at),
            "deliver": lambda at: ws.parts_ready(ro, ident, "PC01", at, delivered=True),
            "short": lambda at: ws.parts_not_in_stock(ro, ident, "PC01", at, later),
            "cancel": lambda at: ws.cancel_parts((ro, request.tech, request.bay), ident, at),
        }
        ways = [
            ["pick", "ready", "deliver", "pick"],
            ["short", "ready", "cancel"],
            ["cancel", "ready"],
            ["deliver", "short"],
        ]
        for name in ways[next(_COUNTER_TURNS) % len(ways)]:
            if name == "cancel":
                self._signed_in(request.tech, request.bay)
            self.step(steps[name])

    def do_help(self, data: st.DataObject) -> None:
        """A call from a bay by someone there (or not: refused) when none is open; else an
        open one answered or closed, or gone up its tiers after a while; now and then one
        that is not there."""
        ws = self.ws
        open_calls = ws.open_help_calls()
        if not open_calls:
            bay = data.draw(st.sampled_from(["B01", "B02"]), label="bay")
            tech = data.draw(st.sampled_from(TECHS), label="tech")
            self._signed_in(tech, bay)
            kind = data.draw(st.sampled_from(list(HelpKind)), label="kind")
            self.step(lambda at: ws.call_help(bay, tech, kind, at, "需要帮忙"))
            return
        call = open_calls[0]
        ident = data.draw(st.sampled_from([call.id, call.id, call.id, "H-X"]), label="call")
        if call.acknowledged_at is not None:  # answered: closed (or said nothing: refused)
            done = data.draw(st.sampled_from(["已处理", "已处理", "已处理", " "]), label="outcome")
            self.step(lambda at: ws.close_help(ident, "T001", done, at))
            return
        what = data.draw(st.sampled_from(["answer", "answer", "escalate"]), label="what")
        if what == "escalate":
            self.now += timedelta(minutes=data.draw(st.integers(0, 20), label="later"))
            self.step(lambda at: ws.escalate_help(at))
        else:
            self.step(lambda at: ws.acknowledge_help(ident, "F1", at))

    def do_queue(self, data: st.DataObject) -> None:
        if bool(self.fitting("reorder")) and data.draw(st.booleans(), label="reorder"):
            self.do_reorder(data)
        else:
            self.do_priority(data)

    def do_reorder(self, data: st.DataObject) -> None:
        """The foreman puts a queued job before another of its bay's queue, or last (one of
        another bay or priority, or the job itself: refused)."""
        ro = self._job(data, "reorder")
        bay = self.ws.jobs[ro].bay
        ahead = [r for r, j in sorted(self.ws.jobs.items()) if j.bay == bay and r != ro]
        # A place in its own queue first (most of those are taken), then any job or itself.
        choices = [None, *ahead, ro, *sorted(self.ws.jobs)]
        ahead_of = data.draw(st.sampled_from(choices), label="ahead")
        self.step(lambda at: self.ws.put_before(ro, ahead_of, at))

    def do_pin(self, data: st.DataObject) -> None:
        """The foreman drops a job on a bay's row at a time: moved there, or on its own bay,
        to be started then (a time passed, another kind of bay without a reason: refused)."""
        ro = self._job(data, "pin")
        bay = data.draw(st.sampled_from(["B01", "B02", self.ws.jobs[ro].bay or "B01"]))
        start = self.now + timedelta(minutes=data.draw(st.integers(-30, 600), label="in"))
        force, why = data.draw(st.sampled_from([(False, ""), (True, "定位仪借用"), (True, "")]))
        self.step(lambda at: self.ws.dispatch_at(ro, bay, start, at, force=force, reason=why))

    def do_priority(self, data: st.DataObject) -> None:
        ro = self._job(data, "priority")
        priority = data.draw(st.sampled_from(list(Priority)), label="priority")
        self.step(lambda at: self.ws.set_priority(ro, priority, at))

    def do_key(self, data: st.DataObject) -> None:
        """A key reader's read, by its tag alone or naming the order (a tag the order has
        not yet, or another order's: refused)."""
        tag = data.draw(st.sampled_from(["TAG1", "TAG2", "TAG9"]), label="tag")
        ro = data.draw(st.sampled_from([None, None, *sorted(self.ws.jobs)]), label="ro")
        if data.draw(st.booleans(), label="in"):
            slot = data.draw(st.sampled_from([None, 7]), label="slot")
            self.step(lambda at: self.ws.key_in(tag, "KC1", slot, at, ro=ro))
        else:
            holder = data.draw(st.sampled_from(TECHS), label="holder")
            self.step(lambda at: self.ws.key_out(tag, "KC1", None, at, holder=holder, ro=ro))

    def do_shift_end(self, data: st.DataObject) -> None:
        self.step(lambda at: self.ws.pause_everyone(PauseReason.SHIFT_END, at))

    # The foreman's corrections: an earlier start, a forgotten pause, a stretch moved.
    def _stretch(
        self, data: st.DataObject, finished: bool = False
    ) -> tuple[str, str, datetime, datetime | None]:
        """A stretch of someone's clock on a job (a finished one, mostly, when ``finished``)."""
        stretches = sorted(
            ((j.ro, s.tech, s.start, s.end) for j in self.ws.jobs.values() for s in j.segments),
            key=lambda x: x[:3],
        )
        ended = [s for s in stretches if s[3] is not None]
        if finished and ended and not data.draw(st.booleans(), label="running"):
            stretches = ended
        return data.draw(st.sampled_from(stretches), label="stretch")

    def do_adjust_clock(self, data: st.DataObject) -> None:
        ws = self.ws
        ro, tech, start, end = self._stretch(data)
        earlier = start - timedelta(minutes=data.draw(st.integers(1, 30), label="earlier"))
        self.step(lambda at: ws.adjust_clock(ro, tech, start, earlier, end, "晚点了", at))

    def do_insert_pause(self, data: st.DataObject) -> None:
        ws = self.ws
        ro, tech, start, _ = self._stretch(data)
        a, b = start + timedelta(minutes=1), start + timedelta(minutes=2)
        reason = PauseReason.BREAK
        self.step(lambda at: ws.insert_pause(ro, tech, start, a, b, reason, "午饭", at))

    def do_move_clock(self, data: st.DataObject) -> None:
        """Mostly a finished stretch to another job the technician has no clock on (their
        clocks must not overlap); a running clock, the same job or none is refused."""
        ws = self.ws
        ro, tech, start, _ = self._stretch(data, finished=True)
        others = sorted(r for r in ws.jobs if r != ro)
        free = [r for r in others if all(s.tech != tech for s in ws.jobs[r].segments)]
        targets = free or others
        if not targets or data.draw(st.booleans(), label="any job"):
            targets = [*others, ro, "RO-X"]
        to = data.draw(st.sampled_from(targets), label="to")
        self.step(lambda at: ws.move_clock(ro, tech, start, to, "记错单", at))

    # The appointment book: slots of the day, full days forced or refused, the day itself.
    def _booking(self, data: st.DataObject) -> Booking:
        """Mostly one of an advisor's next free slots, sometimes a slot taken, a buffer,
        or a time off the quarter hours; an hour's work or a long job."""
        advisor = data.draw(st.sampled_from(["SA01", "SA02"]), label="advisor")
        day = self.now.date() + timedelta(days=data.draw(st.integers(0, 1), label="days on"))
        slots = self.ws.free_slots(advisor, day, after=self.now)
        odd = [datetime(day.year, day.month, day.day, 1, 45, tzinfo=UTC), self.now]
        taken = [a.start for a in self.ws.appointments.values() if a.advisor == advisor]
        start = data.draw(st.sampled_from(slots[:4] or odd), label="slot")  # the next few
        if data.draw(st.integers(0, 4), label="an odd time") == 0:
            start = data.draw(st.sampled_from(odd + taken), label="odd time")
        return Booking(
            customer=Customer(name="李女士", phone="13900139000"),
            vehicle=Vehicle(plate="沪A88888"),
            operations=data.draw(st.sampled_from(BOOKED_WORK), label="work"),
            start=start,
            advisor=advisor,
            job_type=data.draw(st.sampled_from(list(JobType)), label="job type"),
            team=data.draw(st.sampled_from([None, None, "A", "B"]), label="team"),
        )

    def do_appointments(self, data: st.DataObject) -> None:
        """One step of the appointment book, of those that fit it as it is."""
        steps = [name for name, fits in self._booking_steps() if fits]
        getattr(self, "do_" + data.draw(st.sampled_from(steps), label="booking step"))(data)

    def _forcing(self, data: st.DataObject) -> tuple[bool, str]:
        return data.draw(st.sampled_from([(False, ""), (True, "老客户"), (True, " ")]))

    def do_book(self, data: st.DataObject) -> None:
        booking = self._booking(data)
        force, why = self._forcing(data)
        self.step(lambda at: self.ws.book(booking, at, force=force, reason=why))

    def do_change_booking(self, data: st.DataObject) -> None:
        ident = data.draw(st.sampled_from(self.booked({A.BOOKED})), label="appointment")
        other = self._booking(data)
        changes = BookingChanges(
            start=data.draw(st.sampled_from([None, other.start]), label="new time"),
            operations=data.draw(st.sampled_from([None, other.operations]), label="new work"),
            requests=data.draw(st.sampled_from([None, "顺便检查空调"]), label="requests"),
        )
        force, why = self._forcing(data)
        self.step(
            lambda at: self.ws.change_appointment(ident, changes, at, force=force, reason=why)
        )

    def do_cancel_booking(self, data: st.DataObject) -> None:
        ident = data.draw(st.sampled_from(self.booked(set(A))), label="appointment")
        self.step(lambda at: self.ws.cancel_appointment(ident, "客户改期", at))

    def do_arrive(self, data: st.DataObject) -> None:
        ident = data.draw(st.sampled_from(self.booked(set(A))), label="appointment")
        self.step(lambda at: self.ws.mark_arrived(ident, at))

    def do_call(self, data: st.DataObject) -> None:
        """The call the day before (also to a booking settled since: refused)."""
        ident = data.draw(st.sampled_from(self.booked(set(A))), label="appointment")
        outcome = data.draw(st.sampled_from(list(CallOutcome)), label="outcome")
        self.step(lambda at: self.ws.record_call(ident, outcome, "", "advisor:SA01", at))

    def do_no_shows(self, data: st.DataObject) -> None:
        """The sweep for cars not seen, mostly once the first booked car's grace is over."""
        if data.draw(st.booleans(), label="the first booked car's grace over"):
            first = min(self.ws.appointment(a).start for a in self.booked({A.BOOKED}))
            grace = self.ws.booking_rules.no_show_grace
            self.now = max(self.now, first + grace + timedelta(minutes=1))
        self.step(lambda at: self.ws.record_no_shows(at))

    def do_check_in_booked(self, data: st.DataObject) -> None:
        """A booked car checked in (also one cancelled, or already in: refused)."""
        ident = data.draw(st.sampled_from(self.booked(set(A))), label="appointment")
        tag = next((t for t in ("TAG1", "TAG2", "TAG3") if self.ws._job_for_tag(t) is None), None)
        new = order("沪A88888", tag, True)
        self.step(lambda at: self.ws.check_in(new, at, appointment=ident))

    def do_nonsense(self, data: st.DataObject) -> None:
        """Any step with any arguments: mostly refused, and a refusal changes nothing."""
        ws = self.ws
        ro = data.draw(st.sampled_from(["RO-X", *sorted(ws.jobs)]), label="ro")
        tech = data.draw(st.sampled_from(TECHS), label="tech")
        bay = data.draw(st.sampled_from(BAYS), label="bay")
        new = NewFinding("F1", "刹车片", Severity.SAFETY)
        now = self.now
        unhappy = FollowUpOutcome.DISSATISFIED
        changes = OrderChanges(requests="改", add_operations=MORE_WORK[1], wash_requested=False)
        again = order("京A12345", None, False, ro)  # the dealer system sends a number again
        signed = WalkAroundSheet((), "F", 1000, valuables_reminded=True, signature=SIGNED)
        steps: dict[str, Callable[[datetime], object]] = {
            "update_order": lambda at: ws.update_order(ro, changes, at),
            "cancel": lambda at: ws.cancel(ro, "客户取消", at),
            "follow_up": lambda at: ws.record_follow_up(ro, unhappy, "", "SA01", at),
            "adjust_clock": lambda at: ws.adjust_clock(ro, tech, now, now, at, "改", at),
            "insert_pause": lambda at: ws.insert_pause(
                ro, tech, now, now, now, PauseReason.BREAK, "改", at
            ),
            "move_clock": lambda at: ws.move_clock(ro, tech, now, "RO-X", "改", at),
            "sign_in_refused": lambda at: ws.sign_in_refused(bay, tech, 1, 0, at),
            "start": lambda at: ws.start(ro, tech, bay, at),
            "resume": lambda at: ws.resume(ro, tech, bay, at),
            "pause": lambda at: ws.pause(ro, tech, bay, PauseReason.TOOL, at),
            "finding": lambda at: ws.report_finding(ro, tech, bay, new, at),
            "self_check": lambda at: ws.self_check(ro, tech, bay, at),
            "leader_check": lambda at: ws.leader_check(ro, tech, bay, at),
            "qc_pass": lambda at: ws.qc_pass(ro, tech, bay, at, Inspection()),
            "allow_same_checker": lambda at: ws.allow_same_checker(ro, "一人值班", "M001", at),
            "qc_fail": lambda at: ws.qc_fail(ro, tech, bay, ["扭矩"], at),
            "wash_start": lambda at: ws.wash_start(ro, tech, bay, at),
            "wash_done": lambda at: ws.wash_done(ro, tech, bay, at),
            "deliver": lambda at: ws.deliver(ro, at, "经理批准"),
            "check_handover": lambda at: ws.check_handover(ro, ("clean",), "SA01", at),
            "walk_around": lambda at: ws.record_walk_around(ro, signed, "SA01", at),
            "dispatch": lambda at: ws.dispatch(ro, bay, at),
            "pin": lambda at: ws.dispatch_at(ro, bay, now + timedelta(hours=1), at),
            "sign_in": lambda at: ws.sign_in(tech, bay, at),
            "sign_out": lambda at: ws.sign_out(tech, bay, at),
            "answer": lambda at: ws.answer_finding(ro, "F1", True, "SA01", at),
            "reorder": lambda at: ws.put_before(ro, "RO-X", at),
            "priority": lambda at: ws.set_priority(ro, Priority.URGENT, at),
        }
        if ro in ws.jobs:
            steps["check_in"] = lambda at: ws.check_in(again, at)
        steps["key_in"] = lambda at: ws.key_in("TAG1", "KC1", 7, at, ro=ro)
        steps["key_out"] = lambda at: ws.key_out("TAG1", "KC1", 7, at, ro=ro)
        name = data.draw(st.sampled_from(sorted(steps)), label="nonsense")
        self.step(steps[name])
