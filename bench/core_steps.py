"""Inside the core: what a tap waits for on the batch thread, without broker or threads.

    python3 tasks.py bench core_steps [--taps 1000] [--rate 100] [--bays N] [--log-in-commits]

The tap → view benchmark's workshop (five bays, 34 cars queued at each, a technician
working through them) driven through ``BatchStep.process`` in this process, the taps on a
fixed schedule and between them what the core's loop does when nothing waits (the report
rows, the foreman's board a step at a time). Prints, per tap, scheduled arrival → its bay's
state published (so a tap that comes while the board is worked on waits for that step),
and the time of each kind of work on the batch thread. The core's collector is frozen
first, as ``pitboard core`` freezes it at start. ``--bays``: the site has that many bays,
each with its kiosk and technician (the thousand-kiosk benchmark's site), the taps still
at five of them.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import BAYS, TECHS, Nowhere, demo_config, percentile, queued_cars, workdir
from bench.tap_to_view import STEPS
from core.contract.messages import make_event
from core.demo.busy import busy_config
from core.engine import Core, Incoming
from core.store.database import make_engine, sqlite_url
from core.store.repository import Store

Times = dict[str, list[float]]


class StatesClock(Nowhere):
    """Publishes nowhere; notes when the first bay state of a tap was handed over."""

    def __init__(self) -> None:
        self.state_at: float | None = None

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if self.state_at is None and topic.endswith("/state"):
            self.state_at = time.perf_counter()


def timed(times: Times, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[label].append(time.perf_counter() - started)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--taps", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="taps per second")
    parser.add_argument(
        "--log-in-commits",
        action="store_true",
        help="SQLite copies its log inside the commits, as the core did before its own thread",
    )
    parser.add_argument("--bays", type=int, default=0, help="general bays (0: the demo's)")
    args = parser.parse_args()
    cfg = busy_config(demo_config(), args.bays) if args.bays else demo_config()
    db_url = sqlite_url(workdir())
    per_bay = args.taps // (len(BAYS) * len(STEPS)) + 1
    queues = queued_cars(cfg, db_url, BAYS, per_bay)
    states = StatesClock()
    core = Core(cfg, Store(make_engine(db_url), cfg.site.id), states)
    if not args.log_in_commits:
        core.store.checkpoint_apart()  # as ``Core.start`` does
    step, views = core.step, core.views
    times: Times = defaultdict(list)
    for name in (
        "apply",
        "commit",
        "make_states",
        "publish_states",
        "publish_lounge",
        "write_reports",
    ):
        setattr(step, name, timed(times, name, getattr(step, name)))
    views.flush_dispatch = timed(times, "board step", views.flush_dispatch)  # type: ignore[method-assign]
    seqs: dict[str, int] = defaultdict(int)

    def tap(bay: str, type_: str, ro: str | None, tech: str) -> Incoming:
        device = f"kiosk-{bay.lower()}"
        seqs[device] += 1
        data = {"reason": "break"} if type_ == "job.paused" else {}
        at = datetime.now(UTC)
        payload = make_event(device, seqs[device], type_, at, bay=bay, job=ro, tech=tech, data=data)
        return Incoming(f"pitboard/demo/dev/{device}/event", payload, None, at)

    for bay, tech in zip(BAYS, TECHS, strict=True):
        step.process([tap(bay, "tech.signed_in", None, tech)])
    times.clear()
    gc.collect()
    gc.freeze()
    plan = [
        (bay, tech, queues[bay][j][0], type_)
        for j in range(per_bay)
        for type_, _, _ in STEPS
        for bay, tech in zip(BAYS, TECHS, strict=True)
    ][: args.taps]
    waited: list[float] = []
    start = time.perf_counter() + 0.01
    for i, (bay, tech, ro, type_) in enumerate(plan):
        arrives = start + i / args.rate
        while time.perf_counter() < arrives:  # the loop's own work while no tap waits
            if step.wait() > 0:
                time.sleep(min(0.0002, max(0.0, arrives - time.perf_counter())))
            else:
                step.refresh()
        states.state_at = None
        step.process([tap(bay, type_, ro, tech)])
        if states.state_at is not None:
            waited.append(states.state_at - arrives)
    core.store.stop_checkpoints()
    where = "inside commits" if args.log_in_commits else "by its own thread"
    print(
        f"{len(plan)} taps at {args.rate:.0f}/s, {len(cfg.bays)} bays, {len(core.ws.jobs)} jobs,"
        " SQLite's log copied"
        f" {where}; times in ms"
    )
    for label, values in {"arrival->bay state": waited, **times}.items():
        ms = [v * 1000 for v in values]
        print(
            f"{label:22s} n={len(ms):5d} p50={percentile(ms, 50):6.2f} "
            f"p99={percentile(ms, 99):6.2f} max={max(ms):6.2f}"
        )


if __name__ == "__main__":
    main()
