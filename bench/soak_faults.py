"""The faults done to the processes: kill -9 of the core, the broker, the bridge and the
kiosks, kiosks stalled with SIGSTOP, a kiosk whose outbox is deleted, bursts of duplicate
and reordered events from a misbehaving client, the core's disk full. The printers' and
readers' faults are in bench/soak_device_faults.py.

Each kind does its fault now and leaves what ends it (SIGCONT, the restart, the freed
disk) to the timeline; it declines (returns False) when its fault is not possible now.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.soak_procs import Proc
from bench.soak_taplog import TapWriter, parse_ts, read

if TYPE_CHECKING:
    from bench.soak_plant import Plant

Later = Callable[[float, Callable[[], None]], None]


@dataclass(frozen=True)
class FaultKind:
    name: str
    weight: float
    inject: Callable[[Plant, random.Random, Later], bool]


def _kill(
    pick: Callable[[Plant, random.Random], Proc | None], back: tuple[float, float]
) -> Callable[[Plant, random.Random, Later], bool]:
    def inject(plant: Plant, rng: random.Random, later: Later) -> bool:
        proc = pick(plant, rng)
        if proc is None:
            return False
        proc.kill9()
        proc.restart_due = True
        later(rng.uniform(*back), proc.start)
        return True

    return inject


def _running_kiosk(plant: Plant, rng: random.Random) -> Proc | None:
    fit = [k for k in plant.kiosks.values() if k.alive and not k.stopped]
    return rng.choice(fit) if fit else None


def _core(plant: Plant, _rng: random.Random) -> Proc | None:
    return plant.core if plant.core.alive else None


def _bridge(plant: Plant, _rng: random.Random) -> Proc | None:
    return plant.bridge if plant.bridge.alive else None


def _kill_broker(plant: Plant, rng: random.Random, later: Later) -> bool:
    if not plant.broker.alive:
        return False
    plant.broker.kill9()
    plant.broker.restart_due = True
    later(rng.uniform(0.5, 3.0), plant.broker.start)
    return True


def _stop_kiosk(plant: Plant, rng: random.Random, later: Later) -> bool:
    kiosk = _running_kiosk(plant, rng)
    if kiosk is None:
        return False
    kiosk.sigstop()
    later(rng.uniform(1.0, 12.0), kiosk.sigcont)
    return True


def _outbox_rows(path: Path) -> list[bytes] | None:
    """The events waiting in an outbox file; None if it cannot be read now."""
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(path, timeout=0.5)
        try:
            return [bytes(p) for (p,) in db.execute("SELECT payload FROM outbox ORDER BY seq")]
        finally:
            db.close()
    except sqlite3.Error:
        return None


def _delete_outbox(plant: Plant, rng: random.Random, later: Later) -> bool:
    """A tablet whose storage is replaced: off, outbox gone, on again. Done when the kiosk
    has nothing waiting, so that (nearly) no tap goes with the old storage; any that does
    is written down as destroyed and not counted lost."""
    if not (plant.core.alive and plant.broker.alive):
        return False
    fit = [b for b, k in plant.kiosks.items() if k.alive and not k.stopped]
    rng.shuffle(fit)
    for bay in fit:
        outbox = plant.outbox_path(bay)
        if _outbox_rows(outbox) != []:
            continue
        kiosk = plant.kiosks[bay]
        kiosk.kill9()
        waiting = _outbox_rows(outbox) or []
        _mark_destroyed(plant.tap_logs[bay], waiting)
        for f in outbox.parent.glob(outbox.name + "*"):
            f.unlink()
        kiosk.restart_due = True
        later(rng.uniform(0.3, 1.5), kiosk.start)
        plant.outboxes_deleted += 1
        return True
    return False


def _mark_destroyed(tap_log: Path, waiting: list[bytes]) -> None:
    if not waiting:
        return
    taps = read(tap_log).by_ts()
    writer = TapWriter(tap_log)
    try:
        for payload in waiting:
            event = json.loads(payload)
            tap = taps.get((event["type"], parse_ts(event["ts"])))
            if tap is not None:
                writer.write(kind="destroyed", n=tap.n)
    finally:
        writer.close()


def _tablet_burst(plant: Plant, rng: random.Random, _later: Later) -> bool:
    plant.tablet.burst(rng.randint(2, 6))
    return True


def _disk_full(plant: Plant, rng: random.Random, later: Later) -> bool:
    disk = plant.disk
    if disk is None or not disk.mounted or disk.full:
        return False
    disk.fill()
    later(rng.uniform(1.0, 5.0), disk.free)
    return True


PROCESS_FAULTS: tuple[FaultKind, ...] = (
    FaultKind("kill -9 core", 6, _kill(_core, (0.2, 2.0))),
    FaultKind("kill -9 broker", 4, _kill_broker),
    FaultKind("kill -9 devices bridge", 5, _kill(_bridge, (0.2, 2.0))),
    FaultKind("kill -9 kiosk", 13, _kill(_running_kiosk, (0.2, 2.0))),
    FaultKind("kiosk stalled (SIGSTOP)", 11, _stop_kiosk),
    FaultKind("kiosk outbox deleted", 5, _delete_outbox),
    FaultKind("duplicate and reordered burst", 13, _tablet_burst),
    FaultKind("core's disk full", 5, _disk_full),
)
