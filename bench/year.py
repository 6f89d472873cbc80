"""A year on the floor: the core with a busy site's year of history beside one without.

    python3 tasks.py bench year [--days 365] [--per-day 250] [--database sqlite|postgresql]
                                [--calls both|here|elsewhere] [--taps 300]

The history is made by the domain itself and written through the store a day at a time
(core/demo/history.py): every car through reception, dispatch, work (pauses, helpers,
findings), the three checks (rework now and then), the wash and delivery, with its audit
lines and the kiosks' inbox marks, each closed day's report sums rolled up after it as the
core does between batches; 40 cars still in the building on the last day (the
database without history holds those 40 cars alone, so the columns differ by the past
only). With ``--calls here`` the advisors record every follow-up call in Pitboard, with
``elsewhere`` none (every delivered car stays delivered); ``both`` builds the two.

For each database it prints the core's start-up (``pitboard core`` as its own process, from
start to its status online at the broker), its memory once started (RSS), one tap's cost
(a batch step with one kiosk event: applied, committed, views built — ``BatchStep.process``
as plain code; the technicians at work take turns pausing and resuming), an advisor's
check-in at the desk (the command's step and the lists the desk reads after it), a month's
report (its closed days' sums kept), the same report while taps run, and the month's sums
counted from the jobs' rows alone, as just after the upgrade that keeps days. Then through
the broker, the core as its own process (``bench/year_wire.py``): the raw publish →
subscribe round trip, kiosks' taps over MQTT until their bay's state arrives, and the same
taps while a dashboard reads the month's report from ``/api/v1/reports/month`` over and
over. Targets with a year of history:
start-up under 2 s, memory under 150 MB, a month's report under 200 ms, tap → view p50 ≤ 8×
and p99 ≤ 20× the raw round trip, as without history.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import create_engine, text

from bench.common import (
    Nowhere,
    compiled_as_installed,
    demo_config,
    machine,
    percentile,
    start_broker,
    start_core_process,
    stop_process,
    workdir,
)
from bench.year_wire import Wire, through_the_broker
from board.desk import FOLLOW_UP_WINDOW
from core.board_source import CoreBoardSource
from core.commands import CheckInCar
from core.contract.messages import make_event
from core.demo.history import HistoryPlan, write_history
from core.domain.model import Customer, Operation, Vehicle
from core.domain.reports import period
from core.domain.workshop import CheckIn
from core.engine import Core, Incoming, WebCommand
from core.store.database import make_engine, migrate, sqlite_url
from core.store.report_queries import ReportQueries
from core.store.repository import Store

POSTGRES = os.environ.get(
    "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
OPEN_AT_END = 40  # a busy day's cars still in the building


@dataclass
class Figures:
    """One column of the table: a database with a history, measured."""

    name: str
    history: str = "—"
    startup_s: float = 0.0
    rss_mb: float = 0.0
    taps: list[float] = field(default_factory=list)
    desk: list[float] = field(default_factory=list)
    report: list[float] = field(default_factory=list)
    report_busy: list[float] = field(default_factory=list)
    #: The same month counted from the jobs' rows alone (no day's sums kept yet).
    report_unkept: list[float] = field(default_factory=list)
    wire: Wire = field(default_factory=Wire)


# ----------------------------------------------------------------- databases
@contextmanager
def database(kind: str, base: Any, name: str) -> Iterator[str]:
    """An empty database of that kind, migrated; its URL."""
    if kind == "sqlite":
        url = sqlite_url(base / name)
        migrate_url(url)
        try:
            yield url
        finally:
            shutil.rmtree(base)  # half a gigabyte a year
        return
    db = f"pitboard_bench_{name}_{os.getpid()}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        url = POSTGRES.rsplit("/", 1)[0] + "/" + db
        migrate_url(url)
        yield url
    finally:
        shutil.rmtree(base, ignore_errors=True)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def migrate_url(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()


def fill(url: str, days: int, per_day: int, calls_here: bool) -> str:
    """Write the history, ending yesterday; says how much and how long it took. With no
    days, only the cars in the building: yesterday's last ones, still there."""
    engine = make_engine(url)
    config = demo_config()
    past = days
    if days == 0:
        days, per_day = 1, OPEN_AT_END
    first = datetime.now(config.zone).date() - timedelta(days=days)
    plan = HistoryPlan(days, per_day, follow_ups=calls_here, open_at_end=OPEN_AT_END)
    started = time.perf_counter()
    jobs = write_history(Store(engine, config.site.id), config, first, plan)
    engine.dispose()
    written = time.perf_counter() - started
    if url.startswith("postgresql"):
        # A year-old database has its statistics (autovacuum keeps them); one written a
        # minute ago has none, and the planner would guess.
        maintenance = create_engine(url, isolation_level="AUTOCOMMIT")
        with maintenance.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        maintenance.dispose()
    if not past:
        return f"none: the {OPEN_AT_END} cars in the building only"
    return f"{jobs:,} orders over {days} days, written in {written:.0f} s"


