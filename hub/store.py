"""The hub's database: its migrations, and a batch of feed messages applied in one
transaction — the facts' log and their effects together, so that ``last_seq`` and what it
promises are committed at once (an ack sent after this commit is always true)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from core.contract.group import GroupFeed
from core.store.database import make_engine

from . import tables as t
from .apply import BatchPlan, plan
from .config import HubConfig
from .effects import Row, rows_of

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")
#: The hub's own Alembic version table: a database may also hold a site's tables.
VERSION_TABLE = "hub_alembic_version"


def database_url(config: HubConfig) -> str:
    """[database] url; PITBOARD_HUB_DATABASE_URL; else SQLite in the data folder."""
    if config.database.url:
        return config.database.url
    env = os.environ.get("PITBOARD_HUB_DATABASE_URL")
    if env:
        return env
    path = Path(config.data_dir) / "hub.sqlite3"
    logger.warning(
        "no [database] url and no PITBOARD_HUB_DATABASE_URL: the hub keeps its data in %s "
        "(SQLite: for trying it out; head office runs PostgreSQL)",
        path.resolve(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def migrate(engine: Engine) -> None:
    """Bring the hub's schema to the newest revision (safe to call on every start)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_engine(url: str) -> Engine:
    """An engine on ``url`` (SQLite durable as the core's), migrated."""
    engine = make_engine(url)
    migrate(engine)
    return engine


@dataclass(frozen=True)
class Reconciled:
    """One site's facts' log checked against its ``last_seq``."""

    site: str
    last_seq: int
    count: int
    lowest: int | None
    highest: int | None

    @property
    def whole(self) -> bool:
        """Every fact 1..last_seq is there, once (the key makes twice impossible)."""
        if self.last_seq == 0:
            return self.count == 0
        return (self.count, self.lowest, self.highest) == (self.last_seq, 1, self.last_seq)


class HubStore:
    """The hub's only writer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pg = engine.dialect.name == "postgresql"

    def apply(self, feeds: Sequence[GroupFeed], now: datetime) -> BatchPlan:
        """Apply ``feeds`` (oldest first) in one transaction; the plan says what was
        applied and the ack for each site that sent one. Raises on a failed commit (then
        nothing of the batch is applied)."""
        sites = sorted({f.site for f in feeds})
        with self.engine.begin() as conn:
            decided = plan(self._last_seqs(conn, sites), feeds)
            self._write(conn, decided, now)
        return decided

    def _last_seqs(self, conn: Connection, sites: Iterable[str]) -> dict[str, int]:
        q = select(t.sites.c.site, t.sites.c.last_seq).where(t.sites.c.site.in_(list(sites)))
        if self._pg:
            # Another writer (a second hub started by mistake) waits here rather than
            # deciding from the same last_seq; the facts' key would refuse its commit anyway.
            q = q.with_for_update()
        return {site: int(last) for site, last in conn.execute(q)}

    def _write(self, conn: Connection, decided: BatchPlan, now: datetime) -> None:
        if not decided.apply:
            return
        rows = rows_of(decided.apply, now)
        conn.execute(t.facts.insert(), rows.facts)
        self._upsert(conn, t.sites, rows.progress, ("last_seq", "last_heard", "last_lag_seconds"))
        self._upsert(conn, t.sites, list(rows.sites.values()), ("name", "timezone", "bays"))
        self._upsert(conn, t.jobs, list(rows.jobs.values()))
        self._upsert(conn, t.days, list(rows.days.values()))
        self._upsert(conn, t.devices, list(rows.devices.values()))
        self._upsert(conn, t.help_calls, list(rows.help_calls.values()))
        self._upsert(conn, t.follow_ups, list(rows.follow_ups.values()))

    def _upsert(
        self, conn: Connection, table: Table, rows: list[Row], columns: Sequence[str] = ()
    ) -> None:
        """Insert ``rows`` (one per key), replacing ``columns`` (all but the key if none
        named) of the rows already there: one statement for them all."""
        if not rows:
            return
        stmt = self._insert(table)
        keys = {c.name for c in table.primary_key.columns}
        names = columns or [c for c in rows[0] if c not in keys]
        excluded = stmt.excluded  # type: ignore[attr-defined]
        stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
            index_elements=[table.c[k] for k in sorted(keys)],
            set_={n: excluded[n] for n in names},
        )
        conn.execute(stmt, rows)

    def _insert(self, table: Table) -> Insert:
        return (postgresql.insert if self._pg else sqlite.insert)(table)

    # ------------------------------------------------------------ for the operator
    def reconcile(self) -> list[Reconciled]:
        """Each site's facts' log against its last_seq: proof that every fact is there
        once and in order (one pass over the log's key)."""
        with self.engine.connect() as conn:
            last = {s: int(n) for s, n in conn.execute(select(t.sites.c.site, t.sites.c.last_seq))}
            found: dict[str, Any] = {
                r.site: r
                for r in conn.execute(
                    select(
                        t.facts.c.site,
                        func.count().label("n"),
                        func.min(t.facts.c.seq).label("lo"),
                        func.max(t.facts.c.seq).label("hi"),
                    ).group_by(t.facts.c.site)
                )
            }
        out = []
        for site in sorted(set(last) | set(found)):
            r = found.get(site)
            out.append(
                Reconciled(
                    site,
                    last.get(site, 0),
                    int(r.n) if r else 0,
                    int(r.lo) if r else None,
                    int(r.hi) if r else None,
                )
            )
        return out
