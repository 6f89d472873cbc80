"""what the reports and the desk query: each job's figures, its work and its answered
findings, in narrow rows beside its document

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_figures",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("bay", sa.String(length=64), nullable=True),
        sa.Column("promised_at", _TIME, nullable=False),
        sa.Column("checked_in_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("dispatched_at", _TIME, nullable=True),
        sa.Column("ready_at", _TIME, nullable=True),
        sa.Column("delivered_at", _TIME, nullable=True),
        sa.Column("qc_passed_at", _TIME, nullable=True),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("standard_hours", sa.Float(), nullable=False),
        sa.Column("work_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "ro"),
    )
    op.create_index("ix_job_figures_site_updated", "job_figures", ["site", "updated_at"])
    op.create_index(
        "ix_job_figures_site_status_delivered",
        "job_figures",
        ["site", "status", "delivered_at"],
    )
    op.create_table(
        "job_work",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("tech", sa.String(length=64), nullable=False),
        sa.Column("started", sa.Float(), nullable=False),
        sa.Column("ended", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("site", "ro", "n"),
    )
    op.create_table(
        "job_findings",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("answered_at", _TIME, nullable=False),
        sa.Column("labor_hours", sa.Float(), nullable=False),
        sa.Column("parts_estimate", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "ro", "finding_id"),
    )
    op.create_index("ix_job_findings_site_answered", "job_findings", ["site", "answered_at"])
    _fill_from_documents()


def downgrade() -> None:
    op.drop_table("job_findings")
    op.drop_table("job_work")
    op.drop_table("job_figures")


# ----------------------------------------------------------------- the stored jobs
# The documents as this revision knows them (version 1 of the job document); the code that
# writes these rows from now on is core/store/report_rows.py.
_jobs = sa.table(
    "jobs",
    *(sa.column(c, sa.String()) for c in ("site", "ro", "status", "bay")),
    *(sa.column(c, _TIME) for c in ("promised_at", "checked_in_at", "updated_at")),
    sa.column("doc", sa.JSON()),
)
_TIMES = ("promised_at", "checked_in_at", "updated_at", "dispatched_at", "ready_at")
_TIMES += ("delivered_at", "qc_passed_at")
_figures = sa.table(
    "job_figures",
    *(sa.column(c) for c in ("site", "ro", "status", "bay", "rework_count")),
    *(sa.column(c) for c in ("standard_hours", "work_seconds")),
    *(sa.column(c, _TIME) for c in _TIMES),
)
_work = sa.table(
    "job_work", *(sa.column(c) for c in ("site", "ro", "n", "tech", "started", "ended"))
)
_findings = sa.table(
    "job_findings",
    *(sa.column(c) for c in ("site", "ro", "finding_id", "approved")),
    *(sa.column(c) for c in ("labor_hours", "parts_estimate")),
    sa.column("answered_at", _TIME),
)


def _when(value: str | None) -> datetime | None:
    # In UTC, as every time is stored (SQLite keeps no offset).
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _figures_of(row: Any) -> dict[str, Any]:
    doc = row.doc
    passed = [c["at"] for c in doc.get("checks", []) if c["level"] == "qc" and c["passed"]]
    approved = [f for f in doc.get("findings", []) if f["state"] == "approved"]
    hours = sum(op["standard_hours"] for op in doc.get("operations", []))
    return {
        "site": row.site,
        "ro": row.ro,
        "status": row.status,
        "bay": row.bay,
        "promised_at": row.promised_at,
        "checked_in_at": row.checked_in_at,
        "updated_at": row.updated_at,
        "dispatched_at": _when(doc.get("dispatched_at")),
        "ready_at": _when(doc.get("ready_at")),
        "delivered_at": _when(doc.get("delivered_at")),
        "qc_passed_at": _when(passed[0]) if passed else None,
        "rework_count": doc.get("rework_count", 0),
        "standard_hours": hours + sum(f["labor_hours"] for f in approved),
        "work_seconds": sum(
            (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).total_seconds()
            for s in doc.get("segments", [])
            if s["kind"] == "work" and s["end"] is not None
        ),
    }


def _rows(site: str, ro: str, doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    work = [s for s in doc.get("segments", []) if s["kind"] == "work"]
    for n, seg in enumerate(work):
        start, end = _when(seg["start"]), _when(seg["end"])
        yield (
            "work",
            {
                "site": site,
                "ro": ro,
                "n": n,
                "tech": seg["tech"],
                "started": start.timestamp() if start else None,
                "ended": end.timestamp() if end else None,
            },
        )
    for f in doc.get("findings", []):
        if f["state"] != "pending" and f.get("answered_at"):
            yield (
                "finding",
                {
                    "site": site,
                    "ro": ro,
                    "finding_id": f["id"],
                    "approved": f["state"] == "approved",
                    "answered_at": _when(f["answered_at"]),
                    "labor_hours": f["labor_hours"],
                    "parts_estimate": f["parts_estimate"],
                },
            )


def _fill_from_documents() -> None:
    """Every stored job's figures, work and answered findings, a thousand jobs at a time."""
    conn = op.get_bind()
    after = ("", "")
    while True:
        chunk = conn.execute(
            sa.select(_jobs)
            .where(sa.tuple_(_jobs.c.site, _jobs.c.ro) > after)
            .order_by(_jobs.c.site, _jobs.c.ro)
            .limit(1000)
        ).all()
        if not chunk:
            return
        work: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        for row in chunk:
            for kind, line in _rows(row.site, row.ro, row.doc):
                (work if kind == "work" else findings).append(line)
        conn.execute(_figures.insert(), [_figures_of(row) for row in chunk])
        if work:
            conn.execute(_work.insert(), work)
        if findings:
            conn.execute(_findings.insert(), findings)
        after = (chunk[-1].site, chunk[-1].ro)
