"""What the reports query, taken from a job when its row is written: its milestones as
columns of ``jobs``, its stretches of work and its answered findings as rows of their own."""

from __future__ import annotations

from typing import Any

from core.domain.model import FindingState, Job


def report_columns(job: Job) -> dict[str, Any]:
    passed = next((c.at for c in job.checks if c.level == "qc" and c.passed), None)
    return {
        "dispatched_at": job.dispatched_at,
        "ready_at": job.ready_at,
        "delivered_at": job.delivered_at,
        "qc_passed_at": passed,
        "rework_count": job.rework_count,
        "standard_hours": job.standard_hours,
    }


def work_rows(site: str, job: Job) -> list[dict[str, Any]]:
    work = [s for s in job.segments if s.kind == "work"]
    return [
        {"site": site, "ro": job.ro, "n": n, "tech": s.tech, "start": s.start, "end": s.end}
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
