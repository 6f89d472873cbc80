"""What is kept for how long: the inbox, the audit log and the printed prints lose their
rows older than the site's limits, written to the archive first, a short transaction at a
time, while the core goes on committing.

The inbox always keeps each device's latest event, whatever its age: the core takes a
device's place in its numbering from it at start. An older event that comes again after
its row has gone is below that place, so the core answers it ``duplicate`` and applies
nothing (it can no longer tell what became of it the first time, nor whether the message
was the same)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    FromClause,
    Table,
    and_,
    delete,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.exc import OperationalError

from core.config import RetentionConfig

from .archive import Archive
from .tables import Base, UtcDateTime

logger = logging.getLogger(__name__)

INBOX = Base.metadata.tables["inbox"]
AUDIT = Base.metadata.tables["audit_log"]
PRINTS = Base.metadata.tables["prints"]


def _latest_of_its_device(t: FromClause) -> ColumnElement[bool]:
    later = INBOX.alias("later")
    last = (
        select(func.max(later.c.seq))
        .where(later.c.site == t.c.site, later.c.source == t.c.source)
        .scalar_subquery()
    )
    return t.c.seq < last


def _printed(t: FromClause) -> ColumnElement[bool]:
    return t.c.state == "done"  # one still to print is the core's promise: never removed


@dataclass(frozen=True)
class Rule:
    """Which rows of a table may go: older than the limit by ``clock``, and ``also``."""

    table: Table
    clock: str
    also: Callable[[FromClause], ColumnElement[bool]] | None = None

    @property
    def name(self) -> str:
        return self.table.name

    def keys(self, t: FromClause) -> list[Any]:
        """The primary key's columns of the table or of an alias of it, in their order."""
        return [t.c[c.name] for c in self.table.primary_key.columns]

    def matching(self, t: FromClause, site: str, before: datetime) -> ColumnElement[bool]:
        cond = and_(t.c.site == site, t.c[self.clock] < before)
        return cond if self.also is None else and_(cond, self.also(t))


RULES = (
    Rule(INBOX, "received_at", _latest_of_its_device),
    Rule(AUDIT, "recorded_at"),
    Rule(PRINTS, "updated_at", _printed),
)


