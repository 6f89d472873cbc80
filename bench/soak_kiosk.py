"""A bay kiosk without its screen, working a shift through the real kiosk code (station,
durable outbox, MQTT link) and keeping its tap log (bench/soak_taplog.py).

    python -m bench.soak_kiosk CONFIG BAY BROKER_PORT STATE_DIR TAP_LOG JOBS SEED

The shift: sign in, then on each of the bay's cars in turn: start (later: resume), pause
with a reason, sign out, sign in — every step valid after the ones before it, so the core
refuses none of them when each is applied once, in order. Started again after a kill it
goes on from its tap log; a tap cut off by the kill is settled from the core's screen.
SIGTERM, or a file ``end-shift`` in the state folder (seen also by a kiosk just started
again), ends the shift: no more taps, then wait until the core has answered every one.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.soak_site import tech_of
from bench.soak_taplog import Tap, TapWriter, read
from core.config import load_config
from core.contract.views import BayState
from core.domain.vocabulary import TAPPED_PAUSE_REASONS
from core.mqtt import BrokerAddress
from devices.link import DeviceLink
from devices.outbox import Pending
from kiosk.app import connect
from kiosk.station import Station

logger = logging.getLogger("soak-kiosk")

TAP_EVERY = (0.35, 1.0)  # seconds between taps: a busy bay, still light on the machine
REASONS = [r.value for r in TAPPED_PAUSE_REASONS]
END_SHIFT = "end-shift"


@dataclass(frozen=True)
class Step:
    type: str
    job: str | None
    act: Callable[[Station], Pending]
    # Whether the core's screen of the bay shows this step taken.
    shown: Callable[[BayState], bool]


def _signed_in(state: BayState, tech: str) -> bool:
    return any(t.id == tech for t in state.techs)


def _working(state: BayState, tech: str, ro: str) -> bool:
    cards = ([state.current] if state.current else []) + list(state.queue)
    return any(c.ro == ro and tech in c.working_techs for c in cards)


def shift_step(k: int, tech: str, jobs: list[str]) -> Step:
    """Step ``k`` of the shift: sign in, then (start|resume, pause, sign out, sign in)*."""
    if k == 0:
        return Step(
            "tech.signed_in", None, lambda s: s.sign_in(tech), lambda b: _signed_in(b, tech)
        )
    cycle, part = divmod(k - 1, 4)
    ro = jobs[cycle % len(jobs)]
    if part == 0:
        kind = "job.started" if cycle < len(jobs) else "job.resumed"
        act = (lambda s: s.start(ro, tech)) if cycle < len(jobs) else (lambda s: s.resume(ro, tech))
        return Step(kind, ro, act, lambda b: _working(b, tech, ro))
    if part == 1:
        reason = REASONS[cycle % len(REASONS)]
        return Step(
            "job.paused",
            ro,
            lambda s: s.pause(ro, tech, reason),
            lambda b: not _working(b, tech, ro),
        )
    if part == 2:
        return Step(
            "tech.signed_out", None, lambda s: s.sign_out(tech), lambda b: not _signed_in(b, tech)
        )
    return Step("tech.signed_in", None, lambda s: s.sign_in(tech), lambda b: _signed_in(b, tech))


def _settled_screen(station: Station, link: DeviceLink, stop: threading.Event) -> BayState | None:
    """The core's screen of the bay once every tap in the outbox has been answered and the
    core is there; None if told to stop first."""
    while not stop.is_set():
        drained = link.outbox.count() == 0
        if link.online and drained and link.core_online and station.state is not None:
            # An event that was on its way when the kiosk died may still be with the core.
            stop.wait(1.0)
            if link.outbox.count() == 0:
                return station.state
        stop.wait(0.1)
    return None


def resume_point(
    station: Station,
    link: DeviceLink,
    log: TapWriter,
    last: Tap | None,
    shift: Callable[[int], Step],
    stop: threading.Event,
) -> int | None:
    """The next step of the shift; a last tap not known to be in the outbox is settled from
    the core's screen first."""
    if last is None:
        return 0
    if last.saved and not last.destroyed:
        return last.k + 1
    if last.resolved is not None:
        return last.k + 1 if last.resolved else last.k
    screen = _settled_screen(station, link, stop)
    if screen is None:
        return None
    applied = shift(last.k).shown(screen)
    log.write(kind="resolved", n=last.n, applied=applied)
    logger.info("tap %d (%s) %s", last.n, last.type, "took effect" if applied else "is redone")
    return last.k + 1 if applied else last.k


def work(
    station: Station,
    log: TapWriter,
    start: tuple[int, int],
    shift: Callable[[int], Step],
    stop: threading.Event,
    rng: random.Random,
) -> None:
    """Tap step after step from ``start`` (step, tap number) until told to stop."""
    k, n = start
    while not stop.is_set():
        step = shift(k)
        log.write(kind="intent", n=n, k=k, type=step.type)
        item = step.act(station)
        ts = json.loads(item.payload)["ts"]
        log.write(kind="saved", n=n, ts=ts, seq=item.seq)
        k, n = k + 1, n + 1
        stop.wait(rng.uniform(*TAP_EVERY))


def _watch_end(stop: threading.Event, flag: Path) -> None:
    while not stop.wait(0.1):
        if flag.exists():
            stop.set()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config_path, bay, port, state_dir, tap_log, jobs_arg, seed = sys.argv[1:8]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    flag = Path(state_dir) / END_SHIFT
    threading.Thread(target=_watch_end, args=(stop, flag), daemon=True).start()
    config = load_config(config_path)
    tech, jobs = tech_of(bay), jobs_arg.split(",")
    shift = functools.partial(shift_step, tech=tech, jobs=jobs)
    before = read(Path(tap_log))
    log = TapWriter(Path(tap_log))
    station, link = connect(
        config,
        bay,
        BrokerAddress("127.0.0.1", int(port)),
        os.environ["PITBOARD_DEVICE_PASSWORD"],
        Path(state_dir),
    )
    k = resume_point(station, link, log, before.last, shift, stop)
    if k is not None:
        n = before.last.n + 1 if before.last else 1
        work(station, log, (k, n), shift, stop, random.Random(f"{seed}-{n}"))
    drained = link.wait_drained(timeout=float(os.environ.get("SOAK_DRAIN_SECONDS", "300")))
    log.write(kind="end", drained=drained)
    link.stop()
    log.close()
    return 0 if drained else 1


if __name__ == "__main__":
    sys.exit(main())
