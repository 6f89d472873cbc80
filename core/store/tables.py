"""The tables. Every row carries its site; names here are persisted, so they never change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back aware. SQLite keeps no offset: a time stored or
    compared in another zone's wall clock would be hours off (a report at 00:30 in Shanghai
    counted nothing of the day), so every time crosses into the database as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        offset = value.utcoffset()
        if offset is None:
            raise ValueError(f"a time without its zone cannot be stored: {value!r}")
        return value if not offset else value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        to_utc = self.process_bind_param

        # SQLite keeps the text SQLAlchemy's DATETIME writes ("2026-12-05 06:15:02.123456",
        # read back by its own parser): written here in one step rather than two chained
        # ones, for a tap stores three times and a flood thousands a second (the format
        # costs less than ``isoformat``, which goes through C's printf).
        def as_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            m = value if value.tzinfo is UTC else to_utc(value, dialect)
            assert m is not None
            return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031
                m.year,
                m.month,
                m.day,
                m.hour,
                m.minute,
                m.second,
                m.microsecond,
            )

        return as_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class JobRow(Base):
    """One repair order: a few columns to query by, the whole domain object in ``doc``."""

    __tablename__ = "jobs"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    ro: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    bay: Mapped[str | None] = mapped_column(String(64))
    plate: Mapped[str] = mapped_column(String(32), index=True)
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    promised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checked_in_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class AftercareRow(Base):
    """A delivered car's follow-up call and complaint, as columns: the weekly report adds
    them up, the desk finds the open complaints by them."""

    __tablename__ = "aftercare"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    ro: Mapped[str] = mapped_column(String(64), primary_key=True)
    advisor: Mapped[str] = mapped_column(String(64))
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer)  # calls nobody answered
    categories: Mapped[str] = mapped_column(String(200))  # comma-separated
    complaint_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    complaint_owner: Mapped[str | None] = mapped_column(String(64))
    complaint_reply_by: Mapped[datetime | None] = mapped_column(UtcDateTime())
    complaint_resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_aftercare_site_delivered_at", "site", "delivered_at"),
        Index("ix_aftercare_site_complaint", "site", "complaint_opened_at"),
        # The day's follow-up calls, for the group feed's daily figures.
        Index("ix_aftercare_site_called_at", "site", "called_at"),
    )


class PartsRequestRow(Base):
    """A bay's parts request (领料) as columns, written with its order's row: the reports
    add up how long bays waited for parts by them. The request itself is the job's."""

    __tablename__ = "parts_requests"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    ro: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bay: Mapped[str] = mapped_column(String(64))
    tech: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    items: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    served_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    short_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Seconds from the ask until the parts were there (None: not yet, or cancelled).
    wait_s: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_parts_requests_site_requested_at", "site", "requested_at"),)


class WalkAroundRow(Base):
    """A signed walk-around (环车检查) of a repair order: every one kept, the latest the
    order's. Apart from the job's document, which is written with every tap: the customer's
    signature is written once."""

    __tablename__ = "walkarounds"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    site: Mapped[str] = mapped_column(String(64))
    ro: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)  # the sheet, without the signature
    signature: Mapped[str] = mapped_column(Text)  # a PNG data URL

    __table_args__ = (Index("ix_walkarounds_site_ro", "site", "ro", "id"),)


class AppointmentRow(Base):
    """A booking (预约): columns a day's list, an advisor's day and the bookings still open
    are found by; the whole domain object in ``doc``."""

    __tablename__ = "appointments"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # the site's local day of its slot
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    advisor: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    plate: Mapped[str] = mapped_column(String(32))
    ro: Mapped[str | None] = mapped_column(String(64))  # the repair order it became
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_appointments_site_day", "site", "day"),
        Index("ix_appointments_site_advisor_day", "site", "advisor", "day"),
        Index("ix_appointments_site_state", "site", "state"),
    )


class HelpCallRow(Base):
    """A help call (安灯) from a bay: what it was, who answered and closed it and when, as
    columns the live workshop is loaded by and the reports add up."""

    __tablename__ = "help_calls"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    bay: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(64))
    ro: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    tier: Mapped[int] = mapped_column(Integer)
    called_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_help_calls_site_state", "site", "state"),
        Index("ix_help_calls_site_called_at", "site", "called_at"),
    )


