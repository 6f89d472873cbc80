"""What the reports query, taken from a job whenever its row is written: its figures (status,
milestones, standard hours), its stretches of work and its answered findings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.domain.model import FindingState, Job


def figures_row(site: str, job: Job, now: datetime) -> dict[str, Any]:
    passed = next((c.at for c in job.checks if c.level == "qc" and c.passed), None)
    return {
        "site": site,
        "ro": job.ro,
        "status": job.status.value,
        "bay": job.bay,
        "promised_at": job.promised_at,
        "checked_in_at": job.checked_in_at,
        "updated_at": now,
        "dispatched_at": job.dispatched_at,
        "ready_at": job.ready_at,
        "delivered_at": job.delivered_at,
        "qc_passed_at": passed,
        "rework_count": job.rework_count,
        "standard_hours": job.standard_hours,
        "job_type": job.job_type.value,
        "work_seconds": sum(
            (s.end - s.start).total_seconds()
            for s in job.segments
            if s.kind == "work" and s.end is not None
        ),
    }


def work_rows(site: str, job: Job) -> list[dict[str, Any]]:
    work = [s for s in job.segments if s.kind == "work"]
    return [
        {
            "site": site,
            "ro": job.ro,
            "n": n,
            "tech": s.tech,
            "started": s.start.timestamp(),
            "ended": None if s.end is None else s.end.timestamp(),
        }
        for n, s in enumerate(work)
    ]


def finding_rows(site: str, job: Job) -> list[dict[str, Any]]:
    return [
        {
            "site": site,
            "ro": job.ro,
            "finding_id": f.id,
            "approved": f.state is FindingState.APPROVED,
            "answered_at": f.answered_at,
            "labor_hours": f.labor_hours,
            "parts_estimate": f.parts_estimate,
        }
        for f in job.findings
        if f.state is not FindingState.PENDING and f.answered_at is not None
    ]
