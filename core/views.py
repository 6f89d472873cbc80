"""Projections of the workshop onto the retained views of the wire contract."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from core.config import AlertsConfig, SiteConfig
from core.contract.dispatch_lists import (
    device_alerts,
    keys_out,
    pending_findings,
    ready,
    station_queue,
    waiting_dispatch,
    with_station_jobs,
)
from core.contract.views import (
    Alert,
    BayRow,
    BayState,
    BoardCard,
    DeviceRow,
    DispatchView,
    FindingLine,
    JobCard,
    LoungeCar,
    LoungeView,
    OperationLine,
    PartsLine,
    Readiness,
    TechLeft,
    TechOnBay,
    TimelineBar,
)
from core.display.rules import (
    MOVE_NOTICE,
    REFUSAL_NOTICE,
    escalation,
    finding_due,
    promise_at_risk,
)
from core.domain.eta import predict
from core.domain.events import SignInRefused
from core.domain.inspection import earlier_checkers
from core.domain.model import Bay, BayKind, Job, JobStatus, KeyState, TechnicianState
from core.domain.plan import plan_in_steps
from core.domain.steps import whole
from core.domain.vocabulary import STATION_STATUSES, PartsState, PauseReason
from core.domain.workshop import Workshop
from core.help_views import bay_help
from core.lounge_cars import build_car, progress, to_minute
from core.plan_views import planned_bars, reserved_blocks
from core.working_day import gantt_window

#: The foreman's board is built this many jobs' worth at a time (cards, plan, alerts), the
#: core taking a waiting tap in between: when a car ahead finished early, every card behind
#: it is made again, and a step of the whole workshop held a tap for milliseconds.
STEP_JOBS = 32


def _people(here: list[TechnicianState]) -> tuple[object, ...]:
    """What a bay's row of technicians is made from: kept rows are reused while it holds."""
    return tuple((t.id, t.active_job, t.signed_in_at, t.came_from) for t in here)