# ----------------------------------------------------------------- the core process
def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_up(url: str, fig: Figures) -> None:
    """``pitboard core`` from launch to online, and its memory a moment later."""
    base = workdir()
    broker = start_broker(demo_config(), base / "broker")
    try:
        compiled_as_installed()  # not part of the start it times
        started = time.perf_counter()
        proc = start_core_process(broker, url, base)
        fig.startup_s = time.perf_counter() - started
        time.sleep(1.0)  # settled: the start-up objects are frozen once it is online
        fig.rss_mb = rss_mb(proc.pid)
        stop_process(proc)
    finally:
        broker.stop()
    shutil.rmtree(base, ignore_errors=True)


# ----------------------------------------------------------------- in the process
class Floor:
    """The core's single writer as plain code (no thread), on the given database."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.store = Store(self.engine, "demo")
        self.core = Core(demo_config(), self.store, Nowhere())
        self.source = CoreBoardSource(self.core)
        self.plates = 0
        # Every technician at work on a car at their bay taps in turn: pause, resume.
        self.at_work = [
            (state.bay, state.id, state.active_job)
            for state in sorted(self.core.ws.tech_states.values(), key=lambda t: t.id)
            if state.bay and state.active_job
        ]
        if not self.at_work:
            raise SystemExit("no car at work to tap on")
        self.taps = 0

    def tap(self, bay: str, tech: str, kind: str, job: str, **data: str) -> float:
        device = f"kiosk-{bay.lower()}"
        seq = self.core.step.sequence.next_seq(device)
        now = datetime.now(UTC)
        payload = make_event(device, seq, kind, now, bay=bay, job=job, tech=tech, data=data)
        item = Incoming(f"pitboard/demo/dev/{device}/event", payload, None, now)
        started = time.perf_counter()
        out = self.core.step.process([item])
        spent = time.perf_counter() - started
        if out.acks and out.acks[0][1].result != "applied":
            raise SystemExit(f"tap {kind} refused: {out.acks[0][1].error}")
        return spent

    def pause_or_resume(self) -> float:
        """The next technician's tap: a pause when their clock runs, else the resume."""
        bay, tech, ro = self.at_work[self.taps % len(self.at_work)]
        self.taps += 1
        if self.core.ws.tech_states[tech].active_job == ro:
            return self.tap(bay, tech, "job.paused", ro, reason="tool")
        return self.tap(bay, tech, "job.resumed", ro)

    def check_in(self) -> Any:
        self.plates += 1
        order = CheckIn(
            vehicle=Vehicle(plate=f"京Z{self.plates:05d}", model="别克 GL8"),
            customer=Customer(name="客户", phone="13800138000"),
            operations=(Operation("M010", "小保养", 1.0),),
            promised_at=datetime.now(UTC) + timedelta(hours=3),
            advisor="SA01",
        )
        done: Future[Any] = Future()
        self.core.step.process([WebCommand(CheckInCar(order), "advisor:SA01", done)])
        return done.result(0)

    def desk_check_in(self) -> float:
        """The advisor's check-in and what the desk reads after it (its lists)."""
        started = time.perf_counter()
        self.check_in()
        copy.deepcopy(list(self.core.ws.jobs.values()))  # the pending findings, ready cars
        self.source.awaiting_follow_up(datetime.now(UTC) - FOLLOW_UP_WINDOW)
        return time.perf_counter() - started

    def close(self) -> None:
        self.store.close()
        self.engine.dispose()


def month_of(days: int) -> tuple[datetime, datetime]:
    """The last whole month of the history (this month's so far on a short one)."""
    zone = demo_config().zone
    today = datetime.now(zone).date()
    day = today.replace(day=1) - timedelta(days=1) if days >= 45 else today - timedelta(days=1)
    return period("month", day, zone)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def measure_in_process(url: str, fig: Figures, taps: int, days: int) -> None:
    floor = Floor(url)
    try:
        for _ in range(20):  # warm: the first views are built whole
            floor.pause_or_resume()
        fig.taps = [floor.pause_or_resume() for _ in range(taps)]
        fig.desk = [floor.desk_check_in() for _ in range(20)]
        month = month_of(days)
        fig.report = timed(lambda: floor.source.report(*month), 10)
        fig.report_busy = reports_while_tapping(floor, month)
        fig.report_unkept = timed(lambda: unkept_report(floor, month), 5)
    finally:
        floor.close()


def unkept_report(floor: Floor, month: tuple[datetime, datetime]) -> None:
    """The month's sums as a site just upgraded counts them: every day from the jobs' rows."""
    config = floor.core.config
    with floor.engine.connect() as conn:
        ReportQueries(config.site.id, *month, datetime.now(UTC), config.zone).tally(conn)


