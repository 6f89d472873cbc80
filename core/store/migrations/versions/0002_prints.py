"""prints the core asked for

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prints",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("print_id", sa.String(length=64), nullable=False),
        sa.Column("printer", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=True),
        sa.Column("document", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("job", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "print_id"),
    )
    with op.batch_alter_table("prints", schema=None) as batch_op:
        batch_op.create_index("ix_prints_ro", ["ro"], unique=False)
        batch_op.create_index("ix_prints_state", ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("prints")
