"""what the reports and the desk query: job milestones as columns, work and answered findings
as rows

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

_NEW_JOB_COLUMNS = [
    ("dispatched_at", sa.DateTime(timezone=True)),
    ("ready_at", sa.DateTime(timezone=True)),
    ("delivered_at", sa.DateTime(timezone=True)),
    ("qc_passed_at", sa.DateTime(timezone=True)),
    ("rework_count", sa.Integer()),
    ("standard_hours", sa.Float()),
]


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        for name, kind in _NEW_JOB_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.create_index("ix_jobs_site_updated", ["site", "updated_at"], unique=False)
        batch_op.create_index(
            "ix_jobs_site_status_delivered", ["site", "status", "delivered_at"], unique=False
        )
    op.create_table(
        "job_work",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("tech", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("site", "ro", "n"),
    )
    op.create_table(
        "job_findings",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("labor_hours", sa.Float(), nullable=False),
        sa.Column("parts_estimate", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "ro", "finding_id"),
    )
    _fill_from_documents()


def downgrade() -> None:
    op.drop_table("job_findings")
    op.drop_table("job_work")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_site_status_delivered")
        batch_op.drop_index("ix_jobs_site_updated")
        for name, _kind in reversed(_NEW_JOB_COLUMNS):
            batch_op.drop_column(name)


# ----------------------------------------------------------------- the stored jobs
# The documents as this revision knows them (version 1 of the job document); the code that
# writes the rows from now on is core/store/repository.py.
_jobs = sa.table(
    "jobs",
    sa.column("site", sa.String()),
    sa.column("ro", sa.String()),
    sa.column("doc", sa.JSON()),
    *(sa.column(name, kind) for name, kind in _NEW_JOB_COLUMNS),
)
_work = sa.table(
    "job_work",
    *(sa.column(c) for c in ("site", "ro", "n", "tech")),
    sa.column("start", sa.DateTime(timezone=True)),
    sa.column("end", sa.DateTime(timezone=True)),
)
_findings = sa.table(
    "job_findings",
    *(sa.column(c) for c in ("site", "ro", "finding_id", "approved", "labor_hours")),
    sa.column("parts_estimate"),
    sa.column("answered_at", sa.DateTime(timezone=True)),
)


def _when(value: str | None) -> datetime | None:
    # In UTC, as every time is stored (SQLite keeps no offset).
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _columns(doc: dict[str, Any]) -> dict[str, Any]:
    passed = [c["at"] for c in doc.get("checks", []) if c["level"] == "qc" and c["passed"]]
    approved = [f for f in doc.get("findings", []) if f["state"] == "approved"]
    hours = sum(op["standard_hours"] for op in doc.get("operations", []))
    return {
        "dispatched_at": _when(doc.get("dispatched_at")),
        "ready_at": _when(doc.get("ready_at")),
        "delivered_at": _when(doc.get("delivered_at")),
        "qc_passed_at": _when(passed[0]) if passed else None,
        "rework_count": doc.get("rework_count", 0),
        "standard_hours": hours + sum(f["labor_hours"] for f in approved),
    }


def _rows(site: str, ro: str, doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    work = [s for s in doc.get("segments", []) if s["kind"] == "work"]
    for n, seg in enumerate(work):
        start, end = _when(seg["start"]), _when(seg["end"])
        yield (
            "work",
            {"site": site, "ro": ro, "n": n, "tech": seg["tech"], "start": start, "end": end},
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
    """Every stored job's columns and rows, from its document, a thousand at a time."""
    conn = op.get_bind()
    set_columns = (
        _jobs.update()
        .where(_jobs.c.site == sa.bindparam("k_site"), _jobs.c.ro == sa.bindparam("k_ro"))
        .values({name: sa.bindparam(name) for name, _kind in _NEW_JOB_COLUMNS})
    )
    after = ("", "")
    while True:
        chunk = conn.execute(
            sa.select(_jobs.c.site, _jobs.c.ro, _jobs.c.doc)
            .where(sa.tuple_(_jobs.c.site, _jobs.c.ro) > after)
            .order_by(_jobs.c.site, _jobs.c.ro)
            .limit(1000)
        ).all()
        if not chunk:
            return
        work: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        for site, ro, doc in chunk:
            for kind, row in _rows(site, ro, doc):
                (work if kind == "work" else findings).append(row)
        conn.execute(set_columns, [{"k_site": s, "k_ro": r, **_columns(d)} for s, r, d in chunk])
        if work:
            conn.execute(_work.insert(), work)
        if findings:
            conn.execute(_findings.insert(), findings)
        after = (chunk[-1][0], chunk[-1][1])
