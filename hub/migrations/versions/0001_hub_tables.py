"""hub tables: the sites, the applied facts' log, and the sites' jobs, days, devices,
help calls and follow-up outcomes

Revision ID: 0001
Revises:
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_COUNTS = (
    "checked_in",
    "delivered",
    "delivered_on_time",
    "first_time_fixed",
)
_HOURS = ("sold_hours", "clocked_hours")
_MORE_COUNTS = (
    "findings_answered",
    "findings_approved",
    "follow_ups",
    "satisfaction_sum",
    "satisfaction_count",
    "complaints",
    "help_calls",
    "help_answered",
)


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def _hours(name: str) -> sa.Column:
    return sa.Column(name, sa.Float(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "hub_sites",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("timezone", sa.Text(), server_default="", nullable=False),
        sa.Column("bays", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_heard", _TIME, nullable=True),
        sa.Column("last_lag_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("site"),
    )
    # The log's key (site, seq) is its only index: a year of every site's facts is read
    # only by it. PostgreSQL can take it partitioned by month of hub_at later.
    op.create_table(
        "hub_facts",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("site_at", _TIME, nullable=False),
        sa.Column("hub_at", _TIME, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("site", "seq"),
    )
    op.create_table(
        "hub_jobs",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("waiting_dispatch", sa.Boolean(), nullable=False),
        sa.Column("bay", sa.String(length=64), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("site", "ro"),
    )
    op.create_index("ix_hub_jobs_site_open", "hub_jobs", ["site", "open"])
    op.create_table(
        "hub_days",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[_count(n) for n in _COUNTS],
        *[_hours(n) for n in _HOURS],
        *[_count(n) for n in _MORE_COUNTS],
        _hours("help_response_seconds"),
        sa.PrimaryKeyConstraint("site", "day"),
    )
    op.create_index("ix_hub_days_day", "hub_days", ["day"])
    op.create_table(
        "hub_devices",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("online", sa.BigInteger(), nullable=False),
        sa.Column("offline", sa.BigInteger(), nullable=False),
        sa.Column("offline_names", sa.JSON(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("site"),
    )
    op.create_table(
        "hub_help_calls",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("bay", sa.String(length=64), nullable=False),
        sa.Column("call_kind", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("level", sa.BigInteger(), nullable=False),
        sa.Column("raised_at", _TIME, nullable=False),
        sa.Column("answered_at", _TIME, nullable=True),
        sa.Column("closed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("site", "id"),
    )
    op.create_index("ix_hub_help_calls_site_open", "hub_help_calls", ["site", "open"])
    op.create_table(
        "hub_follow_ups",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("ro", sa.String(length=64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("site", "ro", "at"),
    )


def downgrade() -> None:
    for table in (
        "hub_follow_ups",
        "hub_help_calls",
        "hub_devices",
        "hub_days",
        "hub_jobs",
        "hub_facts",
        "hub_sites",
    ):
        op.drop_table(table)
