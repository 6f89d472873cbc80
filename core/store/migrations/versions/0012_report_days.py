"""report_days: closed days' report sums, so a month's report adds up days; the running
clocks indexed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: the core rolls up the closed days after the upgrade, the most recent
    # first, and until a day has its row the reports count it from the jobs' rows.
    op.create_table(
        "report_days",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("layout", sa.Integer(), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("site", "starts_at"),
    )
    op.create_index("ix_report_days_site_ends", "report_days", ["site", "ends_at"])
    op.create_index(
        "ix_job_work_running",
        "job_work",
        ["site", "started"],
        sqlite_where=sa.text("ended IS NULL"),
        postgresql_where=sa.text("ended IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_job_work_running", table_name="job_work")
    op.drop_index("ix_report_days_site_ends", table_name="report_days")
    op.drop_table("report_days")
