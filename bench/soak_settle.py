"""After the faults: every fault ended, every process running, then the shift ends — no
more taps, keys, check-ins or bursts — and the soak waits until every device has had every
event answered and every print is reported printed, before the processes are stopped."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bench.soak_client import wait_answered
from bench.soak_inject import supervise
from bench.soak_kiosk import END_SHIFT
from bench.soak_plant import Plant, outbox_count
from bench.soak_site import GAP_SECONDS
from bench.soak_taplog import read
from bench.soak_timeline import Timeline
from core.store.tables import PrintRow


@dataclass
class Settled:
    """What did not settle in time (all empty when everything did)."""

    kiosks_not_drained: list[str] = field(default_factory=list)
    tablet_unanswered: int = 0
    prints_waiting: int = 0
    bridge_outbox: int | None = 0
    seconds: float = 0.0


def _prints_waiting(plant: Plant) -> int:
    try:
        with plant.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(PrintRow)
                    .where(PrintRow.site == plant.config.site.id, PrintRow.state != "done")
                ).scalar_one()
            )
    except Exception:  # the database is still coming back: waiting
        return -1


def _until(check: Callable[[], bool], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def _end_faults(plant: Plant, tl: Timeline) -> None:
    tl.flush()
    for proc in plant.processes():
        if not proc.alive:
            proc.start()
    plant.desk.stop()
    plant.hands.stop()


def _end_shift(plant: Plant, deadline: float, out: Settled) -> None:
    """The kiosks stop tapping and wait for their last answers, then exit (a kiosk started
    again a moment ago may not listen for signals yet: it is told by a file)."""
    for bay in plant.kiosks:
        (plant.tap_logs[bay].parent / END_SHIFT).touch()
    for bay, kiosk in plant.kiosks.items():
        rc = kiosk.wait(max(1.0, deadline - time.monotonic()))
        if rc != 0 or read(plant.tap_logs[bay]).drained is not True:
            out.kiosks_not_drained.append(bay)


def settle(plant: Plant, tl: Timeline) -> Settled:
    start = time.monotonic()
    deadline = start + plant.opts.drain_seconds
    out = Settled()
    _end_faults(plant, tl)
    _end_shift(plant, deadline, out)
    if not wait_answered(plant.tablet, max(1.0, deadline - time.monotonic())):
        out.tablet_unanswered = len(plant.tablet.unanswered())
    time.sleep(GAP_SECONDS + 1.0)  # the last key taken is reported a gap later

    def devices_done() -> bool:
        supervise(plant, tl)
        tl.run_due()
        return _prints_waiting(plant) == 0 and outbox_count(plant.bridge_outbox) == 0

    if not _until(devices_done, deadline):
        out.prints_waiting = _prints_waiting(plant)
        out.bridge_outbox = outbox_count(plant.bridge_outbox)
    plant.memory.end_kb = plant.memory.sample(plant.core)
    for proc in (plant.bridge, plant.core):
        proc.terminate()
        proc.wait(30)
    plant.broker.stop()
    out.seconds = time.monotonic() - start
    return out
