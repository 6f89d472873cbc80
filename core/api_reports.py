"""The service department's figures for a day, an ISO week or a calendar month, under
``/api/v1/reports``: what the reports page and its CSV show, for a dealer system or a
dashboard to fetch with a ``read`` token. Added up by the database on the request's thread
(a few at once, ``site_report``), never in the core's queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from core.api_parts import PROBLEMS, Reader, require_reach
from core.board_source import site_report
from core.domain.reports import Report
from core.domain.reports import period as period_of
from core.domain.vocabulary import JobType
from core.engine import Core

Period = Literal["day", "week", "month"]


class _Figures(BaseModel):
    # Read from the report's own figures, their rates (properties) included.
    model_config = ConfigDict(from_attributes=True)


class TechnicianFigures(_Figures):
    tech: str
    standard_hours: float = Field(description="Standard hours of the work finished")
    worked_hours: float = Field(description="Hours on the clock")
    efficiency: float | None = Field(
        description="Standard over worked hours; null: none worked. A job's standard hours "
        "count when it is finished, its hours as worked: a day can read above 1"
    )


class BayFiguresOut(_Figures):
    bay: str
    busy_hours: float
    open_hours: float = Field(
        description="The site's opening hours over the whole period, days still to come included"
    )
    utilisation: float | None = Field(
        description="Busy over open hours (0–1): so a period still running reads low"
    )


class DayFigures(BaseModel):
    day: date
    jobs_in: int
    delivered: int


class JobTypeFiguresOut(_Figures):
    job_type: JobType
    jobs_in: int
    delivered: int
    on_time_rate: float | None


class ReportOut(BaseModel):
    """A period's figures; a rate is a fraction (0–1), null where nothing was counted."""

    period: Period
    start: datetime = Field(description="First instant of the period, in the site's zone")
    end: datetime = Field(description="First instant after it")
    jobs_in: int = Field(description="Cars checked in")
    delivered: int
    on_time_rate: float | None = Field(description="Delivered by the promised time")
    average_cycle_hours: float | None = Field(description="Check-in to ready")
    average_wait_hours: float | None = Field(description="Check-in to the first dispatch")
    first_time_fix_rate: float | None = Field(description="Passed quality control first time")
    findings_answered: int
    findings_approved: int
    approval_rate: float | None
    approved_parts: float = Field(description="Parts price of the approved findings")
    approved_hours: float = Field(description="Labour hours of the approved findings")
    parts_requests_served: int
    parts_wait_p50_minutes: float | None
    parts_wait_p90_minutes: float | None
    technicians: list[TechnicianFigures] = Field(
        description="Everyone with work on a job the period counts (its hours may lie outside it)"
    )
    bays: list[BayFiguresOut]
    per_day: list[DayFigures]
    job_types: list[JobTypeFiguresOut]


def report_out(period: Period, r: Report) -> ReportOut:
    return ReportOut(
        period=period,
        start=r.start,
        end=r.end,
        jobs_in=r.jobs_in,
        delivered=r.delivered,
        on_time_rate=r.on_time_rate,
        average_cycle_hours=r.average_cycle_hours,
        average_wait_hours=r.average_wait_hours,
        first_time_fix_rate=r.first_time_fix_rate,
        findings_answered=r.findings_answered,
        findings_approved=r.findings_approved,
        approval_rate=r.approval_rate,
        approved_parts=r.approved_parts,
        approved_hours=r.approved_hours,
        parts_requests_served=len(r.parts_waits),
        parts_wait_p50_minutes=r.parts_wait_p50_minutes,
        parts_wait_p90_minutes=r.parts_wait_p90_minutes,
        technicians=[TechnicianFigures.model_validate(t) for t in r.technicians],
        bays=[BayFiguresOut.model_validate(b) for b in r.bays],
        per_day=[DayFigures(day=d, jobs_in=i, delivered=o) for d, i, o in r.per_day],
        job_types=[JobTypeFiguresOut.model_validate(k) for k in r.job_types],
    )


def add_report_routes(api: FastAPI, core: Core) -> None:
    @api.get("/reports/{period}", responses=PROBLEMS, response_model=ReportOut)
    def read_report(
        actor: Reader,
        period: Annotated[Period, Path(description="day, week (ISO, Monday on) or month")],
        day: Annotated[
            date | None,
            Query(description="A day within the period; empty: today at the site"),
        ] = None,
    ) -> ReportOut:
        """The figures of the day, week or month around ``day``, as the reports page shows
        them. A day before 2000 or after 2100 is answered 409 `invalid_data`."""
        on = day if day is not None else core.clock().astimezone(core.config.zone).date()
        require_reach(on)
        start, end = period_of(period, on, core.config.zone)
        return report_out(period, site_report(core, start, end))
