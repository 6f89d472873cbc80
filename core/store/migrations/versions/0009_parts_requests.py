"""parts_requests: the bays' parts requests (领料) as columns, for the parts wait figures

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "parts_requests",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("bay", sa.String(length=64), nullable=False),
        sa.Column("tech", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("short_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wait_s", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("site", "ro", "request_id"),
    )
    op.create_index(
        "ix_parts_requests_site_requested_at", "parts_requests", ["site", "requested_at"]
    )
    _fill_from_documents()


def downgrade() -> None:
    op.drop_table("parts_requests")


# ----------------------------------------------------------------- the stored jobs
# A job document of version 5 or before holds no parts request: the table starts empty for
# them. One that does (written by this revision's code before the table was made, as a
# database copied between sites can be) gives its rows; the code that writes them from now
# on is core/store/parts_rows.py.
_docs = sa.table("jobs", sa.column("site"), sa.column("ro"), sa.column("doc", sa.JSON()))
_parts = sa.table(
    "parts_requests",
    *(sa.column(c) for c in ("site", "ro", "request_id", "bay", "tech", "state", "items")),
    *(sa.column(c, _TIME) for c in ("requested_at", "served_at", "short_at")),
    sa.column("wait_s"),
)


def _when(value: str | None) -> datetime | None:
    # In UTC, as every time is stored (SQLite keeps no offset).
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _rows(site: str, ro: str, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for r in doc.get("parts_requests") or []:
        asked, served = _when(r["requested_at"]), _when(r.get("served_at"))
        assert asked is not None
        yield {
            "site": site,
            "ro": ro,
            "request_id": r["id"],
            "bay": r["bay"],
            "tech": r["tech"],
            "state": r["state"],
            "items": len(r["lines"]),
            "requested_at": asked,
            "served_at": served,
            "short_at": _when(r.get("short_at")),
            "wait_s": None if served is None else max(0, round((served - asked).total_seconds())),
        }


def _fill_from_documents() -> None:
    """The parts requests of every stored job, a thousand jobs at a time."""
    conn = op.get_bind()
    after = ("", "")
    while True:
        chunk = conn.execute(
            sa.select(_docs)
            .where(sa.tuple_(_docs.c.site, _docs.c.ro) > after)
            .order_by(_docs.c.site, _docs.c.ro)
            .limit(1000)
        ).all()
        if not chunk:
            return
        rows = [line for row in chunk for line in _rows(row.site, row.ro, row.doc)]
        if rows:
            conn.execute(_parts.insert(), rows)
        after = (chunk[-1].site, chunk[-1].ro)
