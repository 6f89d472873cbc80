"""walkarounds: the signed walk-around record (环车检查) of a repair order

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No job document held a walk-around before: the table starts empty.
    op.create_table(
        "walkarounds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_walkarounds_site_ro", "walkarounds", ["site", "ro", "id"])


def downgrade() -> None:
    op.drop_table("walkarounds")
