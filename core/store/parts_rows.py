"""A job's parts requests (领料) as the rows the reports add up."""

from __future__ import annotations

from typing import Any

from core.domain.model import Job
from core.domain.reports import parts_wait_seconds


def parts_rows(site: str, job: Job) -> list[dict[str, Any]]:
    """One row per request of the order, with how long the bay waited when it is over."""
    return [
        {
            "site": site,
            "ro": job.ro,
            "request_id": r.id,
            "bay": r.bay,
            "tech": r.tech,
            "state": r.state.value,
            "items": len(r.lines),
            "requested_at": r.requested_at,
            "served_at": r.served_at,
            "short_at": r.short_at,
            "wait_s": (
                None if r.served_at is None else parts_wait_seconds(r.requested_at, r.served_at)
            ),
        }
        for r in job.parts_requests
    ]
