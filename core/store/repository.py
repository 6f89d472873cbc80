"""Reading and writing the workshop: one transaction per batch of applied work."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from core.domain.aftercare_report import AftercareCall
from core.domain.appointment import Appointment
from core.domain.bay_needs import OperationKinds
from core.domain.booking_rules import BookingRules
from core.domain.help_calls import HelpTiers
from core.domain.help_report import HelpTimes
from core.domain.model import (
    OPEN_STATUSES,
    Bay,
    FollowUpOutcome,
    Job,
    JobStatus,
    Technician,
    WalkAround,
)
from core.domain.plates import plate_key
from core.domain.reports import Report, complete
from core.domain.working_hours import WorkingHours
from core.domain.workshop import Workshop
from core.domain.workshop_state import left_since

from .aftercare_rows import aftercare_row
from .appointment_rows import (
    appointment_row,
    appointments_on,
    live_appointments,
    stored_appointment,
)
from .codec import job_from_doc, job_json, tech_from_doc, tech_json
from .committed import Committed
from .driver_statements import DriverStatements
from .group_outbox import GroupWrite, write_group
from .help_call_rows import help_call_row, help_times, open_help_calls
from .job_writes import JobRowWrites
from .parts_rows import parts_rows
from .report_days import (
    Day,
    days_without_sums,
    first_day,
    forget_from,
    other_days,
    report_sums,
    roll,
)
from .report_queries import WRITTEN_EARLY
from .report_rows import figures_row
from .report_writes import ReportRowWrites
from .tables import (
    AftercareRow,
    AppointmentRow,
    AuditRow,
    CounterRow,
    HelpCallRow,
    InboxRow,
    JobFiguresRow,
    JobRow,
    PartsRequestRow,
    PrintRow,
    TechnicianStateRow,
    WalkAroundRow,
)
from .wal import SQLITE_AUTO_CHECKPOINT, WRITER_BACKSTOP, WalCheckpoints
from .walkaround_rows import walkaround_row, walkarounds_of
from .writer_wait import WRITER_WAIT, bound, unbound

logger = logging.getLogger(__name__)


def insert_into(row: type[Any]) -> Any:
    return row.__table__.insert()


#: The inserts every tap makes, built once (run as the driver's own statements).
_INSERTS = {row: insert_into(row) for row in (InboxRow, AuditRow)}


class ChangedRows(Protocol):
    """Which jobs, technicians, counters and appointments to write (derived from the
    domain's facts)."""

    @property
    def jobs(self) -> Collection[str]: ...

    @property
    def techs(self) -> Collection[str]: ...

    @property
    def counters(self) -> Collection[str]: ...

    @property
    def appointments(self) -> Collection[str]: ...

    @property
    def walkarounds(self) -> Sequence[WalkAround]: ...

    @property
    def help_calls(self) -> Collection[str]: ...


@dataclass(frozen=True)
class InboxEntry:
    source: str
    seq: int
    result: str
    error_code: str | None
    received_at: datetime
    digest: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    kind: str
    source: str
    seq: int | None
    type: str
    job: str | None
    bay: str | None
    payload: dict[str, Any]


def audit_row(site: str, entry: AuditEntry, recorded_at: datetime) -> dict[str, Any]:
    return {
        "site": site,
        "at": entry.at,
        "recorded_at": recorded_at,
        "kind": entry.kind,
        "source": entry.source,
        "seq": entry.seq,
        "type": entry.type,
        "job": entry.job,
        "bay": entry.bay,
        "payload": entry.payload,
    }


@dataclass
class Batch:
    """What one transaction writes: inbox marks, audit lines and the changed state."""

    inbox: list[InboxEntry] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    # New prints (print_id, printer, ro, document, job json) and print results
    # (print_id, state, reason).
    prints: list[tuple[str, str, str | None, str, dict[str, Any]]] = field(default_factory=list)
    print_results: list[tuple[str, str, str | None]] = field(default_factory=list)


class Store:
    """The only code that knows the tables."""

    def __init__(self, engine: Engine, site: str, writer_wait: float = WRITER_WAIT) -> None:
        self.engine = engine
        self.site = site
        #: Seconds the writer waits on the database before a commit fails (writer_wait.py).
        self.writer_wait = writer_wait
        #: Upsert statements by table, keys, columns and columns left as they are.
        self._upserts: dict[tuple[Any, ...], Any] = {}
        self._driver = DriverStatements(engine.dialect)
        self._dialect = engine.dialect.name
        self._conn: Connection | None = None
        self._reports = ReportRowWrites(site, self._upsert)
        self._jobs = JobRowWrites(self._upsert)
        #: What of each job's figures counts on other days, as last committed (report_days).
        self._figure_keys: Committed[tuple[Any, ...]] = Committed()
        #: The local day the first car came in: closed days are rolled up from it on.
        self._first_day: date | None = None
        #: SQLite's log copied into the database apart from the commits (``checkpoint_apart``).
        self._checkpoints: WalCheckpoints | None = None

    # ----------------------------------------------------------------- load
    def load_workshop(
        self,
        bays: Iterable[Bay],
        technicians: Iterable[Technician],
        gone_since: datetime | None = None,
        *,
        operation_kinds: OperationKinds | None = None,
        hours: WorkingHours | None = None,
        booking_rules: BookingRules | None = None,
        appointments_from: date | None = None,
        help_tiers: HelpTiers | None = None,
    ) -> Workshop:
        """Rebuild the live workshop from the database: the jobs in the building, and given
        ``gone_since`` those that left from then on (the day's Gantt shows their work); the
        appointment book from the day ``appointments_from`` on, with the bookings still open
        from before (core/store/appointment_rows.py; None: every appointment). The site's
        rules (which bay each operation needs, working hours, how bookings are taken) are
        the configuration's, not stored."""
        ws = Workshop(
            site=self.site,
            bays={b.id: b for b in bays},
            technicians={t.id: t for t in technicians},
            gone_kept_since=gone_since,
            operation_kinds=dict(operation_kinds or {}),
            hours=hours or WorkingHours(),
            booking_rules=booking_rules or BookingRules(),
            help_tiers=dict(help_tiers or {}),
        )
        live = [s.value for s in OPEN_STATUSES]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(JobRow.doc).where(JobRow.site == self.site, JobRow.status.in_(live))
            )
            for (doc,) in rows:
                ws.remember(job_from_doc(doc))
            if gone_since is not None:
                for job in self._left_since(conn, gone_since):
                    ws.remember(job)
            self._load_rest(conn, ws, appointments_from)
        return ws

    def _load_rest(self, conn: Connection, ws: Workshop, appointments_from: date | None) -> None:
        """Beside the jobs: where the technicians are, the counters, the appointment book
        and the help calls not closed."""
        for (doc,) in conn.execute(
            select(TechnicianStateRow.doc).where(TechnicianStateRow.site == self.site)
        ):
            ws.put_tech_state(tech_from_doc(doc))
        for name, value in conn.execute(
            select(CounterRow.name, CounterRow.value).where(CounterRow.site == self.site)
        ):
            ws.counters[name] = value
        for appt in live_appointments(conn, self.site, appointments_from):
            ws.appointments[appt.id] = appt
        for call in open_help_calls(conn, self.site):
            ws.help_calls[call.id] = call

    def _left_since(self, conn: Connection, since: datetime) -> list[Job]:
        """The jobs that left the building from ``since`` on, found by the figures' indexes
        (delivered or closed: by handover; cancelled: by their last write), however long
        the history."""
        f = JobFiguresRow
        joined = select(JobRow.doc).join(f, (f.site == JobRow.site) & (f.ro == JobRow.ro))
        handed_over = [JobStatus.DELIVERED.value, JobStatus.CLOSED.value]
        delivered = joined.where(
            f.site == self.site, f.status.in_(handed_over), f.delivered_at >= since
        )
        cancelled = joined.where(
            f.site == self.site, f.status == JobStatus.CANCELLED.value, f.updated_at >= since
        )
        jobs = [job_from_doc(d) for q in (delivered, cancelled) for d in conn.execute(q).scalars()]
        return [j for j in jobs if left_since(j, since)]

    def load_appointment(self, ident: str) -> Appointment | None:
        """An appointment from storage, whatever its day or state (None if unknown)."""
        with self.engine.connect() as conn:
            return stored_appointment(conn, self.site, ident)

    def appointments_on(self, day: date) -> list[Appointment]:
        """The appointments of a day (the site's local day), in the order of their slots."""
        with self.engine.connect() as conn:
            return appointments_on(conn, self.site, day)

    def load_job(self, ro: str) -> Any:
        """A job from storage, closed ones included (None if unknown)."""
        with self.engine.connect() as conn:
            doc = conn.execute(
                select(JobRow.doc).where(JobRow.site == self.site, JobRow.ro == ro)
            ).scalar_one_or_none()
        return None if doc is None else job_from_doc(doc)

    def walkarounds(self, ro: str) -> list[WalkAround]:
        """The order's signed walk-arounds, the earliest first (the last is the order's)."""
        with self.engine.connect() as conn:
            return walkarounds_of(conn, self.site, ro)

    def open_complaints(self) -> list[Job]:
        """The cars with a complaint not yet resolved, the earliest answer due first."""
        a = AftercareRow
        with self.engine.connect() as conn:
            docs = conn.execute(
                select(JobRow.doc)
                .join(a, (a.site == JobRow.site) & (a.ro == JobRow.ro))
                .where(
                    a.site == self.site,
                    a.complaint_opened_at.is_not(None),
                    a.complaint_resolved_at.is_(None),
                )
                .order_by(a.complaint_reply_by, a.ro)
            ).scalars()
            return [job_from_doc(d) for d in docs]

    def aftercare_calls(self, start: datetime, end: datetime) -> list[AftercareCall]:
        """The follow-up calls of the cars delivered from ``start`` until ``end``, as the
        weekly report adds them up."""
        a = AftercareRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(a.ro, a.outcome, a.attempts, a.categories).where(
                    a.site == self.site, a.delivered_at >= start, a.delivered_at < end
                )
            ).all()
        return [
            AftercareCall(
                ro=r.ro,
                outcome=FollowUpOutcome(r.outcome) if r.outcome else None,
                attempts=r.attempts,
                categories=tuple(c for c in r.categories.split(",") if c),
            )
            for r in rows
        ]

    def delivered_with_token(self, token: str) -> bool:
        """Whether the car whose pickup card carries ``token`` has been handed over."""
        gone = [JobStatus.DELIVERED.value, JobStatus.CLOSED.value]
        with self.engine.connect() as conn:
            found = conn.execute(
                select(JobRow.ro).where(
                    JobRow.site == self.site,
                    JobRow.public_token == token,
                    JobRow.status.in_(gone),
                )
            ).first()
        return found is not None

    # ----------------------------------------------------------------- write
    def commit(
        self,
        ws: Workshop,
        batch: Batch,
        rows: ChangedRows,
        now: datetime,
        reports: Sequence[tuple[Job, datetime]] | None = None,
        group: GroupWrite | None = None,
        while_syncing: Callable[[], None] | None = None,
    ) -> None:
        """Write the batch and the rows its facts changed, in one transaction; with them the
        report rows of ``reports`` (each job as it was at its time), or without that list
        those of the changed jobs, and last the batch's facts for the dealer group's head
        office (``group``: numbered in this transaction, read after everything it counts).

        ``while_syncing`` is called once every statement is written, just before the
        commit (the database syncing its log): work begun then runs beside the sync.

        On failure nothing is believed: the caller reloads the workshop from here.
        """
        if reports is None:
            reports = [(ws.jobs[ro], now) for ro in sorted(rows.jobs)]
        conn = self._writer()
        try:
            with conn.begin():
                self._write(conn, ws, batch, now, rows)
                self._write_report_rows(conn, reports)
                if group:
                    write_group(conn, self.site, group, now)
                if while_syncing is not None:
                    while_syncing()
        except SQLAlchemyError:
            self._forget_written()
            self.close()  # a broken connection is not reused; the next commit takes a new one
            raise
        except BaseException:
            self._forget_written()
            raise
        self._reports.committed(ws.jobs.keys())
        self._jobs.committed(ws.jobs.keys())
        self._figure_keys.committed(ws.jobs.keys())

    def _forget_written(self) -> None:
        self._reports.forget()
        self._jobs.forget()
        self._figure_keys.forget()

    def _writer(self) -> Connection:
        """The single writer's connection, held between commits: taking one from the pool
        for every commit costs a reset (and on PostgreSQL a ping) per event."""
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            conn = self.engine.connect()
            try:
                bound(conn, self.writer_wait)
            except BaseException:
                _discard(conn)
                raise
            self._conn = conn
            if self._checkpoints is not None:
                _auto_checkpoint(conn, WRITER_BACKSTOP)
        return self._conn

    def checkpoint_apart(self) -> None:
        """SQLite: from now on the log is copied into the database by a thread of its own,
        not inside a commit the core waits for but past a backstop (core/store/wal.py)."""
        path = self.engine.url.database
        if self._dialect != "sqlite" or not path or path == ":memory:":
            return
        if self._checkpoints is None:
            self._checkpoints = WalCheckpoints(path).start()
            self.close()  # the writer's next connection leaves the copying to it

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if conn.closed or conn.invalidated:  # thrown away already: nothing goes to the pool
            conn.close()  # (asked for its driver connection, it would open a new one)
            return
        try:
            unbound(conn)
            if self._checkpoints is not None:
                # Back in the pool, the connection copies the log itself again.
                _auto_checkpoint(conn, SQLITE_AUTO_CHECKPOINT)
        except Exception:
            _discard(conn)  # not given out again as it may be (its wait, its copying)
            return
        conn.close()

    def stop_checkpoints(self) -> None:
        """The log's own thread stopped and the writer closed."""
        self.close()
        if self._checkpoints is not None:
            self._checkpoints.stop()
            self._checkpoints = None

    def _write(
        self, conn: Connection, ws: Workshop, batch: Batch, now: datetime, rows: ChangedRows
    ) -> None:
        self._write_log(conn, batch, now)
        self._write_prints(conn, batch, now)
        self._write_state(conn, ws, now, rows.jobs, rows.techs, rows.counters)
        if rows.appointments:
            self._write_appointments(conn, ws, now, rows.appointments)
        if rows.help_calls:
            calls = [help_call_row(self.site, ws.help_calls[c]) for c in sorted(rows.help_calls)]
            self._upsert(conn, HelpCallRow.__table__, calls, ("site", "id"))
        if rows.walkarounds:
            conn.execute(
                insert_into(WalkAroundRow), [walkaround_row(self.site, w) for w in rows.walkarounds]
            )

    def _write_log(self, conn: Connection, batch: Batch, now: datetime) -> None:
        """The inbox marks and the audit lines: what came in and what it did."""
        if batch.inbox:
            self._driver.run(
                conn,
                _INSERTS[InboxRow],
                [
                    {
                        "site": self.site,
                        "source": e.source,
                        "seq": e.seq,
                        "result": e.result,
                        "error_code": e.error_code,
                        "received_at": e.received_at,
                        "digest": e.digest,
                    }
                    for e in batch.inbox
                ],
            )
        if batch.audit:
            rows = [audit_row(self.site, a, now) for a in batch.audit]
            self._driver.run(conn, _INSERTS[AuditRow], rows)

    def _write_prints(self, conn: Connection, batch: Batch, now: datetime) -> None:
        if batch.prints:
            conn.execute(
                insert_into(PrintRow),
                [
                    {
                        "site": self.site,
                        "print_id": pid,
                        "printer": printer,
                        "ro": ro,
                        "document": document,
                        "state": "pending",
                        "reason": None,
                        "job": job,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for pid, printer, ro, document, job in batch.prints
                ],
            )
        for pid, state, reason in batch.print_results:
            conn.execute(
                update(PrintRow)
                .where(PrintRow.site == self.site, PrintRow.print_id == pid)
                .values(state=state, reason=reason, updated_at=now)
            )

    def _write_state(
        self,
        conn: Connection,
        ws: Workshop,
        now: datetime,
        jobs: Collection[str],
        techs: Collection[str],
        counters: Collection[str],
    ) -> None:
        """The rows of the jobs, technicians and counters the batch's facts changed."""
        if jobs:
            changed = [ws.jobs[ro] for ro in sorted(jobs)]
            self._jobs.write(conn, [self._job_row(job, now) for job in changed])
            after = [r for job in changed if (r := aftercare_row(self.site, job)) is not None]
            if after:
                self._upsert(conn, AftercareRow.__table__, after, ("site", "ro"))
            parts = [r for job in changed for r in parts_rows(self.site, job)]
            if parts:
                keys = ("site", "ro", "request_id")
                self._upsert(conn, PartsRequestRow.__table__, parts, keys)
        if techs:
            rows: list[dict[str, Any]] = [
                {"site": self.site, "tech": t, "doc": tech_json(ws.tech_states[t])}
                for t in sorted(techs)
            ]
            self._upsert(conn, TechnicianStateRow.__table__, rows, ("site", "tech"))
        if counters:
            rows = [
                {"site": self.site, "name": c, "value": ws.counters[c]} for c in sorted(counters)
            ]
            self._upsert(conn, CounterRow.__table__, rows, ("site", "name"))

    def _write_appointments(
        self, conn: Connection, ws: Workshop, now: datetime, changed: Collection[str]
    ) -> None:
        appts = [ws.appointments[a] for a in sorted(changed)]
        rows = [appointment_row(self.site, a, ws.hours.day_of(a.start), now) for a in appts]
        self._upsert(conn, AppointmentRow.__table__, rows, ("site", "id"))

    def _job_row(self, job: Job, now: datetime) -> dict[str, Any]:
        return {
            "site": self.site,
            "ro": job.ro,
            "status": job.status.value,
            "bay": job.bay,
            "plate": plate_key(job.vehicle.plate),  # the car, however its plate was typed
            "public_token": job.public_token or None,
            "promised_at": job.promised_at,
            "checked_in_at": job.checked_in_at,
            "updated_at": now,
            "doc": job_json(job),
        }

    def _write_report_rows(self, conn: Connection, due: Sequence[tuple[Job, datetime]]) -> None:
        """The jobs' figures (dated as their row: ``stale_reports`` compares the two);
        their stretches of work and answered findings as changed."""
        if not due:
            return
        figures = [figures_row(self.site, job, at) for job, at in due]
        self._upsert(conn, JobFiguresRow.__table__, figures, ("site", "ro"))
        changed = self._reports.write(conn, [job for job, _ in due])
        forget_from(conn, self.site, self._changed_since(due, figures, changed))

    def _changed_since(
        self,
        due: Sequence[tuple[Job, datetime]],
        figures: list[dict[str, Any]],
        changed: dict[str, datetime | None],
    ) -> list[datetime]:
        """From when each job's report rows changed: the kept days from then on are gone."""
        out: list[datetime] = []
        for (job, _), row in zip(due, figures, strict=True):
            key = other_days(row)
            before = self._figure_keys.stored(job.ro)
            self._figure_keys.writing(job.ro, key)
            if before != key or (job.ro in changed and changed[job.ro] is None):
                out.append(job.checked_in_at)
            elif (moment := changed.get(job.ro)) is not None:
                out.append(moment)
        return out

    def stale_reports(self, ros: Collection[str]) -> dict[str, datetime]:
        """Of these jobs, those whose report rows are older than their row (written after
        the acks, and the core stopped before they were): the time of their row."""
        if not ros:
            return {}
        f = JobFiguresRow
        query = (
            select(JobRow.ro, JobRow.updated_at, f.updated_at)
            .outerjoin(f, (f.site == JobRow.site) & (f.ro == JobRow.ro))
            .where(JobRow.site == self.site, JobRow.ro.in_(sorted(ros)))
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {ro: at for ro, at, figured in rows if figured is None or figured < at}

    def _upsert(
        self,
        conn: Connection,
        table: Any,
        rows: list[dict[str, Any]],
        keys: tuple[str, ...],
        kept: tuple[str, ...] = (),
    ) -> None:
        """Insert, or update a row already there: every column but the keys and ``kept``."""
        columns = tuple(rows[0])
        cache_key = (table.name, keys, columns, kept)
        stmt = self._upserts.get(cache_key)
        if stmt is None:
            # Built once per shape: constructing the statement costs more than running it.
            insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
            base = insert(table)
            update_cols = {c: base.excluded[c] for c in columns if c not in keys + kept}
            stmt = base.on_conflict_do_update(index_elements=list(keys), set_=update_cols)
            self._upserts[cache_key] = stmt
        self._driver.run(conn, stmt, rows)

    # ----------------------------------------------------------------- queries
    def audit_trail(self, ro: str) -> list[dict[str, Any]]:
        """Everything that happened to one repair order, in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    AuditRow.id,
                    AuditRow.at,
                    AuditRow.recorded_at,
                    AuditRow.kind,
                    AuditRow.source,
                    AuditRow.seq,
                    AuditRow.type,
                    AuditRow.bay,
                    AuditRow.payload,
                )
                .where(AuditRow.site == self.site, AuditRow.job == ro)
                .order_by(AuditRow.id)
            )
            return [dict(r._mapping) for r in rows]

    def last_seqs(self, sources: Iterable[str] | None = None) -> dict[str, int]:
        """The highest ``seq`` received from each source: where its next event must follow.

        Given the sources, each one's is looked up by the key alone, however long the inbox
        (a busy site's is near a million rows a year); otherwise every source's."""
        with self.engine.connect() as conn:
            if sources is None:
                rows = conn.execute(
                    select(InboxRow.source, func.max(InboxRow.seq))
                    .where(InboxRow.site == self.site)
                    .group_by(InboxRow.source)
                )
                return {s: int(q) for s, q in rows}
            out: dict[str, int] = {}
            for source in sources:
                last = conn.execute(
                    select(func.max(InboxRow.seq)).where(
                        InboxRow.site == self.site, InboxRow.source == source
                    )
                ).scalar()
                if last is not None:
                    out[source] = int(last)
            return out

    def unprinted(self) -> list[dict[str, Any]]:
        """Print jobs not yet reported printed (to send again), oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PrintRow.job)
                .where(PrintRow.site == self.site, PrintRow.state != "done")
                .order_by(PrintRow.created_at, PrintRow.print_id)
            )
            return [r for (r,) in rows]

    def last_print_results(self) -> dict[str, tuple[str, str | None, datetime]]:
        """Each printer's newest answered print: (state, reason, when) — its health as last
        heard, for a core that starts again before it prints anything."""
        answered = (PrintRow.site == self.site, PrintRow.state != "pending")
        latest = (
            select(PrintRow.printer, func.max(PrintRow.updated_at).label("at"))
            .where(*answered)
            .group_by(PrintRow.printer)
            .subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PrintRow.printer, PrintRow.state, PrintRow.reason, PrintRow.updated_at)
                .join(
                    latest,
                    (PrintRow.printer == latest.c.printer) & (PrintRow.updated_at == latest.c.at),
                )
                .where(*answered)
            ).all()
        # Prints answered in one batch share their time: one printed says it is there.
        ordered = sorted(rows, key=lambda r: r[1] == "done")
        return {printer: (state, reason, at) for printer, state, reason, at in ordered}

    def recent_prints(self, limit: int = 6) -> list[tuple[str, str, str, str]]:
        """(print_id, printer, document, state) of the newest prints."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PrintRow.print_id, PrintRow.printer, PrintRow.document, PrintRow.state)
                .where(PrintRow.site == self.site)
                .order_by(PrintRow.created_at.desc(), PrintRow.print_id.desc())
                .limit(limit)
            )
            return [(i, p, d, s) for i, p, d, s in rows]

    def prints_of(self, ro: str) -> list[tuple[str, str, str, str | None]]:
        """(document, printer, state, reason) of a repair order's prints."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PrintRow.document, PrintRow.printer, PrintRow.state, PrintRow.reason)
                .where(PrintRow.site == self.site, PrintRow.ro == ro)
                .order_by(PrintRow.created_at, PrintRow.print_id)
            )
            return [(d, p, s, r) for d, p, s, r in rows]

    def print_history(self, ro: str) -> list[dict[str, Any]]:
        """A repair order's prints with when they were asked for and last heard of."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    PrintRow.created_at,
                    PrintRow.updated_at,
                    PrintRow.document,
                    PrintRow.printer,
                    PrintRow.state,
                    PrintRow.reason,
                )
                .where(PrintRow.site == self.site, PrintRow.ro == ro)
                .order_by(PrintRow.created_at, PrintRow.print_id)
            )
            return [dict(r._mapping) for r in rows]

    def jobs_of_vehicle(self, plate: str) -> list[Job]:
        """Every repair order a vehicle ever had, newest first (its service history)."""
        with self.engine.connect() as conn:
            docs = conn.execute(
                select(JobRow.doc)
                .where(JobRow.site == self.site, JobRow.plate == plate_key(plate))
                .order_by(JobRow.checked_in_at.desc())
            ).scalars()
            return [job_from_doc(d) for d in docs]

    def jobs_between(self, start: datetime, end: datetime) -> list[Job]:
        """Repair orders checked in before ``end`` and still touched after ``start`` (or
        minutes before it: ``WRITTEN_EARLY``): every order that has something to count in
        the period."""
        with self.engine.connect() as conn:
            docs = conn.execute(
                select(JobRow.doc)
                .where(
                    JobRow.site == self.site,
                    JobRow.checked_in_at < end,
                    JobRow.updated_at >= start - WRITTEN_EARLY,
                )
                .order_by(JobRow.checked_in_at)
            ).scalars()
            return [job_from_doc(d) for d in docs]

    def report(
        self,
        start: datetime,
        end: datetime,
        now: datetime,
        zone: ZoneInfo,
        bays: Sequence[str],
        day_hours: float,
    ) -> Report:
        """The figures build_report gives for these jobs, added up in the database: the
        closed days' kept sums, and the jobs' rows for the days without them."""
        with self.engine.connect() as conn:
            r, t = report_sums(conn, self.site, start, end, now, zone)
        return complete(r, t, zone, list(bays), day_hours)

    def roll_closed_day(
        self, zone: ZoneInfo, now: datetime, passed: Collection[datetime] = ()
    ) -> tuple[Day, bool] | None:
        """The latest closed day without its report sums (other than those starting at
        ``passed``) rolled up, in a transaction of its own: the day, and whether its sums
        were written (not while a share of it is still running). None: no day left."""
        conn = self._writer()
        try:
            with conn.begin():
                if self._first_day is None:
                    self._first_day = first_day(conn, zone)
                if self._first_day is None:
                    return None
                today = now.astimezone(zone).date()
                days = days_without_sums(conn, self.site, self._first_day, today, zone)
                day = next((d for d in days if d[0] not in passed), None)
                if day is None:
                    return None
                return day, roll(conn, self.site, day, now, zone)
        except SQLAlchemyError:
            self.close()
            raise

    def roll_closed_days(self, zone: ZoneInfo, now: datetime) -> list[tuple[Day, bool]]:
        """Every closed day without its report sums rolled up, each in a transaction of its
        own, as the core does them between batches: the days tried, the latest first."""
        tried: list[tuple[Day, bool]] = []
        while (one := self.roll_closed_day(zone, now, [day[0] for day, _ in tried])) is not None:
            tried.append(one)
        return tried

    def help_times(self, start: datetime, end: datetime) -> list[HelpTimes]:
        """The help calls made in the period, for the report."""
        with self.engine.connect() as conn:
            return help_times(conn, self.site, start, end)

    def awaiting_follow_up(self, since: datetime, limit: int = 200) -> list[Job]:
        """Cars delivered since ``since`` whose follow-up call is not recorded yet, in the
        order they were delivered (the first ``limit``)."""
        with self.engine.connect() as conn:
            f = JobFiguresRow
            docs = conn.execute(
                select(JobRow.doc)
                .join(f, (f.site == JobRow.site) & (f.ro == JobRow.ro))
                .where(
                    f.site == self.site,
                    f.status == JobStatus.DELIVERED.value,
                    f.delivered_at >= since,
                )
                .order_by(f.delivered_at, f.ro)
                .limit(limit)
            ).scalars()
            jobs = [job_from_doc(d) for d in docs]
        return [j for j in jobs if j.follow_up is None]  # not those with a complaint open

    def inbox_entry(self, source: str, seq: int) -> tuple[str, str | None, str | None] | None:
        """(result, error code, digest) of one event received before, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(InboxRow.result, InboxRow.error_code, InboxRow.digest).where(
                    InboxRow.site == self.site, InboxRow.source == source, InboxRow.seq == seq
                )
            ).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    def inbox_results(self, source: str) -> list[tuple[int, str, str | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(InboxRow.seq, InboxRow.result, InboxRow.error_code)
                .where(InboxRow.site == self.site, InboxRow.source == source)
                .order_by(InboxRow.seq)
            )
            return [(s, r, e) for s, r, e in rows]

    def audit_events(self, source: str) -> list[tuple[int, str]]:
        """(seq, type) of the applied events of one device, in the order applied."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(AuditRow.seq, AuditRow.type)
                .where(
                    AuditRow.site == self.site, AuditRow.source == source, AuditRow.kind == "event"
                )
                .order_by(AuditRow.id)
            )
            return [(int(s or 0), t) for s, t in rows]


def _discard(conn: Connection) -> None:
    """A connection not to be given out again: its driver connection is thrown away."""
    with contextlib.suppress(Exception):
        if not conn.invalidated:
            conn.invalidate()
    with contextlib.suppress(Exception):
        conn.close()


def _auto_checkpoint(conn: Connection, pages: int) -> None:
    """After how many pages in its log a commit on ``conn`` (SQLite) copies it."""
    driver: Any = conn.connection.driver_connection
    driver.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")
