"""The dealer group on loopback: every site's facts reach head office once, in order,
whatever the links, the sites and the hub go through. See docs/scale.md.

    python3 tasks.py bench group [--sites 20] [--speed 360] [--hours 11] [--postgres URL]
                                 [--offline-day]

Head office: its own Mosquitto (the generated ACL and password file) and the hub
(`pitboard hub run`) on PostgreSQL. Each site: its own Mosquitto bridged to head office's
(the generated bridge) through a link that can be cut, and a headless site — its core with
the group feed, its kiosks, key cabinet and printers — playing a workshop day at speed on
SQLite. During the day: a quarter of the sites' links cut and restored, one site killed
and started again, the hub killed and started again; for the last part of the day every
link is down, so the evening's backlog drains when they come back.

Then the reconciliation: every site's facts, 1 … its last seq, at the hub exactly once,
applied in order, none left in any outbox, and each site's repair orders at the hub as the
site has them. The figures: feed lag (site commit → hub commit) while links are up, the
backlog's size and how long it took to drain (the hub's ingest rate), and how long the
dashboard's reads take. Exits 1 when the reconciliation finds anything missing or twice.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.common import machine, workdir
from bench.group_plant import Plant, Site, Window, build, hub_database
from bench.hub_ingest import dashboard_read_ms
from core.contract import site_clock


@dataclass
class Result:
    machine: str
    sites: int
    speed: float
    facts: int = 0
    missing: int = 0
    twice: int = 0
    out_of_order: int = 0
    left_in_outbox: int = 0
    jobs_differ: int = 0
    #: Sites that did far less than the others (a core that stopped applying taps).
    idle_sites: list[str] = field(default_factory=list)
    per_site: dict[str, int] = field(default_factory=dict)
    lag_p50_s: float | None = None
    lag_p99_s: float | None = None
    lag_max_s: float | None = None
    lag_n: int = 0
    backlog_facts: int = 0
    drain_seconds: float | None = None
    #: After the links came back: the first backlog fact's hub commit (the bridges'
    #: reconnect), how many facts the hub applied, and at what rate from first to last.
    drain_first_s: float | None = None
    drain_applied: int = 0
    drain_facts_per_s: float | None = None
    live_ms_p50: float | None = None
    figures_ms_p50: float | None = None
    site_ms_p50: float | None = None
    windows: list[dict[str, Any]] = field(default_factory=list)
    #: The slowest facts while links were up: (site, seq, seconds into the run, lag).
    slowest: list[tuple[str, int, float, float]] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not (
            self.missing
            or self.twice
            or self.out_of_order
            or self.left_in_outbox
            or self.jobs_differ
        )


def _site_counts(site: Site) -> tuple[int, int]:
    """(last seq given, facts still in the outbox) as the site's database has them."""
    engine = create_engine(site.database_url)
    try:
        with engine.connect() as c:
            last = c.execute(
                text("select last_seq from group_sequence where site = :s"), {"s": site.id}
            ).scalar()
            waiting = c.execute(
                text("select count(*) from group_outbox where site = :s"), {"s": site.id}
            ).scalar()
    except Exception:  # the site still migrating its database
        return 0, 0
    finally:
        engine.dispose()
    return int(last or 0), int(waiting or 0)


def _hub_last(plant: Plant) -> dict[str, int]:
    engine = create_engine(plant.hub_database)
    try:
        with engine.connect() as c:
            rows = c.execute(text("select site, last_seq from hub_sites")).all()
    except Exception:
        return {}
    finally:
        engine.dispose()
    return {r[0]: int(r[1]) for r in rows}


def _drained(plant: Plant) -> tuple[bool, int]:
    """Whether every site's outbox is empty and the hub holds each site's last seq."""
    hub = _hub_last(plant)
    waiting = 0
    done = True
    for s in plant.sites:
        last, left = _site_counts(s)
        waiting += left
        if left or hub.get(s.id, 0) != last:
            done = False
    return done, waiting


def _offline_day(plant: Plant, day: float) -> float:
    """Every site's link to head office down from the start of the day to its end: the
    whole day waits in the sites' outboxes, and drains when the links come back."""
    start = time.time()
    for s in plant.sites:
        s.link.cut()
    while time.time() < start + day:
        time.sleep(0.2)
    return plant.started  # what the sites sent as they came up waited too


