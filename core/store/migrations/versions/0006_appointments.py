"""the appointment book: a row per booking; each repair order's job type beside its
figures, for the reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", _TIME, nullable=False),
        sa.Column("advisor", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("site", "id"),
    )
    op.create_index("ix_appointments_site_day", "appointments", ["site", "day"])
    op.create_index("ix_appointments_site_advisor_day", "appointments", ["site", "advisor", "day"])
    op.create_index("ix_appointments_site_state", "appointments", ["site", "state"])
    # Orders taken before job types were asked for are repairs (job document version 1 →
    # 2 says the same); a document already written with one says its own.
    with op.batch_alter_table("job_figures") as batch:
        batch.add_column(
            sa.Column("job_type", sa.String(length=32), nullable=False, server_default="repair")
        )
    _types_from_documents()


def downgrade() -> None:
    with op.batch_alter_table("job_figures") as batch:
        batch.drop_column("job_type")
    op.drop_table("appointments")


_jobs = sa.table("jobs", sa.column("site"), sa.column("ro"), sa.column("doc", sa.JSON()))
_figures = sa.table("job_figures", sa.column("site"), sa.column("ro"), sa.column("job_type"))


def _types_from_documents() -> None:
    """The job type of every document that has one other than a repair, a thousand jobs at
    a time."""
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
        typed = [r for r in chunk if r.doc.get("job_type", "repair") != "repair"]
        for row in typed:
            conn.execute(
                _figures.update()
                .where(_figures.c.site == row.site, _figures.c.ro == row.ro)
                .values(job_type=row.doc["job_type"])
            )
        after = (chunk[-1].site, chunk[-1].ro)
