"""The database's growth: bytes per repair order and per event on SQLite and PostgreSQL,
measured on days of a busy workshop played through the real core and store
(bench/growth_floor.py), and what a year at 250 orders a day comes to without and with
`pitboard prune` (docs/performance.md, "The database's growth").

    python3 tasks.py bench growth [--days 3] [--orders 250] [--bays 25] [--postgres URL]

Each store lives three stretches of ``--days`` days: a first, to fill the tables; a second,
measured: what the tables grew by for its orders (the figures per order, with the room that
updates free used again, as on a site that has run for a while); a third with a prune every
night keeping one day of inbox, prints and audit log: the pruned tables stop growing.
PostgreSQL is vacuumed every night, as its autovacuum would at least do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text

from bench.common import demo_config, machine, workdir
from bench.growth_floor import Clock, Floor, Wire
from core.demo.busy import busy_config
from core.engine import Core
from core.store.archive import Archive
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from core.store.retention import RULES, Pruner
from core.store.tables import Base

MIB = 1024 * 1024
PRUNED = [r.name for r in RULES]
START = datetime(2026, 3, 2, tzinfo=UTC)


@dataclass
class Measure:
    rows: dict[str, int]
    used: dict[str, int]  # bytes of each table with its indexes
    file: int  # the database's bytes on disk (SQLite: the file; PostgreSQL: these tables)
    free: int  # of which free for reuse (SQLite's free pages)


def measure(engine: Engine) -> Measure:
    with engine.connect() as conn:
        rows = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }
    if engine.dialect.name == "sqlite":
        return _sqlite(engine, rows)
    return _postgres(engine, rows)


def _sqlite(engine: Engine, rows: dict[str, int]) -> Measure:
    raw = engine.raw_connection()
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        owner = dict(raw.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
        used: dict[str, int] = {}
        for name, size in raw.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            used[table] = used.get(table, 0) + int(size)
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
        size = raw.execute("PRAGMA page_size").fetchone()[0]
        free = raw.execute("PRAGMA freelist_count").fetchone()[0] * size
    finally:
        raw.close()
    return Measure(rows, used, pages * size, free)


def _postgres(engine: Engine, rows: dict[str, int]) -> Measure:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does by itself in time
        used = {
            t: int(conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": t}).scalar_one())
            for t in rows
        }
    return Measure(rows, used, sum(used.values()), 0)


@dataclass
class Stretch:
    before: Measure
    after: Measure
    pruned: int = 0  # rows removed by the prunes

    def grown(self, table: str) -> int:
        return self.after.used.get(table, 0) - self.before.used.get(table, 0)

    def added(self, table: str) -> int:
        return self.after.rows.get(table, 0) - self.before.rows.get(table, 0)

    def kept(self) -> list[str]:
        """The tables that grow with the orders and are never pruned (the repair orders and
        whatever is kept per order beside them; not a counter a day)."""
        orders = self.added("jobs")
        growing = [t for t in self.after.rows if self.added(t) * 10 >= orders]
        return sorted(t for t in growing if t not in PRUNED)


def nightly_vacuum(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")


def play(url: str, days: int, orders: int, bays: int, archive: Path) -> tuple[Stretch, Stretch]:
    """A first stretch of days, a second measured, a third pruned every night."""
    cfg = busy_config(demo_config(), bays)
    engine = make_engine(url)
    migrate(engine)
    clock, wire = Clock(START), Wire()
    core = Core(cfg, Store(engine, cfg.site.id), wire, clock)
    core.start()
    floor = Floor(cfg, core, wire, clock)
    pruner = Pruner(engine, cfg.site.id, Archive(archive, cfg.zone))
    marks, removed, took = [measure(engine)], 0, 0.0
    for d in range(3 * days):
        began = time.monotonic()
        floor.day(START + timedelta(days=d), orders)
        print(f"  day {d + 1}: {floor.tally} ({time.monotonic() - began:.0f} s)", flush=True)
        if d >= 2 * days:
            keep = clock.now - timedelta(days=1)
            began = time.monotonic()
            removed += sum(p.rows for p in pruner.run({name: keep for name in PRUNED}))
            took += time.monotonic() - began
        nightly_vacuum(engine)
        if d + 1 in (days, 2 * days, 3 * days):
            marks.append(measure(engine))
    print(f"  pruned {removed:,} rows in {took:.1f} s ({removed / took:,.0f} rows a second)")
    core.stop()
    engine.dispose()
    return Stretch(marks[1], marks[2]), Stretch(marks[2], marks[3], removed)


def per_order_table(b: Stretch, orders: int, year: int) -> dict[str, float]:
    """The Markdown table of bytes per order and per row; returns bytes per order."""
    print("| table | rows an order | bytes a row | bytes an order | MiB a year |")
    print("| --- | --- | --- | --- | --- |")
    per_order: dict[str, float] = {}
    for table in b.kept() + PRUNED:
        grown, rows = b.grown(table), b.added(table)
        per_order[table] = grown / orders
        print(
            f"| {table} | {rows / orders:.1f} | {grown / max(rows, 1):,.0f} |"
            f" {grown / orders:,.0f} | {grown / orders * year / MIB:,.0f} |"
        )
    file = (b.after.file - b.before.file) / orders
    print(f"| on disk, all | | | {file:,.0f} | {file * year / MIB:,.0f} |")
    fixed = sum(v for t, v in b.after.used.items() if t not in b.kept() + PRUNED)
    print(f"the other tables (technicians, counters, sign-ins, …): {fixed / 1024:,.0f} KiB")
    return per_order


def years_ahead(per_order: dict[str, float], year: int) -> None:
    """Without pruning, and with the default limits (30 days, 3 years of audit log)."""
    total = sum(per_order.values())
    forever = sum(v for t, v in per_order.items() if t not in PRUNED)
    weeks = sum(per_order[t] for t in ("inbox", "prints")) * 30 / 365
    audit = per_order["audit_log"]
    for years in (1, 3, 5, 10):
        unpruned = total * year * years / MIB
        pruned = (forever * years + audit * min(years, 3) + weeks) * year / MIB
        print(f"after {years:>2} years: {unpruned:7,.0f} MiB unpruned, {pruned:7,.0f} MiB pruned")
    print(f"a year more from the fourth on, pruned: {forever * year / MIB:,.0f} MiB")


def after_pruning(b: Stretch, c: Stretch, per_day: int, archive: Path) -> None:
    days = b.added("jobs") / per_day
    print("the stretch pruned every night, one day kept:")
    for t in [*PRUNED, *b.kept()]:
        print(
            f"  {t}: {c.after.rows[t]:,} rows (a day ~{b.added(t) / days:,.0f}),"
            f" grew {c.grown(t) / MIB:+.1f} MiB ({b.grown(t) / MIB:+.1f} unpruned)"
        )
    print(
        f"  on disk {c.after.file / MIB:.1f} MiB: grew {(c.after.file - c.before.file) / MIB:+.1f}"
        f" MiB ({(b.after.file - b.before.file) / MIB:+.1f} unpruned),"
        f" {c.after.free / MIB:.1f} MiB of it free for reuse"
    )
    archived = sum(p.stat().st_size for p in archive.rglob("*.jsonl.gz"))
    a_row = archived / max(c.pruned, 1)
    print(f"  archive {archived / MIB:.1f} MiB for {c.pruned:,} rows, {a_row:.0f} bytes a row")


def report(label: str, b: Stretch, c: Stretch, per_day: int, archive: Path) -> None:
    orders, year = b.added("jobs"), per_day * 365
    events = b.added("inbox")
    print(f"\n{label}: {orders:,} repair orders measured, {events:,} events")
    per_order = per_order_table(b, orders, year)
    years_ahead(per_order, year)
    after_pruning(b, c, per_day, archive)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=3, help="days in each of the three stretches")
    parser.add_argument("--orders", type=int, default=250, help="repair orders a day")
    parser.add_argument("--bays", type=int, default=25)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    scratch = workdir()  # the SQLite database and the archives, removed at the end
    stores: list[tuple[str, str, str | None]] = [("SQLite", sqlite_url(scratch / "sqlite"), None)]
    admin = None
    try:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"pitboard_growth_{int(time.time())}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        stores.append(("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name, name))
    except Exception as exc:  # a machine without PostgreSQL still measures SQLite
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
    try:
        for label, url, db in stores:
            print(f"{label}:", flush=True)
            archive = scratch / f"archive-{label}"
            try:
                measured, pruned = play(url, args.days, args.orders, args.bays, archive)
                report(label, measured, pruned, args.orders, archive)
            finally:
                if db is not None and admin is not None:
                    with admin.connect() as c:
                        c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
