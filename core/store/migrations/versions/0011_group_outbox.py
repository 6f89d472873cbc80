"""group_outbox, group_sequence: the site's feed to its dealer group's head office

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A site joins its group from this release on: nothing was fed before, so the feed
    # starts at seq 1 with empty tables.
    op.create_table(
        "group_outbox",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("site", "seq"),
    )
    op.create_table(
        "group_sequence",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("site_facts", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("site"),
    )
    op.create_index("ix_aftercare_site_called_at", "aftercare", ["site", "called_at"])


def downgrade() -> None:
    op.drop_index("ix_aftercare_site_called_at", table_name="aftercare")
    op.drop_table("group_sequence")
    op.drop_table("group_outbox")
