"""aftercare: a delivered car's follow-up call and complaint as columns, filled from the
stored job documents

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "aftercare",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("advisor", sa.String(length=64), nullable=False),
        sa.Column("delivered_at", _TIME, nullable=False),
        sa.Column("called_at", _TIME, nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("complaint_opened_at", _TIME, nullable=True),
        sa.Column("complaint_owner", sa.String(length=64), nullable=True),
        sa.Column("complaint_reply_by", _TIME, nullable=True),
        sa.Column("complaint_resolved_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("site", "ro"),
    )
    op.create_index("ix_aftercare_site_delivered_at", "aftercare", ["site", "delivered_at"])
    op.create_index("ix_aftercare_site_complaint", "aftercare", ["site", "complaint_opened_at"])
    _from_documents()


def downgrade() -> None:
    op.drop_table("aftercare")


_jobs = sa.table(
    "jobs", sa.column("site"), sa.column("ro"), sa.column("status"), sa.column("doc", sa.JSON())
)
_aftercare = sa.table(
    "aftercare",
    *(
        sa.column(c)
        for c in ("site", "ro", "advisor", "attempts", "categories", "outcome", "complaint_owner")
    ),
    *(
        sa.column(c, _TIME)
        for c in (
            "delivered_at",
            "called_at",
            "complaint_opened_at",
            "complaint_reply_by",
            "complaint_resolved_at",
        )
    ),
)


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _row(site: str, ro: str, doc: dict[str, Any]) -> dict[str, Any]:
    """As core/store/aftercare_rows.py writes it, from a document of any version (those
    before version 4 knew no categories, unanswered calls or complaint cases)."""
    call = doc.get("follow_up")
    case = doc.get("complaint")
    return {
        "site": site,
        "ro": ro,
        "advisor": doc.get("advisor") or "",
        "delivered_at": _when(doc["delivered_at"]),
        "called_at": _when(call["at"]) if call else None,
        "outcome": call["outcome"] if call else None,
        "attempts": len(doc.get("call_attempts") or []),
        "categories": ",".join(call.get("categories") or []) if call else "",
        "complaint_opened_at": _when(case["opened_at"]) if case else None,
        "complaint_owner": case["owner"] if case else None,
        "complaint_reply_by": _when(case["reply_by"]) if case else None,
        "complaint_resolved_at": _when(case.get("resolved_at")) if case else None,
    }


def _from_documents() -> None:
    """A row for every delivered or closed car of the stored documents, a thousand jobs at a
    time."""
    conn = op.get_bind()
    after = ("", "")
    while True:
        chunk = conn.execute(
            sa.select(_jobs)
            .where(
                sa.tuple_(_jobs.c.site, _jobs.c.ro) > after,
                _jobs.c.status.in_(("delivered", "closed")),
            )
            .order_by(_jobs.c.site, _jobs.c.ro)
            .limit(1000)
        ).all()
        if not chunk:
            return
        rows = [_row(r.site, r.ro, r.doc) for r in chunk if r.doc.get("delivered_at")]
        if rows:
            conn.execute(_aftercare.insert(), rows)
        after = (chunk[-1].site, chunk[-1].ro)