def years_before(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def cutoffs(limits: RetentionConfig, now: datetime) -> dict[str, datetime | None]:
    """Per table, the time before which rows go (None: kept for ever)."""
    days = timedelta(days=1)
    return {
        INBOX.name: now - limits.inbox_days * days if limits.inbox_days else None,
        AUDIT.name: years_before(now, limits.audit_years) if limits.audit_years else None,
        PRINTS.name: now - limits.prints_days * days if limits.prints_days else None,
    }


@dataclass
class Pruned:
    """What became of one table's old rows."""

    table: str
    before: datetime | None
    rows: int = 0
    months: dict[str, int] = field(default_factory=dict)
    files: set[Path] = field(default_factory=set)
    kept: int = 0  # rows older than the limit that stay (a device's latest, an unprinted print)


Progress = Callable[[str, int], None]


class Pruner:
    """Removes old rows in batches of ``batch_rows``, each archived before its delete
    commits; ``progress(table, rows so far)`` is told after every batch."""

    def __init__(
        self,
        engine: Engine,
        site: str,
        archive: Archive,
        batch_rows: int = 500,
        progress: Progress | None = None,
        attempts: int = 6,
    ) -> None:
        self.engine = engine
        self.site = site
        self.archive = archive
        self.batch_rows = batch_rows
        self.progress = progress
        self.attempts = attempts

    def run(self, before: Mapping[str, datetime | None], dry_run: bool = False) -> list[Pruned]:
        """Every table pruned to its limit in ``before`` (None or absent: kept for ever);
        with ``dry_run`` only counted."""
        if dry_run:
            return [self._table(rule, before.get(rule.name), dry_run) for rule in RULES]
        with self.archive.locked():
            return [self._table(rule, before.get(rule.name), dry_run) for rule in RULES]

    def _table(self, rule: Rule, before: datetime | None, dry_run: bool) -> Pruned:
        done = Pruned(rule.name, before)
        if before is None:
            return done
        if dry_run:
            self._count(rule, done)
        else:
            self._remove(rule, done)
            if done.rows:
                self._vacuum(rule)
        done.kept = self._older_left(rule, before) - (done.rows if dry_run else 0)
        verb = "to remove" if dry_run else "removed"
        logger.info("%s: %d rows before %s %s", rule.name, done.rows, before.isoformat(), verb)
        return done

    # ------------------------------------------------------------ one batch at a time
    def _batch(
        self, rule: Rule, before: datetime, after: tuple[Any, ...] | None, times: bool = False
    ) -> Any:
        """The keys of the next old rows in key order after ``after`` (and their times)."""
        old = rule.table.alias("old")
        keys = rule.keys(old)
        cond = rule.matching(old, self.site, before)
        if after is not None:
            cond = and_(cond, _beyond(keys, after))
        shown = [*keys, old.c[rule.clock]] if times else keys
        return select(*shown).where(cond).order_by(*keys).limit(self.batch_rows)

    def _remove(self, rule: Rule, done: Pruned) -> None:
        assert done.before is not None
        t = rule.table
        keys = rule.keys(t)
        after: tuple[Any, ...] | None = None
        while True:
            with self.engine.connect() as conn:  # read apart: the write begins with its delete
                batch = conn.execute(self._batch(rule, done.before, after)).all()
            if not batch:
                return
            # The batch as a range of keys in the database's own order (its collation, not
            # Python's); a row that stopped matching meanwhile stays.
            last = tuple(batch[-1])
            span = _up_to(keys, last)
            if after is not None:
                span = and_(_beyond(keys, after), span)
            stmt = delete(t).where(rule.matching(t, self.site, done.before), span).returning(*t.c)
            rows = self._retrying(rule, stmt)
            after = last
            self._note(done, rule, rows)
            if self.progress is not None:
                self.progress(rule.name, done.rows)

    def _vacuum(self, rule: Rule) -> None:
        """PostgreSQL reuses the room of deleted rows only once they are vacuumed, and its
        own vacuum waits for a fifth of a table to change: a nightly prune takes a thirtieth.
        (SQLite reuses a freed page at once.) A plain VACUUM blocks neither reads nor writes."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {rule.table.name}")

    def _delete_and_archive(self, rule: Rule, stmt: Any) -> list[dict[str, Any]]:
        """One short transaction: the rows deleted, and on disk in the archive before the
        delete commits. A commit that fails stays archived: it may have committed all the
        same (the connection lost on the way back), and a row in the archive twice is read
        once, while one deleted and not archived would be lost."""
        with self.engine.connect() as conn, conn.begin():
            rows = [dict(r._mapping) for r in conn.execute(stmt)]
            if rows:
                self.archive.append(rule.name, rows, rule.clock)
        return rows

    def _retrying(self, rule: Rule, stmt: Any) -> list[dict[str, Any]]:
        """A locked database (the core's commit in the way, SQLite's wait over) or a
        deadlock with the core on PostgreSQL: the batch is tried again."""
        for attempt in range(self.attempts):
            try:
                return self._delete_and_archive(rule, stmt)
            except OperationalError as exc:
                if attempt + 1 == self.attempts:
                    raise
                wait = 0.5 * 2**attempt
                logger.warning("pruning %s: %s; again in %.1f s", rule.name, _first_line(exc), wait)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _note(self, done: Pruned, rule: Rule, rows: list[dict[str, Any]]) -> None:
        done.rows += len(rows)
        for r in rows:
            month = self.archive.month(r[rule.clock])
            done.months[month] = done.months.get(month, 0) + 1
            done.files.add(self.archive.file(rule.name, month))

    # ------------------------------------------------------------ counting
    def _count(self, rule: Rule, done: Pruned) -> None:
        """What a prune would remove, read only."""
        assert done.before is not None
        after: tuple[Any, ...] | None = None
        keys = [c.name for c in rule.table.primary_key.columns]
        while True:
            batch = self._batch(rule, done.before, after, times=True)
            with self.engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(batch)]
            if not rows:
                return
            after = tuple(rows[-1][k] for k in keys)
            self._note(done, rule, rows)

    def _older_left(self, rule: Rule, before: datetime) -> int:
        t = rule.table
        with self.engine.connect() as conn:
            n = conn.execute(
                select(func.count()).where(t.c.site == self.site, t.c[rule.clock] < before)
            ).scalar_one()
        return int(n)


def _beyond(keys: list[Any], after: tuple[Any, ...]) -> ColumnElement[bool]:
    """Keys after ``after`` in the database's order of them."""
    values = [literal(v, k.type) for k, v in zip(keys, after, strict=True)]
    if len(keys) == 1:
        return keys[0] > values[0]  # type: ignore[no-any-return]
    return tuple_(*keys) > tuple_(*values)


def _up_to(keys: list[Any], last: tuple[Any, ...]) -> ColumnElement[bool]:
    values = [literal(v, k.type) for k, v in zip(keys, last, strict=True)]
    if len(keys) == 1:
        return keys[0] <= values[0]  # type: ignore[no-any-return]
    return tuple_(*keys) <= tuple_(*values)


def archived(archive: Archive, table: Table) -> list[dict[str, Any]]:
    """The rows of a table in the archive as the database gave them (times as times), each
    once (a batch written twice by a prune that was cut short is read once)."""
    times = {c.name for c in table.c if isinstance(c.type, UtcDateTime)}
    keys = [c.name for c in table.primary_key.columns]
    seen: set[tuple[Any, ...]] = set()
    out = []
    for line in archive.lines(table.name):
        key = tuple(line[k] for k in keys)
        if key in seen:
            continue
        seen.add(key)
        for name in times:
            if line.get(name) is not None:
                line[name] = datetime.fromisoformat(line[name])
        out.append(line)
    return out


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
