"""A random walk through the workshop for property tests: hypothesis rules for every step
of the workflow, mostly plausible (open jobs, their bays, the right people), some nonsense.

Subclasses say what must hold after each step (``after_step``) and always (invariants).
Pure domain: the walk imports nothing but the domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from core.domain.errors import DomainError
from core.domain.events import DomainEvent
from core.domain.model import (
    Bay,
    BayKind,
    Customer,
    FollowUpOutcome,
    JobStatus,
    Operation,
    PauseReason,
    Role,
    Severity,
    Technician,
    TechnicianState,
    Vehicle,
)
from core.domain.workshop import CheckIn, NewFinding, Workshop

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
BAYS = ["B01", "B02", "W01", "Q01"]
TECHS = ["T001", "T002", "T005", "Q001", "W001"]
_R = Role


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
        Technician("Q001", "赵敏", None, frozenset({_R.QC, _R.LEADER})),
        Technician("W001", "周洁", None, frozenset({_R.WASHER})),
    ]
    return Workshop(
        site="demo", bays={b.id: b for b in bays}, technicians={t.id: t for t in techs}
    )


def order(plate: str, key_tag: str | None, wash: bool) -> CheckIn:
    return CheckIn(
        vehicle=Vehicle(plate=plate, model="别克 GL8", colour="白", vin="LSGUA84L0FE000001"),
        customer=Customer(name="王先生", phone="13800138000"),
        operations=(Operation("M010", "小保养", 1.0, "Minor service"),),
        promised_at=T0 + timedelta(hours=4),
        advisor="SA01",
        key_tag=key_tag,
        wash_requested=wash,
    )


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

    @classmethod
    def of(cls, ws: Workshop) -> Snapshot:
        # A dataclass's repr shows every field, nested ones too: equal repr, equal state.
        jobs = {ro: JobMark(repr(j), j.status, j.bay) for ro, j in ws.jobs.items()}
        return cls(jobs, {t: replace(s) for t, s in ws.tech_states.items()}, dict(ws.counters))


S = JobStatus
#: The statuses each step of the workflow starts from.
WANTS = {
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
}
LEADERS = ["T001", "T005", "Q001"]


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
            tag = f"TAG{n + 1}"
            self.step(lambda at, tag=tag: self.ws.check_in(order("京A12345", tag, wash), at))

    @rule(data=st.data(), minutes=st.integers(0, 15))
    def act(self, data: st.DataObject, minutes: int) -> None:
        """Time passes, then one step of those that fit the workshop as it is."""
        self.now += timedelta(minutes=minutes)
        steps = [name for name, fits in self._steps() if fits]
        name = data.draw(st.sampled_from(steps), label="step")
        getattr(self, "do_" + name)(data)

    def _steps(self) -> list[tuple[str, bool]]:
        fits = self.fitting
        return [
            ("check_in", len(self.ws.open_jobs()) < 5),
            ("dispatch", bool(fits("dispatch"))),
            ("sign_in_or_out", True),
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
            ("key", True),
            ("shift_end", True),
            ("correct_clock", any(j.segments for j in self.ws.jobs.values())),
            ("nonsense", True),
        ]

    # ------------------------------------------------------------ the steps
    def do_check_in(self, data: st.DataObject) -> None:
        plate = data.draw(st.sampled_from(["京A12345", "沪AD12345"]), label="plate")
        wash = data.draw(st.booleans(), label="wash")
        tag = next((t for t in ("TAG1", "TAG2", "TAG3") if self.ws._job_for_tag(t) is None), None)
        self.step(lambda at: self.ws.check_in(order(plate, tag, wash), at))

    def do_dispatch(self, data: st.DataObject) -> None:
        ro = self._job(data, "dispatch")
        bay = data.draw(st.sampled_from(["B01", "B02"]), label="bay")
        self.step(lambda at: self.ws.dispatch(ro, bay, at))

    def do_sign_in_or_out(self, data: st.DataObject) -> None:
        tech = data.draw(st.sampled_from(TECHS), label="tech")
        state = self.ws.tech_states.get(tech)
        if state is not None and state.bay and data.draw(st.booleans(), label="out"):
            bay = state.bay
            self.step(lambda at: self.ws.sign_out(tech, bay, at))
        else:
            bay = data.draw(st.sampled_from(BAYS), label="bay")
            self.step(lambda at: self.ws.sign_in(tech, bay, at))

    def do_start(self, data: st.DataObject) -> None:
        ro, tech, bay = self._at_its_bay(data, "start")
        self.step(lambda at: self.ws.start(ro, tech, bay, at))

    def do_resume(self, data: st.DataObject) -> None:
        ro, tech, bay = self._at_its_bay(data, "resume")
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
        if data.draw(st.booleans(), label="passed"):
            self.step(lambda at: self.ws.qc_pass(ro, "Q001", "Q01", at))
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
        self.step(lambda at: self.ws.deliver(ro, at))

    def do_follow_up(self, data: st.DataObject) -> None:
        ro = self._job(data, "follow_up")
        self.step(lambda at: self.ws.record_follow_up(ro, FollowUpOutcome.GOOD, "", "SA01", at))

    def do_cancel(self, data: st.DataObject) -> None:
        ro = self._job(data, "cancel")
        self.step(lambda at: self.ws.cancel(ro, "客户取消", at))

    def do_key(self, data: st.DataObject) -> None:
        tag = data.draw(st.sampled_from(["TAG1", "TAG2", "TAG9"]), label="tag")
        if data.draw(st.booleans(), label="in"):
            slot = data.draw(st.sampled_from([None, 7]), label="slot")
            self.step(lambda at: self.ws.key_in(tag, "KC1", slot, at))
        else:
            holder = data.draw(st.sampled_from(TECHS), label="holder")
            self.step(lambda at: self.ws.key_out(tag, "KC1", None, at, holder=holder))

    def do_shift_end(self, data: st.DataObject) -> None:
        self.step(lambda at: self.ws.pause_everyone(PauseReason.SHIFT_END, at))

    def do_correct_clock(self, data: st.DataObject) -> None:
        """The foreman's corrections: an earlier start, a forgotten pause, a moved stretch."""
        ws = self.ws
        stretches = sorted(
            (j.ro, s.tech, s.start, s.end) for j in ws.jobs.values() for s in j.segments
        )
        ro, tech, start, end = data.draw(st.sampled_from(stretches), label="stretch")
        how = data.draw(st.sampled_from(["adjust", "pause", "move"]), label="how")
        earlier = start - timedelta(minutes=data.draw(st.integers(1, 30), label="earlier"))
        if how == "adjust":
            self.step(lambda at: ws.adjust_clock(ro, tech, start, earlier, end, "晚点了", at))
        elif how == "pause":
            a, b = start + timedelta(minutes=1), start + timedelta(minutes=2)
            reason = PauseReason.BREAK
            self.step(lambda at: ws.insert_pause(ro, tech, start, a, b, reason, "午饭", at))
        else:
            to = data.draw(st.sampled_from([*sorted(ws.jobs), "RO-X"]), label="to")
            self.step(lambda at: ws.move_clock(ro, tech, start, to, "记错单", at))

    def do_nonsense(self, data: st.DataObject) -> None:
        """Any step with any arguments: mostly refused, and a refusal changes nothing."""
        ws = self.ws
        ro = data.draw(st.sampled_from(["RO-X", *sorted(ws.jobs)]), label="ro")
        tech = data.draw(st.sampled_from(TECHS), label="tech")
        bay = data.draw(st.sampled_from(BAYS), label="bay")
        new = NewFinding("F1", "刹车片", Severity.SAFETY)
        steps: dict[str, Callable[[datetime], object]] = {
            "start": lambda at: ws.start(ro, tech, bay, at),
            "resume": lambda at: ws.resume(ro, tech, bay, at),
            "pause": lambda at: ws.pause(ro, tech, bay, PauseReason.TOOL, at),
            "finding": lambda at: ws.report_finding(ro, tech, bay, new, at),
            "self_check": lambda at: ws.self_check(ro, tech, bay, at),
            "leader_check": lambda at: ws.leader_check(ro, tech, bay, at),
            "qc_pass": lambda at: ws.qc_pass(ro, tech, bay, at),
            "qc_fail": lambda at: ws.qc_fail(ro, tech, bay, ["扭矩"], at),
            "wash_start": lambda at: ws.wash_start(ro, tech, bay, at),
            "wash_done": lambda at: ws.wash_done(ro, tech, bay, at),
            "deliver": lambda at: ws.deliver(ro, at),
            "dispatch": lambda at: ws.dispatch(ro, bay, at),
            "sign_in": lambda at: ws.sign_in(tech, bay, at),
            "sign_out": lambda at: ws.sign_out(tech, bay, at),
            "answer": lambda at: ws.answer_finding(ro, "F1", True, "SA01", at),
        }
        name = data.draw(st.sampled_from(sorted(steps)), label="nonsense")
        self.step(steps[name])
