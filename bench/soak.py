"""Soak: the real processes under a thousand faults, then every event, print and key
reconciled. See docs/reliability.md.

    python3 tasks.py bench soak [--faults N] [--database sqlite|postgresql] [--seconds S]

Mosquitto from broker_config/, the core (`pitboard core`) on SQLite or PostgreSQL, eight
headless kiosks (bench/soak_kiosk.py) and the devices bridge (`pitboard devices`) with two
port-9100 printers and two key readers on pseudo-terminals of our own; a misbehaving tablet
and the service desk on the API. Faults: bench/soak_faults.py, bench/soak_device_faults.py.
Exits 1 when any count that must be zero is not.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path

from bench.common import machine
from bench.soak_inject import inject
from bench.soak_plant import Options, Plant, build
from bench.soak_read import CoreRecord, key_reports, read_core
from bench.soak_reconcile import (
    EventFigures,
    KeyFigures,
    KeyWatch,
    PrintFigures,
    reconcile_device_events,
    reconcile_keys,
    reconcile_prints,
    reconcile_sent,
    reconcile_taps,
)
from bench.soak_report import Result, render, write_json
from bench.soak_settle import Settled, settle
from bench.soak_site import BRIDGE, GAP_SECONDS, TABLET, kiosk_of
from bench.soak_taplog import read


def _events(plant: Plant, core: CoreRecord) -> tuple[EventFigures, EventFigures, EventFigures]:
    """The kiosks' taps, the tablet's events and the bridge's, against the core."""
    kiosks = EventFigures()
    for bay, path in plant.tap_logs.items():
        device = kiosk_of(bay)
        applied, inbox = core.applied.get(device, []), core.inbox.get(device, [])
        kiosks.add(reconcile_taps(device, read(path), applied, inbox))
    tablet = reconcile_sent(
        TABLET, plant.tablet.sent, core.applied.get(TABLET, []), core.inbox.get(TABLET, [])
    )
    bridge = reconcile_device_events(
        BRIDGE, core.applied.get(BRIDGE, []), core.inbox.get(BRIDGE, [])
    )
    return kiosks, tablet, bridge


def _prints(plant: Plant, core: CoreRecord) -> PrintFigures:
    widths = {p.device: p.width for p in plant.config.printers}
    tickets = [t for p in plant.printers.values() for t in p.received()]
    discarded = sum(p.discarded for p in plant.printers.values())
    return reconcile_prints(core.prints, tickets, widths, discarded)


def _keys(plant: Plant, core: CoreRecord) -> KeyFigures:
    """Every hook's key events against its key's moves; what was compared is kept in the
    working folder (keys.json) for a look when a count is off."""
    lives = [(life.start, life.end) for life in plant.bridge.lives]
    keys = KeyFigures()
    kept: list[dict[str, object]] = []
    for reader in plant.readers:
        where = KeyWatch(
            lives,
            [(a, b) for a, b in reader.reading],
            [(a, b) for a, b in reader.unplugged],
            GAP_SECONDS,
        )
        reports = key_reports(core.applied.get(BRIDGE, []), reader.slot)
        keys.add(reconcile_keys(reader.changes, reports, where))
        kept.append(
            {
                "slot": reader.slot,
                "changes": [dataclasses.asdict(c) for c in reader.changes],
                "reports": [dataclasses.asdict(r) for r in reports],
                "reading": where.reading,
                "unplugged": where.unplugged,
                "bridge_lives": lives,
            }
        )
    (plant.work / "keys.json").write_text(json.dumps(kept, default=str), encoding="utf-8")
    return keys


def reconcile(plant: Plant, faults: Counter[str], seconds: float, settled: Settled) -> Result:
    core = read_core(plant.engine, plant.config.site.id)
    kiosks, tablet, bridge = _events(plant, core)
    return Result(
        database=_database_name(plant),
        machine=machine(),
        faults=dict(faults),
        fault_seconds=seconds,
        kiosks=kiosks,
        tablet=tablet,
        bridge=bridge,
        prints=_prints(plant, core),
        keys=_keys(plant, core),
        settled=settled,
        memory_kb={
            "start": plant.memory.start_kb,
            "end": plant.memory.end_kb,
            "highest": plant.memory.highest_kb,
        },
        restarts={p.name: max(0, len(p.lives) - 1) for p in plant.processes()},
        unplanned_exits={p.name: p.unplanned_exits for p in plant.processes()},
        not_possible=_not_possible(plant),
        extra=_extra(plant),
    )


def _extra(plant: Plant) -> dict[str, object]:
    return {
        "outboxes_deleted": plant.outboxes_deleted,
        "tablet_duplicates_sent": plant.tablet.duplicates_sent,
        "tablet_reordered_bursts": plant.tablet.reordered_bursts,
        "desk_check_ins": len(plant.desk.checked_in),
        "desk_failed_calls": plant.desk.failed_calls,
        "workdir": str(plant.work),
    }


def _database_name(plant: Plant) -> str:
    if plant.db_url.startswith("sqlite"):
        where = "its own tmpfs" if plant.disk is not None and plant.disk.mounted else "disk"
        return f"SQLite (synchronous=FULL, on {where})"
    return "PostgreSQL"


def _not_possible(plant: Plant) -> list[str]:
    if plant.disk is None:
        return ["core's disk full: the database is PostgreSQL's, on a server not ours to fill"]
    if not plant.disk.mounted:
        return [f"core's disk full: {plant.disk.why_not}"]
    return []


def run(opts: Options, json_path: Path | None = None) -> Result:
    rng = random.Random(opts.seed)
    plant = build(opts)
    try:
        faults, tl, seconds = inject(plant, rng)
        settled = settle(plant, tl)
        result = reconcile(plant, faults, seconds, settled)
        if not result.passed:
            plant.keep.folder = True
        if json_path is not None:
            write_json(result, json_path)
        return result
    finally:
        plant.close()


def parse(argv: list[str]) -> tuple[Options, Path | None]:
    p = argparse.ArgumentParser(prog="bench soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--faults", type=int, default=1000, help="faults to inject (default 1000)")
    p.add_argument("--seconds", type=float, default=None, help="length of the fault phase")
    p.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--database-url", default=None, help="an existing empty database to use")
    p.add_argument(
        "--postgres",
        default=os.environ.get(
            "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server to make the run's database on",
    )
    p.add_argument("--seed", default="soak")
    p.add_argument("--drain-seconds", type=float, default=300.0)
    p.add_argument("--keep", action="store_true", help="keep the working folder")
    p.add_argument("--json", type=Path, default=None, help="write the figures here too")
    a = p.parse_args(argv)
    opts = Options(
        faults=a.faults,
        seconds=a.seconds,
        database=a.database,
        database_url=a.database_url,
        postgres=a.postgres,
        seed=a.seed,
        drain_seconds=a.drain_seconds,
        keep=a.keep,
    )
    return opts, a.json


def _stop_cleanly(signum: int, _frame: object) -> None:
    """SIGTERM or SIGINT (ignored in a background job otherwise): every process of the run
    is stopped, its database dropped and its disk let go on the way out."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop_cleanly)
    opts, json_path = parse(sys.argv[1:] if argv is None else argv)
    result = run(opts, json_path)
    print(render(result), flush=True)
    for problem in result.problems()[:40]:
        print("  " + problem)
    if not result.passed:
        print(f"working folder kept: {result.extra['workdir']}")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
