"""The fault phase: a fault every so often, of a kind drawn by weight among those possible
at that moment, until the count is reached; processes that end by themselves are noted and
started again; the core's memory is watched."""

from __future__ import annotations

import random
import time
from collections import Counter

from bench.soak_device_faults import DEVICE_FAULTS
from bench.soak_faults import PROCESS_FAULTS, FaultKind
from bench.soak_plant import Plant
from bench.soak_timeline import Timeline

# However the faults fall, the phase ends by this many times its planned length.
HARD_STOP = 3.0


def fault_kinds() -> list[FaultKind]:
    return [*PROCESS_FAULTS, *DEVICE_FAULTS]


def _inject_one(
    plant: Plant, kinds: list[FaultKind], rng: random.Random, tl: Timeline
) -> str | None:
    """A fault of a kind drawn by weight; the next kind if that one is not possible now."""
    left = list(kinds)
    while left:
        kind = rng.choices(left, weights=[k.weight for k in left])[0]
        if kind.inject(plant, rng, tl.later):
            return kind.name
        left.remove(kind)
    return None


def _note_disk(plant: Plant) -> None:
    if plant.disk is not None and plant.disk.mounted:
        with open(plant.work / "coredisk.log", "a", encoding="utf-8") as log:
            log.write(f"{time.time():.1f} {plant.disk.usage()}\n")


def supervise(plant: Plant, tl: Timeline) -> None:
    """A process that ended without being killed is started again a second later."""
    for proc in plant.processes():
        if proc.exited_by_itself():
            proc.restart_due = True
            tl.later(1.0, proc.start)


def inject(plant: Plant, rng: random.Random) -> tuple[Counter[str], Timeline, float]:
    """Returns the faults done, the timeline of what is still to end, and the seconds."""
    opts = plant.opts
    kinds = fault_kinds()
    tl = Timeline()
    done: Counter[str] = Counter()
    every = opts.fault_seconds / max(1, opts.faults)
    start = time.monotonic()
    plant.memory.start_kb = plant.memory.sample(plant.core)
    next_at = start + rng.uniform(0.5, 1.5) * every
    last_sample = start
    while sum(done.values()) < opts.faults:
        now = time.monotonic()
        if now - start > HARD_STOP * opts.fault_seconds:
            break
        tl.run_due()
        supervise(plant, tl)
        if now - last_sample >= 1.0:
            plant.memory.sample(plant.core)
            _note_disk(plant)
            last_sample = now
        if now >= next_at:
            name = _inject_one(plant, kinds, rng, tl)
            if name is not None:
                done[name] += 1
            next_at = now + rng.uniform(0.5, 1.5) * every
        time.sleep(0.02)
    return done, tl, time.monotonic() - start
