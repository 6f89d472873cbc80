"""A delivered car's follow-up call and complaint as a row of columns, written with the
job's own row: the weekly report adds them up, the desk finds open complaints by them."""

from __future__ import annotations

from typing import Any

from core.domain.model import Job, JobStatus

#: Jobs that have an aftercare row: delivered, and closed after it.
AFTER_DELIVERY = frozenset({JobStatus.DELIVERED, JobStatus.CLOSED})


def aftercare_row(site: str, job: Job) -> dict[str, Any] | None:
    """The row of a delivered car (None for one that was never delivered)."""
    if job.status not in AFTER_DELIVERY or job.delivered_at is None:
        return None
    call, case = job.follow_up, job.complaint
    return {
        "site": site,
        "ro": job.ro,
        "advisor": job.advisor,
        "delivered_at": job.delivered_at,
        "called_at": call.at if call else None,
        "outcome": call.outcome.value if call else None,
        "attempts": len(job.call_attempts),
        "categories": ",".join(call.categories) if call else "",
        "complaint_opened_at": case.opened_at if case else None,
        "complaint_owner": case.owner if case else None,
        "complaint_reply_by": case.reply_by if case else None,
        "complaint_resolved_at": case.resolved_at if case else None,
    }