def _play(plant: Plant, day: float, result: Result) -> float:
    """The day's disturbances; returns the real time every link was cut for the evening."""
    t0 = time.time()
    sites = plant.sites
    quarter = [s for s in sites[: max(1, len(sites) // 4)]]
    killed = sites[len(sites) // 2]
    windows: list[Window] = []

    def at(fraction: float) -> None:
        while time.time() < t0 + fraction * day:
            time.sleep(0.2)

    def note(w: Window) -> None:
        windows.append(w)
        at_s, to_s = w.start - plant.started, w.end - plant.started
        print(f"  {w.what}: from {at_s:.0f} s to {to_s:.0f} s into the run", flush=True)

    at(0.15)
    start = time.time()
    for s in quarter:
        s.link.cut()
    at(0.35)
    for s in quarter:
        s.link.restore()
    note(Window("links cut", start, time.time(), [s.id for s in quarter]))
    at(0.40)
    start = time.time()
    killed.proc.kill9()
    time.sleep(1)
    killed.proc.start()
    note(Window(f"site {killed.id} killed", start, time.time() + 10, [killed.id]))
    at(0.55)
    start = time.time()
    plant.hub.kill9()
    time.sleep(2)
    plant.hub.start()
    note(Window("hub killed", start, time.time() + 5))
    at(0.60)
    start = time.time()
    plant.hub_broker.proc.kill()  # type: ignore[union-attr]
    plant.hub_broker.proc.wait()  # type: ignore[union-attr]
    time.sleep(1)
    plant.hub_broker.start()
    note(Window("head office broker killed", start, time.time()))
    at(0.75)
    evening = time.time()
    for s in sites:
        s.link.cut()
    at(1.0)
    result.windows = [asdict(w) for w in windows]
    plant.windows.extend(windows)
    return evening


def _drain(plant: Plant, evening: float, result: Result) -> None:
    _, waiting = _drained(plant)
    result.backlog_facts = waiting
    print(f"  evening backlog: {waiting} facts in the sites' outboxes", flush=True)
    start = time.time()
    for s in plant.sites:
        s.link.restore()
    deadline = start + 600
    while time.time() < deadline:
        done, _ = _drained(plant)
        if done:
            break
        time.sleep(0.2)
    else:
        print("  NOT DRAINED after 10 minutes", flush=True)
        return
    result.drain_seconds = time.time() - start
    plant.windows.append(Window("evening", evening, time.time()))
    _hub_rate(plant, datetime.fromtimestamp(start, UTC), result)


def _hub_rate(plant: Plant, since: datetime, result: Result) -> None:
    """How fast the hub applied the backlog: from its first fact's commit to its last."""
    engine = create_engine(plant.hub_database)
    with engine.connect() as c:
        n, first, last = c.execute(
            text("select count(*), min(hub_at), max(hub_at) from hub_facts where hub_at >= :t"),
            {"t": since},
        ).one()
    engine.dispose()
    if n and first is not None and last is not None:
        result.drain_first_s = _aware(first).timestamp() - since.timestamp()
        spread = (_aware(last) - _aware(first)).total_seconds()
        result.drain_applied = int(n)
        if spread > 0:
            result.drain_facts_per_s = n / spread


def _freeze(plant: Plant) -> bool:
    """Every site stopped (SIGSTOP) at a moment with nothing waiting, so that what the
    reconciliation reads on both sides stays put; False if that moment never came."""
    for _ in range(60):
        for s in plant.sites:
            s.proc.sigstop()
        if _drained(plant)[0]:
            return True
        for s in plant.sites:
            s.proc.sigcont()
        time.sleep(1)
    return False


def _real(clock: site_clock.SiteClock, site_at: datetime) -> float:
    """The real instant of a site time (the sites run on the compressed site clock)."""
    assert clock.site_start is not None and clock.real_start is not None
    return (clock.real_start + (site_at - clock.site_start) / clock.speed).timestamp()


def _reconcile(plant: Plant, result: Result) -> None:
    engine = create_engine(plant.hub_database)
    lags: list[float] = []
    slow: list[tuple[str, int, float, float]] = []
    windows = plant.windows
    with engine.connect() as c:
        for s in plant.sites:
            last, left = _site_counts(s)
            result.left_in_outbox += left
            rows = c.execute(
                text("select seq, site_at, hub_at from hub_facts where site = :s order by seq"),
                {"s": s.id},
            ).all()
            seqs = [int(r[0]) for r in rows]
            result.facts += len(seqs)
            result.per_site[s.id] = len(seqs)
            result.twice += len(seqs) - len(set(seqs))
            result.missing += len(set(range(1, last + 1)) - set(seqs))
            hub_times = [r[2] for r in rows]
            result.out_of_order += sum(1 for a, b in pairwise(hub_times) if b < a)
            for seq, site_at, hub_at in rows:
                committed = _real(plant.clock, _aware(site_at))
                if any(w.covers(s.id, committed) for w in windows):
                    continue
                lag = _aware(hub_at).timestamp() - committed
                lags.append(lag)
                slow.append((s.id, int(seq), round(committed - plant.started, 1), round(lag, 3)))
            result.jobs_differ += _jobs_differ(s, c)
    engine.dispose()
    typical = statistics.median(result.per_site.values()) if result.per_site else 0
    result.idle_sites = [site for site, n in result.per_site.items() if n < typical * 0.3]
    result.slowest = sorted(slow, key=lambda x: -x[3])[:10]
    if lags:
        lags.sort()
        result.lag_n = len(lags)
        result.lag_p50_s = statistics.median(lags)
        result.lag_p99_s = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        result.lag_max_s = lags[-1]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _jobs_differ(site: Site, hub: Any) -> int:
    """Repair orders whose status at the hub is not the site's."""
    engine = create_engine(site.database_url)
    with engine.connect() as c:
        here: dict[str, str] = dict(
            c.execute(text("select ro, status from jobs where site = :s"), {"s": site.id}).all()
        )
    engine.dispose()
    there = dict(
        hub.execute(text("select ro, status from hub_jobs where site = :s"), {"s": site.id}).all()
    )
    return len([ro for ro, status in here.items() if there.get(ro) != status])


def _dashboard(plant: Plant, result: Result) -> None:
    """The dashboard's three reads on the hub's database, as its pages make them."""
    engine = create_engine(plant.hub_database)
    live, figures, site = dashboard_read_ms(engine, plant.hub_config)
    result.live_ms_p50, result.figures_ms_p50, result.site_ms_p50 = live, figures, site
    engine.dispose()


def run(sites: int, speed: float, hours: float, server: str, offline_day: bool = False) -> Result:
    result = Result(machine(), sites, speed)
    work = workdir()
    day = hours * 3600 / speed
    print(f"{sites} sites, a {hours:g} h day in {day:.0f} s (×{speed:g}); work in {work}")
    with hub_database(server) as database:
        plant = build(work, sites, speed, database)
        try:
            evening = _offline_day(plant, day) if offline_day else _play(plant, day, result)
            _drain(plant, evening, result)
            if not _freeze(plant):
                print("  the sites never stood still with nothing waiting", flush=True)
            _reconcile(plant, result)
            _dashboard(plant, result)
        finally:
            plant.close()
    return result


def render(r: Result) -> str:
    def f(v: float | None, unit: str = "", digits: int = 2) -> str:
        return "—" if v is None else f"{v:.{digits}f}{unit}"

    return "\n".join(
        [
            f"group: {r.sites} sites at ×{r.speed:g} on {r.machine}",
            f"  facts at the hub        {r.facts}",
            f"  missing / twice / out of order / left in outboxes / orders differing: "
            f"{r.missing} / {r.twice} / {r.out_of_order} / {r.left_in_outbox} / {r.jobs_differ}",
            f"  feed lag, links up      p50 {f(r.lag_p50_s, ' s', 3)}"
            f"  p99 {f(r.lag_p99_s, ' s', 3)}  max {f(r.lag_max_s, ' s', 3)}  (n={r.lag_n})",
            f"  evening backlog         {r.backlog_facts} facts drained in"
            f" {f(r.drain_seconds, ' s', 1)}: the first at the hub after"
            f" {f(r.drain_first_s, ' s', 1)} (the bridges' reconnect), then {r.drain_applied}"
            f" applied at {f(r.drain_facts_per_s, ' facts/s', 0)}",
            f"  dashboard reads p50     live {f(r.live_ms_p50, ' ms', 1)}, month's figures "
            f"{f(r.figures_ms_p50, ' ms', 1)}, a site {f(r.site_ms_p50, ' ms', 1)}",
            f"  facts a site            {min(r.per_site.values(), default=0)} –"
            f" {max(r.per_site.values(), default=0)}; sites that did far less than the"
            f" others: {', '.join(r.idle_sites) or 'none'}",
            f"  reconciled: {'yes' if r.whole else 'NO'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--speed", type=float, default=360.0, help="site time compression")
    p.add_argument("--hours", type=float, default=11.0, help="site hours of the day played")
    p.add_argument(
        "--postgres",
        default=os.environ.get(
            "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server for the hub (a database of its own is made and dropped)",
    )
    p.add_argument(
        "--offline-day",
        action="store_true",
        help="every link down the whole day (no other disturbance): the day's backlog drains",
    )
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    result = run(args.sites, args.speed, args.hours, args.postgres, args.offline_day)
    print(render(result))
    print("  slowest facts while links were up (site, seq, s into the run, lag s):")
    for slow in result.slowest:
        print(f"    {slow}")
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(result), indent=2, default=str))
    return 0 if result.whole else 1


if __name__ == "__main__":
    sys.exit(main())
