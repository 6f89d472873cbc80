"""The advisors' live board (我的车辆) made from the workshop and its predictions: which cars
are at risk, by the rule the foreman's board applies, and the board itself
(core/contract/advisor_board.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from core.config import SiteConfig
from core.contract.advisor_board import AdvisorBoard, AdvisorCar, NoticeLine, WaitingFinding
from core.display.rules import escalation, finding_due, promise_at_risk, stage_of
from core.domain.model import FindingState, Job
from core.domain.notices import Notice, escalated
from core.domain.workshop import Workshop


def at_risk_now(ws: Workshop, eta: Mapping[str, datetime]) -> dict[str, datetime]:
    """The cars at risk now and their predicted time, by the foreman's board's rule."""
    return {
        ro: predicted
        for ro, predicted in eta.items()
        if (job := ws.jobs.get(ro)) is not None
        and promise_at_risk(job.status, job.promised_at, predicted)
    }


def _car(job: Job, now: datetime, predicted: datetime | None, config: SiteConfig) -> AdvisorCar:
    waiting = tuple(
        WaitingFinding(
            id=f.id,
            title=f.title,
            severity=f.severity.value,
            labor_hours=f.labor_hours,
            parts_estimate=f.parts_estimate,
            reported_at=f.reported_at,
            level=escalation(now, *finding_due(f.reported_at, config.alerts)),
        )
        for f in job.pending_findings()
    )
    return AdvisorCar(
        ro=job.ro,
        advisor=job.advisor,
        plate=job.vehicle.plate,
        model=job.vehicle.model,
        customer=job.customer.name,
        phone=job.customer.phone,
        status=job.status,
        stage=stage_of(job.status.value),
        promised_at=job.promised_at,
        predicted_at=_minute(predicted),
        at_risk=promise_at_risk(job.status, job.promised_at, predicted),
        findings=waiting,
        approved=tuple((f.id, f.title) for f in job.findings if f.state is FindingState.APPROVED),
        parking_spot=job.parking_spot,
    )


def advisor_board(
    ws: Workshop, now: datetime, eta: Mapping[str, datetime], config: SiteConfig
) -> AdvisorBoard:
    """The board at ``now`` (to the minute: the predictions and levels a person reads)."""
    minute = now.replace(second=0, microsecond=0)
    jobs = sorted(ws.open_jobs(), key=lambda j: (j.promised_at, j.ro))
    cars = tuple(_car(j, now, eta.get(j.ro), config) for j in jobs if j.advisor)
    live = {j.ro for j in jobs}
    notices = sorted(
        (n for n in ws.notices.values() if n.open and n.ro in live),
        key=lambda n: (n.at, n.id),
        reverse=True,
    )
    after = timedelta(minutes=config.advisor.escalate_after_minutes)
    return AdvisorBoard(
        at=minute,
        cars=cars,
        notices=tuple(_line(n) for n in notices),
        escalated=tuple(_line(n) for n in notices if escalated(n, now, after)),
    )


def _line(n: Notice) -> NoticeLine:
    return NoticeLine(id=n.id, kind=n.kind, ro=n.ro, advisor=n.advisor, at=n.at, detail=n.detail)


def _minute(at: datetime | None) -> datetime | None:
    return None if at is None else at.replace(second=0, microsecond=0)