class JobFiguresRow(Base):
    """What the reports and the desk's follow-up list ask of a repair order, in a narrow row
    of its own (a month's report reads thousands of them; the documents stay unread)."""

    __tablename__ = "job_figures"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    ro: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    bay: Mapped[str | None] = mapped_column(String(64))
    promised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checked_in_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    qc_passed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the first pass
    rework_count: Mapped[int] = mapped_column(Integer)
    standard_hours: Mapped[float] = mapped_column(Float)  # approved findings included
    job_type: Mapped[str] = mapped_column(String(32), server_default="repair")
    # Seconds of finished work on it, over all technicians: what each one's share of a
    # passed job's standard hours is taken of (a passed job's clocks have all stopped).
    work_seconds: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_job_figures_site_updated", "site", "updated_at"),
        Index("ix_job_figures_site_status_delivered", "site", "status", "delivered_at"),
    )


class WorkRow(Base):
    """A stretch of a technician's work on a job (the job's ``doc`` has them all, pauses
    too): what the reports add up per technician and bay. Its times are seconds since 1970,
    the form the reports do their sums in (thousands of stretches a month)."""

    __tablename__ = "job_work"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    ro: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    tech: Mapped[str] = mapped_column(String(64))
    started: Mapped[float] = mapped_column(Float)
    ended: Mapped[float | None] = mapped_column(Float)  # still running: none yet

    __table_args__ = (
        # The clocks running now (a few among a year's stretches): a closed day is rolled
        # up only once none begun before its end still runs (report_days.py).
        Index(
            "ix_job_work_running",
            "site",
            "started",
            sqlite_where=text("ended IS NULL"),
            postgresql_where=text("ended IS NULL"),
        ),
    )


class ReportDayRow(Base):
    """A closed local day's report sums (core/store/report_days.py), from ``starts_at`` to
    ``ends_at``: a month's report adds up its days' rows and counts only the days without
    one. Written when the day has closed; gone again once a job the day may count is
    written (its check-in before the day's end)."""

    __tablename__ = "report_days"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    made_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: How the sums are laid out (report_days.LAYOUT): rows of another layout are made again.
    layout: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_report_days_site_ends", "site", "ends_at"),)


class AnsweredFindingRow(Base):
    """A finding the customer answered: what the reports count of add-on work."""

    __tablename__ = "job_findings"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    ro: Mapped[str] = mapped_column(String(64), primary_key=True)
    finding_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    approved: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    labor_hours: Mapped[float] = mapped_column(Float)
    parts_estimate: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_job_findings_site_answered", "site", "answered_at"),)


class TechnicianStateRow(Base):
    __tablename__ = "technician_states"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    tech: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class CounterRow(Base):
    __tablename__ = "counters"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class InboxRow(Base):
    """Every event ever received, by ``(source, seq)``: what makes ingest idempotent."""

    __tablename__ = "inbox"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    result: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The message's digest: a repeat is the same bytes, a reused number is not.
    digest: Mapped[str | None] = mapped_column(String(16))


class AuditRow(Base):
    """The audit log: every applied event and every action taken on a web page."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    site: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(16))  # "event" | "command"
    source: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(64))
    job: Mapped[str | None] = mapped_column(String(64))
    bay: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_site_job", "site", "job", "id"),)


class PrintRow(Base):
    """A print the core asked for, until the printer's bridge reports it printed."""

    __tablename__ = "prints"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    print_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    printer: Mapped[str] = mapped_column(String(64))
    ro: Mapped[str | None] = mapped_column(String(64), index=True)
    document: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | done | failed
    reason: Mapped[str | None] = mapped_column(String(500))
    job: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BoardSessionRow(Base):
    """A person signed in to the boards in one browser, until ended, idle or too old."""

    __tablename__ = "board_sessions"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiTokenRow(Base):
    """An API token: its SHA-256 only (a long random token needs no slow hash)."""

    __tablename__ = "api_tokens"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class GroupOutboxRow(Base):
    """A fact for the dealer group's head office, numbered per site, written with the batch
    that caused it and kept until the hub acknowledges holding it (core/contract/group.py)."""

    __tablename__ = "group_outbox"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class GroupSequenceRow(Base):
    """The last seq a site's feed gave (acknowledged facts leave the outbox; their numbers
    are never given again), and the site's own facts as last sent."""

    __tablename__ = "group_sequence"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    site_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
