"""The hub's tables, in a MetaData of its own (head office's database is not a site's).
Names here are persisted, so they never change; every name starts ``hub_`` so that a
database shared with anything else keeps them apart.

The applied facts' log grows by every fact of every site: a year of 460 sites is hundreds
of millions of rows, read only by ``(site, seq)`` (its key) — see ``HubStore.reconcile``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from core.contract.group import DayFigures
from core.store.tables import UtcDateTime

metadata = MetaData()

_SITE = 64
# Keys are the contract's identifiers (64 characters at most); what a site says in free
# words (its name, a status, a call's kind) is Text, so that no value the contract lets
# through is refused by the database and holds up every site's feed behind it.

#: Each site the hub has applied a fact of: what the site says of itself, and how far its
#: feed is applied (``last_seq``: every fact up to it is in ``hub_facts``, none after).
sites = Table(
    "hub_sites",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("timezone", Text, nullable=False, server_default=""),
    Column("bays", BigInteger, nullable=False, server_default="0"),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    #: When the hub applied the site's last fact, and that fact's site commit → hub commit.
    Column("last_heard", UtcDateTime(), nullable=True),
    Column("last_lag_seconds", Float, nullable=True),
)

#: Every fact applied, once: ``(site, seq)`` is the key, so a reconcile can prove that
#: every fact of a site is here exactly once and in order (1..last_seq, no hole).
facts = Table(
    "hub_facts",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    #: When the site committed it, and when the hub did.
    Column("site_at", UtcDateTime(), nullable=False),
    Column("hub_at", UtcDateTime(), nullable=False),
    Column("payload", JSON, nullable=False),
)

#: Each repair order's latest summary. ``open``: still in the workshop (delivered, closed
#: and cancelled jobs leave the open set; their summaries stay for the detail).
jobs = Table(
    "hub_jobs",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("ro", String(64), primary_key=True),
    Column("status", Text, nullable=False),
    Column("open", Boolean, nullable=False),
    Column("at_risk", Boolean, nullable=False),
    Column("waiting_dispatch", Boolean, nullable=False),
    Column("bay", String(64), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("summary", JSON, nullable=False),
    Index("ix_hub_jobs_site_open", "site", "open"),
)


def _figure_columns() -> list[Column[object]]:
    """One column per figure of ``DayFigures``: counts as integers, hours and seconds as
    floats (the migration spells them out; a test compares the two)."""
    out: list[Column[object]] = []
    for name, info in DayFigures.model_fields.items():
        if name in ("kind", "day"):
            continue
        kind = Float if info.annotation is float else BigInteger
        out.append(Column(name, kind, nullable=False, server_default="0"))
    return out


#: A site's figures of one of its local days so far (each day fact replaces the last).
days = Table(
    "hub_days",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("day", Date, primary_key=True),
    *_figure_columns(),
    Index("ix_hub_days_day", "day"),
)

devices = Table(
    "hub_devices",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("online", BigInteger, nullable=False),
    Column("offline", BigInteger, nullable=False),
    Column("offline_names", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

help_calls = Table(
    "hub_help_calls",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("bay", String(64), nullable=False),
    Column("call_kind", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("open", Boolean, nullable=False),
    Column("level", BigInteger, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("answered_at", UtcDateTime(), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Index("ix_hub_help_calls_site_open", "site", "open"),
)

#: The after-service calls' outcomes (a car may be called more than once).
follow_ups = Table(
    "hub_follow_ups",
    metadata,
    Column("site", String(_SITE), primary_key=True),
    Column("ro", String(64), primary_key=True),
    Column("at", UtcDateTime(), primary_key=True),
    Column("reached", Boolean, nullable=False),
    Column("score", Integer, nullable=True),
    Column("complaint", Boolean, nullable=False),
)
