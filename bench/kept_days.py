"""A month's report from its kept days, and what keeping them costs.

    python3 tasks.py bench kept_days [--days 365] [--per-day 250] [--database sqlite|postgresql]

Writes a busy site's history with the project's own code (core/demo/history.py, as ``bench
year``) without rolling up its days, as a database upgraded to the release that keeps them
is. Then, through the store as the core uses it: the last whole month's report counted from
the jobs' rows alone; every closed day rolled up, the latest first, one transaction each
(``Store.roll_closed_day``, what the core does between batches once the floor is quiet),
each timed, for the writer is held that long; the month's report again, from its kept days;
and the latest kept day's row removed and rolled up again, as a tap on a car of that day
makes it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as day_time

from sqlalchemy import create_engine, text

from bench.common import demo_config, machine, workdir
from bench.year import OPEN_AT_END, database, month_of
from core.demo.history import HistoryPlan, write_history
from core.store.database import make_engine
from core.store.report_days import forget_from
from core.store.repository import Store


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ms"


def fill(url: str, days: int, per_day: int) -> None:
    config = demo_config()
    first = datetime.now(config.zone).date() - timedelta(days=days)
    plan = HistoryPlan(days, per_day, follow_ups=False, open_at_end=OPEN_AT_END, roll_days=False)
    engine = make_engine(url)
    started = time.perf_counter()
    jobs = write_history(Store(engine, config.site.id), config, first, plan)
    engine.dispose()
    if url.startswith("postgresql"):
        maintenance = create_engine(url, isolation_level="AUTOCOMMIT")
        with maintenance.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        maintenance.dispose()
    print(f"  {jobs:,} orders over {days} days, written in {time.perf_counter() - started:.0f} s")


def roll_every_day(store: Store) -> tuple[list[float], int]:
    """Every closed day rolled up, the latest first: each one's time, and how many days
    could not be yet (a clock still running since)."""
    zone, now = demo_config().zone, datetime.now(demo_config().zone)
    passed: set[datetime] = set()
    costs: list[float] = []
    while True:
        started = time.perf_counter()
        tried = store.roll_closed_day(zone, now, passed)
        spent = (time.perf_counter() - started) * 1000
        if tried is None:
            return costs, len(passed)
        if tried[1]:
            costs.append(spent)
        else:
            passed.add(tried[0][0])


def measure(url: str, days: int) -> list[str]:
    config = demo_config()
    zone, bays = config.zone, [b.id for b in config.bays]
    engine = make_engine(url)
    store = Store(engine, config.site.id)
    month = month_of(days)

    def report() -> None:
        store.report(*month, datetime.now(zone), zone, bays, 10.0)

    try:
        before = timed(report, 5)
        costs, waiting = roll_every_day(store)
        after = timed(report, 20)
        # The last day's cars are still at work: the day before is the latest day kept.
        day = datetime.now(zone).date() - timedelta(days=2)
        with engine.begin() as conn:
            forget_from(conn, config.site.id, [datetime.combine(day, day_time(0), zone)])
        again, _ = roll_every_day(store)
    finally:
        store.close()
        engine.dispose()
    rows = [
        ("month's report, every day from the jobs' rows, p50", ms(before)),
        ("days rolled up (could not be yet)", f"{len(costs)} ({waiting})"),
        ("one day rolled up p50 / max", f"{ms(costs)} / {max(costs):.1f} ms"),
        ("the newest day / the oldest", f"{costs[0]:.1f} / {costs[-1]:.1f} ms"),
        ("every day, added up", f"{sum(costs) / 1000:.1f} s"),
        ("month's report from its kept days p50 / max", f"{ms(after)} / {max(after):.1f} ms"),
        ("the latest kept day rolled up again after a tap removed it", f"{again[0]:.1f} ms"),
    ]
    return [f"| {name} | {value} |" for name, value in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=250)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    a = parser.parse_args()
    print(f"kept days: {a.days} days × {a.per_day} orders on {a.database} ({machine()})")
    with database(a.database, workdir(), "kept") as url:
        fill(url, a.days, a.per_day)
        rows = measure(url, a.days)
    print("| figure | value |\n| --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
