"""the appointment book: a row per booking

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


def downgrade() -> None:
    op.drop_table("appointments")
