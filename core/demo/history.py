"""A site's past for benchmarks and tests: days of repair orders taken through the whole
workflow by the domain itself, written through the store a day at a time with their audit
lines and inbox marks (not through MQTT: a year of a busy site takes minutes, not days).

Times fall on whole minutes; every choice comes from a seeded random generator, so the
same plan writes the same history.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TypeVar

from core.catalogue import bay_kinds, likely_job_type
from core.config import SiteConfig, bays_from_config, technicians_from_config
from core.domain.bay_needs import serves, special_needs
from core.domain.events import DomainEvent
from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.model import (
    BayKind,
    Customer,
    FollowUpOutcome,
    Job,
    Operation,
    PartLine,
    PauseReason,
    Severity,
    Vehicle,
)
from core.domain.workshop import CheckIn, NewFinding, Workshop
from core.engine.effects import rows_to_write
from core.store.repository import AuditEntry, Batch, InboxEntry, Store

_OPERATIONS = [
    Operation("M010", "小保养", 1.0, "Minor service"),
    Operation("M020", "大保养", 2.5, "Major service"),
    Operation("B010", "更换刹车片", 1.5, "Brake pads"),
    Operation("T010", "四轮定位", 0.5, "Wheel alignment"),
]
_REASONS = [PauseReason.WAITING_PARTS, PauseReason.TOOL, PauseReason.BREAK]
_OUTCOMES = [FollowUpOutcome.VERY_GOOD, FollowUpOutcome.GOOD, FollowUpOutcome.UNREACHABLE]
_INSPECTOR, _WASHER, _HELPER = "Q001", "W001", "T007"
_COUNTER = "parts:PC01"
_PARTS = ["机油滤清器", "空气滤清器", "前刹车片(套)", "火花塞", "刹车油 DOT4 1L"]
T = TypeVar("T")


@dataclass(frozen=True)
class HistoryPlan:
    days: int
    per_day: int = 250
    #: Whether the advisors record their follow-up calls here (a site may make them
    #: elsewhere: then every delivered car stays delivered).
    follow_ups: bool = True
    #: Cars still in the building on the last day (checked in, at work, not delivered).
    open_at_end: int = 0
    seed: int = 1
    #: Like a real workshop's days (the demo's past): work takes about its standard hours
    #: (faster now and then, overruns too), a bay takes its next car only when free,
    #: everyone signs out in the evening and in again in the morning.
    lifelike: bool = False
    #: Each closed day's report sums rolled up after it, as the core does between batches.
    roll_days: bool = True


class History:
    """Writes a plan's days, oldest first, through ``store``."""

    def __init__(self, store: Store, config: SiteConfig, plan: HistoryPlan) -> None:
        self.store, self.config, self.plan = store, config, plan
        self.zone = config.zone
        self.rng = random.Random(plan.seed)
        # The parts requests draw from their own: the rest of the history stays as it was.
        self.parts_rng = random.Random(plan.seed + 1)
        self.ws = Workshop(
            site=config.site.id,
            bays={b.id: b for b in bays_from_config(config)},
            technicians={t.id: t for t in technicians_from_config(config)},
            operation_kinds=bay_kinds(),
        )
        general = [b for b in self.ws.bays.values() if b.kind is not BayKind.WASH]
        self.bays = [b.id for b in general if b.kind is not BayKind.QC]
        workers = sorted(t for t in self.ws.technicians if t.startswith("T") and t != _HELPER)
        self.tech_of = dict(zip(self.bays, workers, strict=False))
        self.seq: dict[str, int] = {}
        self.delivered: dict[date, list[Job]] = {}
        self.batch = Batch()
        self.jobs = 0
        self.free_at: dict[str, datetime] = {}

    # ------------------------------------------------------------ the days
    def write(self, first: date) -> int:
        """Every day of the plan from ``first``; returns how many repair orders it wrote."""
        for n in range(self.plan.days):
            self._one_day(first + timedelta(days=n), last=n == self.plan.days - 1)
        return self.jobs

    def _one_day(self, day: date, last: bool) -> None:
        opens = datetime.combine(day, time(8, 0), self.zone)
        if not self.ws.tech_states or self.plan.lifelike:
            self._sign_everyone_in(opens - timedelta(minutes=30))
        self._follow_ups(day, opens)
        spacing = 600 / self.plan.per_day  # reception from 08:00 to 18:00
        for i in range(self.plan.per_day):
            at = opens + timedelta(minutes=int(i * spacing))
            still_open = last and i >= self.plan.per_day - self.plan.open_at_end
            self._one_car(at, self.bays[i % len(self.bays)], still_open)
        if self.plan.lifelike:
            self._sign_everyone_out(max([opens + timedelta(hours=11), *self.free_at.values()]))
        self._commit(datetime.combine(day + timedelta(days=1), time(0), self.zone))

    def _sign_everyone_in(self, at: datetime) -> None:
        for bay, tech in self.tech_of.items():
            self._tap(bay, partial(self.ws.sign_in, tech, bay, at))
        self._tap("Q01", lambda: self.ws.sign_in(_INSPECTOR, "Q01", at))
        self._tap("W01", lambda: self.ws.sign_in(_WASHER, "W01", at))

    def _sign_everyone_out(self, at: datetime) -> None:
        for bay, tech in [*self.tech_of.items(), ("Q01", _INSPECTOR), ("W01", _WASHER)]:
            state = self.ws.tech_states.get(tech)
            if state is not None and state.bay == bay:
                self._tap(bay, partial(self.ws.sign_out, tech, bay, at))
        helper = self.ws.tech_states.get(_HELPER)
        if helper is not None and helper.bay is not None:
            self._tap(helper.bay, partial(self.ws.sign_out, _HELPER, helper.bay, at))

    def _follow_ups(self, day: date, at: datetime) -> None:
        """The calls of the cars delivered two days before (recalled for the call)."""
        for job in self.delivered.pop(day - timedelta(days=2), []):
            if not self.plan.follow_ups:
                continue
            self.ws.remember(job)
            outcome = self.rng.choice(_OUTCOMES)
            self._command(partial(self.ws.record_follow_up, job.ro, outcome, "", "SA01", at))

    # ------------------------------------------------------------ one car
    def _one_car(self, at: datetime, bay: str, still_open: bool) -> None:
        rng, ws = self.rng, self.ws
        queue = max(timedelta(), self.free_at.get(bay, at) - at) if self.plan.lifelike else None
        job = self._check_in(at, queue, bay)
        self.jobs += 1
        if rng.random() < 0.02:
            self._command(lambda: ws.cancel(job.ro, "客户取消", at + timedelta(minutes=5)))
            return
        t = at + timedelta(minutes=rng.randint(5, 40))
        self._command(lambda: ws.dispatch(job.ro, bay, t))
        t += timedelta(minutes=rng.randint(0, 30))
        if self.plan.lifelike:
            t = max(t, self.free_at.get(bay, t))
        t = self._work(job, bay, t, still_open)
        if still_open:
            return
        t = self._checks(job, bay, t)
        self.free_at[bay] = t
        later = rng.random() < 0.2  # picked up the next morning
        t += timedelta(hours=15) if later else timedelta(minutes=rng.randint(10, 120))
        self._command(lambda: ws.check_handover(job.ro, all_ticked(job), "SA01", t))
        self._command(lambda: ws.deliver(job.ro, t))
        self.delivered.setdefault(t.astimezone(self.zone).date(), []).append(job)

    def _check_in(self, at: datetime, queue: timedelta | None, bay: str) -> Job:
        """A car with work the ``bay`` it goes to can do (an alignment only where there is
        the lift for it); ``queue``: how long the bay is still busy (promised after it, as
        an advisor does)."""
        rng, kind = self.rng, self.ws.bays[bay].kind
        fitting = [
            op for op in _OPERATIONS if serves(kind, special_needs([op], self.ws.operation_kinds))
        ]
        ops = tuple(rng.sample(fitting, rng.randint(1, 2)))
        hours = sum(op.standard_hours for op in ops)
        plate = ""
        while not plate or self.ws.open_job_of_car(plate) is not None:  # one car, one order
            plate = f"京{chr(65 + rng.randrange(26))}{rng.randrange(100000):05d}"
        order = CheckIn(
            vehicle=Vehicle(plate=plate),
            customer=Customer(name="客户", phone="13800138000"),
            operations=ops,
            promised_at=at
            + (queue or timedelta())
            + timedelta(hours=hours * (1.3 if queue is not None else 1) + rng.choice([1, 2, 3])),
            advisor="SA01",
            wash_requested=rng.random() < 0.6,
            job_type=likely_job_type(op.code for op in ops),
        )
        return self._command(lambda: self.ws.check_in(order, at))

    def _work(self, job: Job, bay: str, t: datetime, still_open: bool) -> datetime:
        """The bay's technician works it, with a pause, a helper or a finding now and then;
        returns when the work was done (or, for a car still at work, when it last moved)."""
        rng, ws, ro, tech = self.rng, self.ws, job.ro, self.tech_of[bay]
        if still_open and ws.tech_state(tech).active_job is not None:
            return t  # waits in the bay's queue behind the car at work
        started, paused = t, timedelta()
        self._tap(bay, lambda: ws.start(ro, tech, bay, t))
        self._parts(job, bay, tech, t)
        if rng.random() < 0.1 and ws.tech_state(_HELPER).active_job is None:
            self._tap(bay, lambda: ws.sign_in(_HELPER, bay, t + timedelta(minutes=1)))
            self._tap(bay, lambda: ws.start(ro, _HELPER, bay, t + timedelta(minutes=1)))
        if rng.random() < 0.4:
            t += timedelta(minutes=rng.randint(10, 40))
            reason = rng.choice(_REASONS)
            self._tap(bay, lambda: ws.pause(ro, tech, bay, reason, t))
            paused = timedelta(minutes=rng.randint(5, 30))
            t += paused
            self._tap(bay, lambda: ws.resume(ro, tech, bay, t))
        if rng.random() < 0.3:
            t = self._finding(job, bay, tech, t + timedelta(minutes=rng.randint(5, 20)))
        if still_open:
            return t
        if self.plan.lifelike:
            return t + max(timedelta(minutes=10), self._span(job) - (t - started - paused))
        return t + timedelta(minutes=rng.randint(15, 90))

    def _parts(self, job: Job, bay: str, tech: str, t: datetime) -> None:
        """Now and then the bay asks the parts counter for parts (领料) as the work begins;
        they are there a few minutes to most of an hour later, one in ten not in stock
        first."""
        rng, ws = self.parts_rng, self.ws
        if rng.random() >= 0.3:
            return
        asked = t + timedelta(minutes=2)
        line = PartLine(rng.choice(_PARTS), rng.choice([1, 1, 2, 4]))
        ident = f"PR{len(job.parts_requests) + 1}"
        self._tap(bay, lambda: ws.request_parts((job.ro, tech, bay), ident, [line], asked))
        served = asked + timedelta(minutes=rng.randint(3, 45))
        if rng.random() < 0.1:
            short = asked + timedelta(minutes=5)
            expected = short + timedelta(days=1)
            self._command(
                lambda: ws.parts_not_in_stock(job.ro, ident, _COUNTER, short, expected), _COUNTER
            )
            served += timedelta(hours=2)
        delivered = rng.random() < 0.5
        self._command(lambda: ws.parts_ready(job.ro, ident, _COUNTER, served, delivered), _COUNTER)

    def _span(self, job: Job) -> timedelta:
        """How long the work takes: about the standard hours, quicker now and then, and
        one car in eight overruns by a half or more."""
        rng = self.rng
        factor = rng.uniform(1.5, 2.2) if rng.random() < 0.12 else rng.uniform(0.75, 1.25)
        hours = sum(op.standard_hours for op in job.operations)
        return timedelta(minutes=round(hours * 60 * factor))

    def _finding(self, job: Job, bay: str, tech: str, t: datetime) -> datetime:
        rng, ws = self.rng, self.ws
        found = NewFinding(
            f"F{len(job.findings) + 1}",
            "前刹车片磨损超限",
            rng.choice(list(Severity)),
            rng.choice([0.5, 1.0, 1.5]),
            rng.choice([80.0, 380.0, 1200.0]),
        )
        self._tap(bay, lambda: ws.report_finding(job.ro, tech, bay, found, t))
        answered = t + timedelta(minutes=rng.randint(5, 60))
        yes = rng.random() < 0.6
        self._command(lambda: ws.answer_finding(job.ro, found.id, yes, "SA01", answered))
        return answered

    def _checks(self, job: Job, bay: str, t: datetime) -> datetime:
        """Self-check, second check, final inspection (failed now and then), the wash."""
        rng, ws, ro, tech = self.rng, self.ws, job.ro, self.tech_of[bay]
        self._tap(bay, lambda: ws.self_check(ro, tech, bay, t))
        self._tap("Q01", lambda: ws.leader_check(ro, _INSPECTOR, "Q01", t + timedelta(minutes=5)))
        t += timedelta(minutes=10)
        if rng.random() < 0.08:
            self._tap("Q01", lambda: ws.qc_fail(ro, _INSPECTOR, "Q01", ["螺栓扭矩"], t))
            self._tap(bay, lambda: ws.start(ro, tech, bay, t + timedelta(minutes=5)))
            t += timedelta(minutes=rng.randint(15, 40))
            self._tap(bay, lambda: ws.self_check(ro, tech, bay, t))
            self._tap("Q01", lambda: ws.leader_check(ro, _INSPECTOR, "Q01", t))
            t += timedelta(minutes=5)
        done = complete(job.job_type)
        self._tap("Q01", lambda: ws.qc_pass(ro, _INSPECTOR, "Q01", t, done))
        if job.wash_requested:
            self._tap("W01", lambda: ws.wash_start(ro, _WASHER, "W01", t + timedelta(minutes=5)))
            t += timedelta(minutes=25)
            self._tap("W01", lambda: ws.wash_done(ro, _WASHER, "W01", t))
        return t

    # ------------------------------------------------------------ the log and the store
    def _tap(self, bay: str, step: Callable[[], T]) -> T:
        """A step tapped at a bay's kiosk: an inbox mark and an audit line per change."""
        device = f"kiosk-{bay.lower()}"
        mark = len(self.ws.recorded)
        value = step()
        facts = self.ws.recorded[mark:]
        seq = self.seq[device] = self.seq.get(device, 0) + 1
        when = facts[0].at if facts else datetime.now(self.zone)
        # Marked as a message of its own: a kiosk starting afresh (the demo wipes the
        # outboxes) is told its first numbers are taken and carries on after them, instead
        # of having its taps taken for repeats of the history's.
        digest = hashlib.sha256(f"history {device} {seq}".encode()).hexdigest()[:16]
        self.batch.inbox.append(InboxEntry(device, seq, "applied", None, when, digest))
        self._audit(facts, "event", device, seq, bay)
        return value

    def _command(self, step: Callable[[], T], by: str | None = None) -> T:
        """A step taken on the desk, the dispatch board (or ``by`` someone else's page)."""
        mark = len(self.ws.recorded)
        value = step()
        facts = self.ws.recorded[mark:]
        who = "advisor:SA01" if facts and facts[0].name != "job.dispatched" else "foreman:F001"
        who = by or who
        self._audit(facts, "command", who, None, None)
        return value

    def _audit(
        self, facts: list[DomainEvent], kind: str, source: str, seq: int | None, bay: str | None
    ) -> None:
        for fact in facts:
            for ro in fact.jobs():
                entry = AuditEntry(fact.at, kind, source, seq, fact.name, ro, bay, {"data": {}})
                self.batch.audit.append(entry)

    def _commit(self, now: datetime) -> None:
        """The day in one transaction; the cars that left are let go, as the core does."""
        events = self.ws.take_events()
        rows = rows_to_write(events)
        now = max([now, *(e.at for e in events)])  # written after all it holds happened
        self.store.commit(self.ws, self.batch, rows, now)
        self.ws.forget_gone(rows.jobs)
        self.batch = Batch()
        if self.plan.roll_days:  # the day's own, and those its follow-up calls touched
            self.store.roll_closed_days(self.zone, now)


def write_history(store: Store, config: SiteConfig, first: date, plan: HistoryPlan) -> int:
    """Write ``plan`` from the day ``first`` on; returns how many repair orders it wrote."""
    return History(store, config, plan).write(first)