def reports_while_tapping(floor: Floor, month: tuple[datetime, datetime]) -> list[float]:
    """The month's report on a page's thread while the core's thread takes taps."""
    stop = threading.Event()

    def tapping() -> None:
        while not stop.is_set():
            floor.pause_or_resume()

    tapper = threading.Thread(target=tapping, name="taps")
    tapper.start()
    try:
        return timed(lambda: floor.source.report(*month), 10)
    finally:
        stop.set()
        tapper.join()


# ----------------------------------------------------------------- the table
def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.1f}"


def ratio(values: list[float], raw: list[float], p: float) -> str:
    return f"{percentile(values, p) / percentile(raw, p):.1f}×"


def wire_rows(figs: list[Figures]) -> list[tuple[str, list[str]]]:
    """Through the broker: the raw round trip, and each tap until its bay's state arrives."""
    rows = [
        (
            "raw round trip p50 / p99",
            [f"{ms(f.wire.raw, 50)} / {ms(f.wire.raw, 99)} ms" for f in figs],
        ),
    ]
    picks: tuple[tuple[str, Callable[[Figures], list[float]]], ...] = (
        ("tap → bay state p50 / p99", lambda f: f.wire.taps),
        ("the same while the month's report is read", lambda f: f.wire.taps_reading),
    )
    for label, taps in picks:
        rows.append(
            (
                label,
                [
                    f"{ms(taps(f), 50)} / {ms(taps(f), 99)} ms "
                    f"({ratio(taps(f), f.wire.raw, 50)} / {ratio(taps(f), f.wire.raw, 99)} raw)"
                    for f in figs
                ],
            )
        )
    rows.append(
        (
            "month's report from /api/v1 meanwhile p50 / max",
            [
                f"{ms(f.wire.reports, 50)} / {ms(f.wire.reports, 100)} ms "
                f"({len(f.wire.reports)} read)"
                for f in figs
            ],
        )
    )
    rows.append(("taps never shown", [str(f.wire.unseen) for f in figs]))
    rows.append(
        ("reports the API failed to give", [str(len(f.wire.report_failures)) for f in figs])
    )
    return rows


def table(figs: list[Figures]) -> str:
    rows = [
        ("history", [f.history for f in figs]),
        ("start-up (pitboard core → online)", [f"{f.startup_s:.2f} s" for f in figs]),
        ("memory once started (RSS)", [f"{f.rss_mb:.0f} MB" for f in figs]),
        ("tap: batch step p50 / p99", [f"{ms(f.taps, 50)} / {ms(f.taps, 99)} ms" for f in figs]),
        ("desk check-in p50 / p99", [f"{ms(f.desk, 50)} / {ms(f.desk, 99)} ms" for f in figs]),
        (
            "month's report p50 / max",
            [f"{ms(f.report, 50)} / {ms(f.report, 100)} ms" for f in figs],
        ),
        (
            "month's report while taps run p50 / max",
            [f"{ms(f.report_busy, 50)} / {ms(f.report_busy, 100)} ms" for f in figs],
        ),
        (
            "month's sums with no day kept p50 / max",
            [f"{ms(f.report_unkept, 50)} / {ms(f.report_unkept, 100)} ms" for f in figs],
        ),
        *wire_rows(figs),
    ]
    lines = ["| figure | " + " | ".join(f.name for f in figs) + " |"]
    lines.append("| --- |" + " --- |" * len(figs))
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows]
    return "\n".join(lines)


def run(kind: str, name: str, history: Callable[[str], str], a: Any) -> Figures:
    fig = Figures(name)
    with database(kind, workdir(), name.split()[0].lower()) as url:
        fig.history = history(url)
        print(f"  {name}: {fig.history}", flush=True)
        start_up(url, fig)
        # The same month the report is read for in the process (the last whole one).
        month = month_of(a.days)[0].date()
        fig.wire = through_the_broker(url, workdir(), a.taps, month)
        measure_in_process(url, fig, a.taps, a.days)
    print(f"  {name}: measured", flush=True)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=250)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--calls", choices=["both", "here", "elsewhere"], default="both")
    parser.add_argument("--taps", type=int, default=300)
    a = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"database: {a.database}; {date.today()}", flush=True)
    figs = [run(a.database, "no-history", partial(fill, days=0, per_day=0, calls_here=True), a)]
    for calls, here in (("here", True), ("elsewhere", False)):
        if a.calls in ("both", calls):
            name = f"year-calls-{calls} ({a.days} days)"
            figs.append(
                run(
                    a.database,
                    name,
                    partial(fill, days=a.days, per_day=a.per_day, calls_here=here),
                    a,
                )
            )
    print()
    print(table(figs))
    for f in figs:
        for failure in sorted(set(f.wire.report_failures)):
            print(f"{f.name}: the API's report failed: {failure}")
    # Others' work on a shared machine shows in every figure: say how busy it was.
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
