"""parts_requests: the bays' parts requests (领料) as columns, for the parts wait figures

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No job document held a parts request before (version 5 had none): it starts empty.
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


def downgrade() -> None:
    op.drop_table("parts_requests")
