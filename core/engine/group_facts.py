"""What head office is told of a batch, derived in one place from the batch's domain
events and the workshop after it (as core/engine/effects.py derives the rows): a summary of
every job it changed, every help call it changed, every follow-up call it recorded, the
devices when their counts moved, and the day's figures now and then and at every delivery.

No customer's name or phone is read here; plates are masked as the lounge masks them.
The facts are only proposed: what was sent (the last device counts, when the figures
went) is believed once the commit that carries them succeeded (``committed``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from core.config import SiteConfig
from core.contract.group import (
    DayFigures,
    DeviceCounts,
    FollowUpOutcome,
    HelpCallFact,
    JobSummary,
    SiteFacts,
)
from core.display.rules import promise_at_risk
from core.domain.eta import Forecast, car_forecast, queue_forecast
from core.domain.events import DomainEvent, FollowUpRecorded, JobDelivered
from core.domain.help_calls import HelpCall
from core.domain.model import FindingState, Job, JobStatus
from core.domain.privacy import mask_plate
from core.domain.vocabulary import (
    BAY_STATUSES,
    OPEN_STATUSES,
    SATISFACTION,
)
from core.domain.vocabulary import (
    FollowUpOutcome as Outcome,
)
from core.domain.workshop import Workshop
from core.lounge_cars import to_minute
from core.store.group_outbox import DayReading, Fact, GroupWrite

from .device_health import DeviceHealth

logger = logging.getLogger(__name__)

Counts = tuple[int, int, tuple[str, ...]]
#: After a batch of the core's own failed to commit (the database away), its facts are
#: tried again this much later, not at once and again and again.
RETRY = timedelta(seconds=5)


def fact(model: BaseModel) -> Fact:
    data = model.model_dump(mode="json")
    return str(data["kind"]), data


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 4)


def job_summary(job: Job, predicted: datetime | None, now: datetime) -> JobSummary:
    """One repair order as head office sees it: no person but the advisor (a colleague),
    the plate masked."""
    open_ = job.status in OPEN_STATUSES
    predicted = to_minute(predicted) if open_ else None
    qc_failures = sum(1 for c in job.checks if c.level == "qc" and not c.passed)
    return JobSummary(
        ro=job.ro,
        plate=mask_plate(job.vehicle.plate),
        status=job.status.value,
        bay=job.bay or None,
        advisor=job.advisor or None,
        checked_in_at=job.checked_in_at,
        promised_at=job.promised_at,
        predicted_at=predicted,
        at_risk=open_ and promise_at_risk(job.status, job.promised_at, predicted),
        waiting_dispatch=job.status is JobStatus.CHECKED_IN and job.bay is None,
        sold_hours=round(max(0.0, job.standard_hours), 4),
        clocked_hours=_hours(max(0.0, job.worked_seconds(now))),
        findings=len(job.findings),
        findings_approved=sum(1 for f in job.findings if f.state is FindingState.APPROVED),
        findings_declined=sum(1 for f in job.findings if f.state is FindingState.DECLINED),
        qc_failures=qc_failures,
        ready_at=job.ready_at,
        delivered_at=job.delivered_at,
    )


def help_call_fact(call: HelpCall) -> HelpCallFact:
    return HelpCallFact(
        id=call.id,
        bay=call.bay,
        call_kind=call.kind.value,
        state=call.state.value,
        level=call.tier,
        raised_at=call.called_at,
        answered_at=call.acknowledged_at,
        closed_at=call.closed_at,
    )


def follow_up_outcome(event: FollowUpRecorded) -> FollowUpOutcome:
    """A follow-up call's outcome: scored on the satisfaction levels (a complaint as the
    lowest); a call that reached nobody has no score."""
    outcome = Outcome(event.outcome)
    return FollowUpOutcome(
        ro=event.ro,
        reached=outcome is not Outcome.UNREACHABLE,
        score=SATISFACTION.get(outcome),
        complaint=outcome is Outcome.COMPLAINT,
        at=event.at,
    )


def day_figures(reading: DayReading) -> Fact:
    """A local day's figures as sums and counts, from the department's own report (the
    same figures as its report page shows for that day)."""
    r = reading.report
    scores = [SATISFACTION[o] for o in map(Outcome, reading.follow_ups) if o in SATISFACTION]
    answered = [h for h in reading.help if h.acknowledged_at is not None]
    response = sum(
        (h.acknowledged_at - h.called_at).total_seconds()
        for h in answered
        if h.acknowledged_at is not None
    )
    return fact(
        DayFigures(
            day=reading.day,
            checked_in=r.jobs_in,
            delivered=r.delivered,
            delivered_on_time=r.delivered_on_time,
            first_time_fixed=reading.delivered_first_time,
            sold_hours=round(max(0.0, sum(t.standard_hours for t in r.technicians)), 4),
            clocked_hours=round(max(0.0, sum(t.worked_hours for t in r.technicians)), 4),
            findings_answered=r.findings_answered,
            findings_approved=r.findings_approved,
            follow_ups=len(reading.follow_ups),
            satisfaction_sum=sum(scores),
            satisfaction_count=len(scores),
            complaints=sum(1 for o in reading.follow_ups if o == Outcome.COMPLAINT.value),
            help_calls=len(reading.help),
            help_answered=len(answered),
            help_response_seconds=round(max(0.0, response), 3),
        )
    )


def device_counts(health: DeviceHealth) -> Counts:
    """The site's devices, online and not: the core's own status is no device of the floor."""
    rows = [r for r in health.sorted_rows() if r.kind != "core"]
    offline = tuple(r.device for r in rows if not r.online)
    return len(rows) - len(offline), len(offline), offline


def site_facts(config: SiteConfig) -> SiteFacts:
    return SiteFacts(name=config.site.name, timezone=config.site.timezone, bays=len(config.bays))


@dataclass(frozen=True)
class Proposal:
    """What a batch's commit writes to the outbox, and what is believed sent once it has."""

    write: GroupWrite
    devices: Counts | None
    figures_at: datetime | None
    days: frozenset[date]
    site: bool