def _slices(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def _readiness(job: Job) -> Readiness:
    if job.status is JobStatus.IN_PROGRESS:
        return JobStatus.IN_PROGRESS
    if job.pending_findings():
        return PauseReason.WAITING_APPROVAL
    if job.status is JobStatus.PAUSED:
        reason = job.last_pause_reason
        if reason == PauseReason.WAITING_PARTS:
            return PauseReason.WAITING_PARTS
        if reason == PauseReason.WAITING_APPROVAL:
            return PauseReason.WAITING_APPROVAL
        return JobStatus.PAUSED
    return JobStatus.READY


Built = TypeVar("Built")


def _reuse(
    cache: dict[str, tuple[datetime | None, Built]],
    job: Job,
    predicted: datetime | None,
    build: Callable[[datetime | None], Built],
) -> Built:
    """A job's piece of a view, rebuilt only when the job changed (the caller forgets it
    then) or its prediction moved; never kept while a clock runs on it."""
    cached = cache.get(job.ro)
    if cached is not None and cached[0] == predicted:
        return cached[1]
    built = build(predicted)
    if job.working_techs():
        cache.pop(job.ro, None)
    else:
        cache[job.ro] = (predicted, built)
    return built


_ALERTS = AlertsConfig()


def key_idle_since(job: Job) -> datetime | None:
    """Since when the car's key has been out of the cabinet with nobody working on the car
    (None: the key is in, or a clock runs on the car). A key a technician took to work on
    the car is routine; one out while nobody works on it is what the foreman must hear of."""
    if job.key.state is not KeyState.OUT or job.key.since is None or job.working_techs():
        return None
    stopped = [s.end for s in job.segments if s.kind == "work" and s.end is not None]
    return max([job.key.since, *stopped])


def _operation_lines(job: Job) -> list[OperationLine]:
    return [
        OperationLine(code=o.code, name=o.name, name_en=o.name_en, standard_hours=o.standard_hours)
        for o in job.operations
    ]


def _finding_lines(job: Job, alerts: AlertsConfig) -> list[FindingLine]:
    due = {f.id: finding_due(f.reported_at, alerts) for f in job.pending_findings()}
    return [
        FindingLine(
            id=f.id,
            title=f.title,
            severity=f.severity,
            state=f.state,
            labor_hours=f.labor_hours,
            parts_estimate=f.parts_estimate,
            reported_at=f.reported_at,
            answered_at=f.answered_at,
            # Absolute times, so every screen works out the level from its own clock.
            call_at=due[f.id][0] if f.id in due else None,
            escalate_at=due[f.id][1] if f.id in due else None,
        )
        for f in job.findings
    ]


def qty(value: float) -> str:
    """A quantity as a person writes it: 2, not 2.0; 1.5 as it is."""
    return f"{value:g}"


def parts_lines(job: Job) -> list[PartsLine]:
    return [
        PartsLine(
            id=r.id,
            state=r.state,
            items=[f"{x.name} ×{qty(x.qty)}" for x in r.lines],
            tech=r.tech,
            requested_at=r.requested_at,
            served_at=r.served_at,
            expected_at=r.expected_at,
            paused=r.paused,
        )
        for r in job.parts_requests
        if r.state is not PartsState.CANCELLED
    ]


def _parts_short(job: Job) -> list[Alert]:
    """A part the bay asked for is not in stock: the foreman may move the work around it."""
    return [
        Alert(
            kind="parts_short",
            ro=job.ro,
            since=r.short_at,
            detail=" ".join(f"{x.name}×{qty(x.qty)}" for x in r.lines)
            + (f" → {r.expected_at:%m-%d}" if r.expected_at else ""),
        )
        for r in job.parts_requests
        if r.state is PartsState.NOT_IN_STOCK
    ]


def job_card(
    job: Job, now: datetime, predicted: datetime | None, alerts: AlertsConfig = _ALERTS
) -> JobCard:
    running = [s.start for s in job.segments if s.kind == "work" and s.end is None]
    return JobCard(
        ro=job.ro,
        plate=job.vehicle.plate,
        model=job.vehicle.model,
        colour=job.vehicle.colour,
        status=job.status,
        job_type=job.job_type,
        bay=job.bay,
        team=job.team,
        promised_at=job.promised_at,
        predicted_at=predicted,
        standard_hours=round(job.standard_hours, 2),
        worked_seconds=round(job.worked_seconds(now), 1),
        running_since=min(running) if running else None,
        working_techs=job.working_techs(),
        paused_techs=[s.tech for s in job.segments if s.kind == "pause" and s.end is None],
        readiness=_readiness(job),
        pause_reason=job.last_pause_reason if job.status is JobStatus.PAUSED else None,
        priority=job.priority,
        operations=_operation_lines(job),
        requests=job.requests,
        findings=_finding_lines(job, alerts),
        rework_count=job.rework_count,
        customer_waiting=job.customer_waiting,
        wash_requested=job.wash_requested,
        key_state=job.key.state,
        key_cabinet=job.key.cabinet,
        # The cabinet's word where it gave one, else the hook given at check-in.
        key_slot=job.key.slot if job.key.state is not KeyState.NONE else job.key_slot,
        key_holder=job.key.holder,
        key_since=job.key.since,
        parts=parts_lines(job),
        pinned_start=job.pinned_start,
        self_checked_by=_self_checker(job),
        checks_override=bool(job.checks_override),
    )


def _self_checker(job: Job) -> str | None:
    """Who did the self-check of the round, while the car waits for its leader check."""
    if job.status is not JobStatus.SELF_CHECKED:
        return None
    return earlier_checkers(job, ("self",)).get("self")


class Projector:
    """Builds views; knows the site's names, holds nothing that the workshop does not."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._tech_names = {t.id: t.name for t in config.technicians}
        # Cards of jobs that did not change and have no running clock are reused: building
        # hundreds of cards per event is most of the cost of publishing the views.
        self._cards: dict[str, tuple[datetime | None, JobCard]] = {}
        # The board's cards are kept while their job stays the same, running clock or not
        # (their work time is given as of when they were made): only changed ones travel.
        self._board_cards: dict[str, BoardCard] = {}
        # The board's bay rows, by what they were made from.
        self._rows: dict[str, tuple[object, BayRow]] = {}
        # A job's bars change only when the job does (a running bar has no end yet).
        self._bars: dict[str, tuple[datetime, list[TimelineBar]]] = {}
        # Each bay's technicians as its state lists them, by what they were made from.
        self._bay_techs: dict[str, tuple[object, list[TechOnBay]]] = {}

    def forget(self, ros: set[str]) -> None:
        """These jobs changed: their cards are built afresh next time."""
        for ro in ros:
            self._cards.pop(ro, None)
            self._board_cards.pop(ro, None)
            self._bars.pop(ro, None)

    def forget_all(self) -> None:
        self._cards.clear()
        self._board_cards.clear()
        self._rows.clear()
        self._bars.clear()
        self._bay_techs.clear()

    def card(self, job: Job, now: datetime, predicted: datetime | None) -> JobCard:
        return _reuse(
            self._cards,
            job,
            to_minute(predicted),
            lambda p: job_card(job, now, p, self.config.alerts),
        )

    def board_card(self, job: Job, now: datetime, predicted: datetime | None) -> BoardCard:
        predicted = to_minute(predicted)
        kept = self._board_cards.get(job.ro)
        if kept is not None and kept.predicted_at == predicted:
            return kept
        card = self.card(job, now, predicted)  # made now, or made when it could not change
        board = BoardCard.model_construct(**dict(card), worked_as_of=now)
        self._board_cards[job.ro] = board
        return board

    def _techs(self, ws: Workshop, bay_id: str) -> list[TechOnBay]:
        """Who is signed in at the bay, made again only when one of them changed."""
        here = ws.signed_in_at(bay_id)
        key = _people(here)
        kept = self._bay_techs.get(bay_id)
        if kept is None or kept[0] != key:
            kept = self._bay_techs[bay_id] = (key, self._tech_rows(here))
        return kept[1]

    def _tech_rows(self, states: list[TechnicianState]) -> list[TechOnBay]:
        return [
            TechOnBay(
                id=t.id,
                name=self._tech_names.get(t.id, t.id),
                active_job=t.active_job,
                signed_in_at=t.signed_in_at,
                came_from=t.came_from,
            )
            for t in states
        ]

    @staticmethod
    def moves(ws: Workshop, now: datetime) -> list[TechnicianState]:
        """Technicians who signed in straight from another bay in the last half hour."""
        return sorted(
            (
                t
                for t in ws.tech_states.values()
                if t.came_from and t.bay and t.signed_in_at and now - t.signed_in_at < MOVE_NOTICE
            ),
            key=lambda t: (t.signed_in_at, t.id),
        )

    def _left(self, ws: Workshop, bay_id: str, now: datetime) -> list[TechLeft]:
        """Who moved from this bay to another in the last half hour, as ``moves`` orders them
        (found among those who came from it, not every technician of the site)."""
        moved = [
            t
            for t in ws.came_from(bay_id)
            if t.bay and t.signed_in_at and now - t.signed_in_at < MOVE_NOTICE
        ]
        moved.sort(key=lambda t: (t.signed_in_at or now, t.id))
        return [
            TechLeft(
                id=t.id,
                name=self._tech_names.get(t.id, t.id),
                to_bay=t.bay,
                at=t.signed_in_at,
            )
            for t in moved
        ]

    def bay_jobs(self, ws: Workshop, bay_id: str) -> list[Job]:
        kind = ws.bay(bay_id).kind
        wanted = STATION_STATUSES.get(kind, frozenset())
        if kind is BayKind.QC:
            jobs = ws.jobs_in(wanted)
            return sorted(jobs, key=lambda j: (j.status is not JobStatus.LEADER_CHECKED, j.ro))
        if kind is BayKind.WASH:
            jobs = ws.jobs_in(wanted)
            return sorted(
                jobs, key=lambda j: (j.status is not JobStatus.WASHING, j.promised_at, j.ro)
            )
        # After the queue, the cars finished here that wait for the team leader's check:
        # the leader may do it at the bay (复检), before the car goes on to the QC station.
        return ws.bay_queue(bay_id) + ws.awaiting_leader_check((bay_id,))

    def bay_state(
        self, ws: Workshop, bay_id: str, now: datetime, eta: dict[str, datetime] | None = None
    ) -> BayState:
        bay = ws.bay(bay_id)
        eta = predict(ws, now) if eta is None else eta
        jobs = self.bay_jobs(ws, bay_id)
        current = next(
            (j for j in jobs if j.status in (JobStatus.IN_PROGRESS, JobStatus.WASHING)), None
        )
        return BayState(
            site=ws.site,
            bay=bay.id,
            name=bay.name,
            kind=bay.kind,
            team=bay.team,
            techs=self._techs(ws, bay_id),
            current=None if current is None else self.card(current, now, eta.get(current.ro)),
            queue=[self.card(j, now, eta.get(j.ro)) for j in jobs if j is not current],
            updated_at=now,
            left=self._left(ws, bay_id, now),
            help=bay_help(ws, self.config, bay_id),
        )

    def lounge(
        self, ws: Workshop, now: datetime, eta: dict[str, datetime] | None = None
    ) -> LoungeView:
        """The lounge made whole (the core keeps one by part: core/lounge_cars.py)."""
        eta = predict(ws, now) if eta is None else eta
        cars = [
            self._lounge_car(job, now, eta.get(job.ro))
            for job in sorted(ws.open_jobs(), key=lambda j: (j.promised_at, j.ro))
        ]
        return LoungeView(site=ws.site, updated_at=now, cars=cars)

    def car_status(self, ws: Workshop, token: str, now: datetime) -> LoungeCar | None:
        """A car as its owner sees it from the pickup card's QR (no names, masked plate)."""
        for job in ws.open_jobs():
            if job.public_token and job.public_token == token:
                return self._lounge_car(job, now, predict(ws, now).get(job.ro))
        return None

    @staticmethod
    def _lounge_car(job: Job, now: datetime, predicted: datetime | None) -> LoungeCar:
        return build_car(job, to_minute(predicted), progress(job, now))

    def dispatch(
        self,
        ws: Workshop,
        now: datetime,
        devices: list[DeviceRow],
        eta: dict[str, datetime] | None = None,
    ) -> DispatchView:
        return whole(
            self.dispatch_in_steps(ws, now, devices, predict(ws, now) if eta is None else eta)
        )

    def dispatch_in_steps(
        self, ws: Workshop, now: datetime, devices: list[DeviceRow], eta: dict[str, datetime]
    ) -> Generator[None, None, DispatchView]:
        """The board, built a part at a time (the cards; the plan; the day's bars; the
        alerts), none longer than a few dozen jobs' worth: the core takes a waiting tap
        between two parts. A workshop changed in between makes a board of two moments: the
        core begins it again, or, overtaken twice, has another follow it
        (``ViewPublisher.workshop_changed``)."""
        open_jobs = sorted(ws.open_jobs(), key=lambda j: (j.promised_at, j.ro))
        cards: list[BoardCard] = []
        for i, some in enumerate(_slices(open_jobs, STEP_JOBS)):
            if i:
                yield  # a card whose forecast moved is made again: a few dozen at a time
            cards.extend(self.board_card(j, now, eta.get(j.ro)) for j in some)
        bays = with_station_jobs(self._bay_rows(ws), cards)
        yield
        site = self.config.site
        since, until = gantt_window(now, site.opens_at, site.shift_ends, self.config.zone)
        # Planned with the board, not with every tap's bay states: only the board shows it.
        plan = yield from plan_in_steps(ws, now, STEP_JOBS)
        planned = planned_bars(plan)
        reserved = reserved_blocks(plan, ws.appointments, since, until)
        yield
        # The day's work: the cars that left since its start keep their bars.
        timeline = self._timeline(
            [*open_jobs, *sorted(ws.gone_since(since), key=lambda j: j.ro)], since
        )
        alerts = yield from self._alerts_in_steps(ws, open_jobs, now, eta, devices)
        # The lists come from the cards, as a subscriber of the board's parts makes them.
        return DispatchView(
            site=ws.site,
            updated_at=now,
            bays=bays,
            jobs=cards,
            waiting_dispatch=waiting_dispatch(cards),
            devices=devices,
            timeline=timeline,
            timeline_from=since,
            timeline_to=until,
            planned=planned,
            reserved=reserved,
            pending_findings=pending_findings(cards),
            qc_queue=station_queue(bays, BayKind.QC),
            wash_queue=station_queue(bays, BayKind.WASH),
            ready=ready(cards),
            keys=keys_out(cards, now),
            alerts=alerts,
        )

    def _alerts_in_steps(
        self,
        ws: Workshop,
        open_jobs: list[Job],
        now: datetime,
        eta: dict[str, datetime],
        devices: list[DeviceRow],
    ) -> Generator[None, None, list[Alert]]:
        """The jobs' alerts (a few dozen jobs a step), then the devices', then those about
        people."""
        alerts: list[Alert] = []
        for some in _slices(open_jobs, STEP_JOBS):
            yield
            alerts.extend(self._alerts(some, now, eta))
        return [*alerts, *device_alerts(devices), *self._moved(ws, now), *self._refused(ws, now)]

    def _bay_rows(self, ws: Workshop) -> list[BayRow]:
        # One pass over jobs and technicians for every bay: a board may have hundreds, so a
        # row is made again only when its queue or its people changed.
        queues = ws.bay_queues()
        present = ws.signed_in_by_bay()
        bays = []
        for bay_id, bay in ws.bays.items():
            queue = queues.get(bay_id, [])  # the stations' jobs come from the cards
            here = present.get(bay_id, [])
            key = (
                tuple((j.ro, j.status) for j in queue),
                _people(here),
            )
            kept = self._rows.get(bay_id)
            if kept is None or kept[0] != key:
                kept = (key, self._bay_row(bay, queue, here))
                self._rows[bay_id] = kept
            bays.append(kept[1])
        return bays

    def _bay_row(self, bay: Bay, queue: list[Job], here: list[TechnicianState]) -> BayRow:
        current = next(
            (j.ro for j in queue if j.status in (JobStatus.IN_PROGRESS, JobStatus.WASHING)),
            None,
        )
        return BayRow(
            id=bay.id,
            name=bay.name,
            kind=bay.kind,
            team=bay.team,
            techs=self._tech_rows(here),
            current=current,
            queue=[j.ro for j in queue if j.ro != current],
        )

    def _timeline(self, jobs: list[Job], since: datetime) -> list[TimelineBar]:
        """The stretches of work and pause since the Gantt's start, bay by bay (its bars)."""
        bars: list[TimelineBar] = []
        for job in jobs:
            if not job.bay:
                continue
            cached = self._bars.get(job.ro)
            if cached is None or cached[0] != since:
                cached = (since, self._job_bars(job, job.bay, since))
                self._bars[job.ro] = cached
            bars.extend(cached[1])
        bars.sort(key=lambda b: (b.bay, b.start, b.tech))
        return bars

    @staticmethod
    def _job_bars(job: Job, bay: str, since: datetime) -> list[TimelineBar]:
        return [
            TimelineBar(
                bay=bay,
                ro=job.ro,
                tech=seg.tech,
                kind="work" if seg.kind == "work" else "pause",
                reason=seg.reason,
                start=max(seg.start, since),
                end=seg.end,
            )
            for seg in job.segments
            if seg.end is None or seg.end >= since
        ]

    def _alerts(self, jobs: list[Job], now: datetime, eta: dict[str, datetime]) -> list[Alert]:
        cfg = self.config.alerts
        out: list[Alert] = []
        for job in jobs:
            predicted = eta.get(job.ro)
            if predicted and promise_at_risk(job.status, job.promised_at, predicted):
                late = int((predicted - job.promised_at).total_seconds() // 60)
                out.append(
                    Alert(
                        kind="promise_at_risk",
                        ro=job.ro,
                        since=job.promised_at,
                        detail=str(late),
                    )
                )
            for f in job.pending_findings():
                level = escalation(now, *finding_due(f.reported_at, cfg))
                if level != "none":
                    asks = "approval_escalate" if level == "escalate" else "approval_call"
                    out.append(Alert(kind=asks, ro=job.ro, since=f.reported_at, detail=f.title))
            out.extend(_parts_short(job))
            since = key_idle_since(job)
            out_long = since is not None and now - since >= timedelta(minutes=cfg.key_out_minutes)
            if since is not None and out_long:
                out.append(
                    Alert(
                        kind="key_out_too_long",
                        ro=job.ro,
                        since=since,
                        detail=job.key.holder or "",
                    )
                )
        return out

    def _moved(self, ws: Workshop, now: datetime) -> list[Alert]:
        return [
            Alert(
                kind="tech_moved",
                since=t.signed_in_at,
                detail=f"{self._tech_names.get(t.id, t.id)} {t.came_from} → {t.bay}",
            )
            for t in self.moves(ws, now)
        ]

    def _refused(self, ws: Workshop, now: datetime) -> list[Alert]:
        """One line per kiosk and technician with refused sign-ins in the last half hour:
        how many, and the wait the newest started."""
        groups: dict[tuple[str, str | None], list[SignInRefused]] = {}
        for r in ws.refusals_since(now - REFUSAL_NOTICE):
            groups.setdefault((r.kiosk_bay, r.by), []).append(r)
        out = []
        for (bay, tech), facts in groups.items():
            newest = facts[-1]
            who = self._tech_names.get(tech, tech) if tech else "?"
            detail = f"{bay} {who} ×{len(facts)}"
            if newest.lockout_s:
                detail += f" · {newest.lockout_s} s"
            kind: Literal["sign_in_locked", "sign_in_refused"] = (
                "sign_in_locked" if newest.lockout_s else "sign_in_refused"
            )
            out.append(Alert(kind=kind, since=facts[0].at, detail=detail))
        return out