class GroupFacts:
    """The facts of each batch, and when the day's figures and the device counts are due."""

    def __init__(
        self, config: SiteConfig, health: DeviceHealth, told_site: dict[str, object] | None
    ) -> None:
        self.config = config
        self.zone = config.zone
        self.health = health
        self.every = timedelta(seconds=config.group.figures_every_seconds)
        self._devices: Counts | None = None
        #: A device changed and its counts are not committed yet (a failed commit's batch is
        #: applied again, but the devices' statuses are not news the second time).
        self._devices_moved = False
        self._figures_at: datetime | None = None
        #: Local days changed since their figures were last sent. At start the day and the
        #: one before count as changed: a core stopped just after a change sends them again.
        self._dirty: set[date] = set()
        self._started = True
        #: When facts were last proposed and not (yet) committed.
        self._proposed_at: datetime | None = None
        self._site = site_facts(config)
        self._site_due = told_site != fact(self._site)[1]

    def _day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    # ------------------------------------------------------------ when the core must act
    def due(self, now: datetime) -> bool:
        """Whether a batch of the core's own must carry something now (the site's facts,
        the figures of days that changed)."""
        left = self.seconds_left(now)
        return left is not None and left <= 0

    def seconds_left(self, now: datetime) -> float | None:
        """Site seconds until the next figures are due (None: nothing changed since)."""
        left = self._left(now)
        if left is not None and self._proposed_at is not None:
            left = max(left, (self._proposed_at + RETRY - now).total_seconds())
        # Overdue is due now: a wait is never negative (the core's queue refuses one).
        return None if left is None else max(0.0, left)

    def _left(self, now: datetime) -> float | None:
        if self._site_due or self._started:
            return 0.0
        if not self._dirty:
            return None
        if self._figures_at is None:
            return 0.0
        return (self._figures_at + self.every - now).total_seconds()

    # ------------------------------------------------------------ one batch
    def propose(
        self,
        ws: Workshop,
        events: Sequence[DomainEvent],
        jobs: Iterable[str],
        help_calls: Iterable[str],
        now: datetime,
        devices_changed: bool = False,
    ) -> Proposal | None:
        self._proposed_at = now
        write = GroupWrite(zone=self.zone, figures=day_figures)
        if self._site_due:
            write.facts.append(fact(self._site))
        changed = sorted(jobs)
        write.facts.extend(fact(s) for s in self._summaries(ws, changed, now))
        calls = sorted(help_calls)
        write.facts.extend(
            fact(help_call_fact(ws.help_calls[c])) for c in calls if c in ws.help_calls
        )
        write.facts.extend(
            fact(follow_up_outcome(e)) for e in events if isinstance(e, FollowUpRecorded)
        )
        devices = self._device_counts(devices_changed)
        if devices is not None:
            online, offline, names = devices
            write.facts.append(
                fact(DeviceCounts(online=online, offline=offline, offline_names=list(names)))
            )
        dirty = self._dirty_days(bool(changed or calls), now)
        figures_at = None
        if dirty and self._figures_due(events, now):
            write.days = sorted(dirty)
            figures_at = now
        if not write:
            return None
        return Proposal(write, devices, figures_at, frozenset(dirty), self._site_due)

    def _device_counts(self, changed: bool) -> Counts | None:
        """The devices' counts when they moved since the last ones committed."""
        self._devices_moved |= changed
        counts = device_counts(self.health) if self._devices_moved else self._devices
        return counts if counts is not None and counts != self._devices else None

    def _dirty_days(self, changed: bool, now: datetime) -> set[date]:
        dirty = set(self._dirty)
        today = self._day(now)
        if changed:
            dirty.add(today)
        if self._started:
            dirty |= {today, today - timedelta(days=1)}
        return dirty

    def _figures_due(self, events: Sequence[DomainEvent], now: datetime) -> bool:
        """At every delivery, at the start, and not sooner than ``every`` after the last."""
        return (
            any(isinstance(e, JobDelivered) for e in events)
            or self._started
            or self._figures_at is None
            or now >= self._figures_at + self.every
        )

    def committed(self, proposal: Proposal | None, now: datetime) -> None:
        """The batch's commit succeeded: what it carried counts as sent."""
        self._started = False
        self._proposed_at = None
        if proposal is None:
            return
        self._devices_moved = False
        if proposal.devices is not None:
            self._devices = proposal.devices
        if proposal.site:
            self._site_due = False
        if proposal.figures_at is not None:
            self._figures_at = proposal.figures_at
            self._dirty.clear()
        else:
            self._dirty |= proposal.days

    # ------------------------------------------------------------ the jobs
    def _summaries(self, ws: Workshop, ros: list[str], now: datetime) -> list[JobSummary]:
        """Each changed job's summary, its predicted time as the lounge has it: its bay's
        queue worked in order (each queue forecast once), or the car on its own."""
        queues: dict[str, dict[str, Forecast]] = {}
        out = []
        for ro in ros:
            job = ws.jobs.get(ro)
            if job is None:
                continue
            made: Forecast | None = None
            if job.status in BAY_STATUSES and job.bay is not None:
                queue = queues.get(job.bay)
                if queue is None:
                    queue = queues[job.bay] = queue_forecast(ws.bay_queue(job.bay), now, ws.hours)
                made = queue.get(ro)
            elif job.status in OPEN_STATUSES:
                made = car_forecast(job, now, ws.hours)
            try:
                out.append(job_summary(job, None if made is None else made.at, now))
            except ValueError:  # a job the contract cannot carry must not stop the batch
                logger.exception("group feed: no summary of %s could be made", ro)
        return out
