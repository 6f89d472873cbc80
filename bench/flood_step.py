"""What ingest costs the core's batch thread per event, without broker or threads: sign-ins
and sign-outs at the five demo bays, in batches of 500 as a flood comes (``--batch``: a
flood through the broker comes in batches of about 70), through the core's batch step; the
µs an event spends in the whole step and in its commit.

    python3 tasks.py bench flood_step [--events 6000] [--batch 500]

Written to run against earlier versions of the core too, so that two can be compared on
one machine: ``git worktree add /tmp/earlier b01de4d`` then
``PYTHONPATH=/tmp/earlier .venv/bin/python bench/flood_step.py`` (the earlier core's batch
is ``Core._process``, this one's ``Core.step.process``).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import BAYS, TECHS, Nowhere, demo_config, queued_cars, workdir
from core.contract.messages import make_event
from core.engine import Core, Incoming
from core.store.database import make_engine, sqlite_url
from core.store.repository import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument(
        "--batch", type=int, default=500, help="events a batch (a flood through the broker: ≈ 70)"
    )
    args = parser.parse_args()
    cfg = demo_config()
    db_url = sqlite_url(workdir())
    queued_cars(cfg, db_url, BAYS, 1)
    core = Core(cfg, Store(make_engine(db_url), cfg.site.id), Nowhere())
    committing = [0.0]
    commit = core.store.commit

    def timed_commit(*args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        try:
            commit(*args, **kwargs)
        finally:
            committing[0] += time.perf_counter() - started

    core.store.commit = timed_commit  # type: ignore[method-assign]
    step: Callable[[list[Any]], Any] = getattr(core, "_process", None) or core.step.process
    seqs = dict.fromkeys(BAYS, 0)
    items = []
    for i in range(args.events):
        bay, tech = BAYS[i % len(BAYS)], TECHS[i % len(BAYS)]
        device = f"kiosk-{bay.lower()}"
        seqs[bay] += 1
        type_ = "tech.signed_in" if seqs[bay] % 2 else "tech.signed_out"
        at = datetime.now(UTC)
        payload = make_event(device, seqs[bay], type_, at, bay=bay, tech=tech, data={})
        items.append(Incoming(f"pitboard/demo/dev/{device}/event", payload, None, at))
    gc.collect()
    gc.freeze()  # as the core's process does once started
    started = time.perf_counter()
    for first in range(0, len(items), args.batch):
        step(items[first : first + args.batch])
    took = time.perf_counter() - started
    print(
        f"{args.events} sign-ins and -outs in batches of {args.batch}, "
        f"{core.counters.applied} applied"
    )
    per, commits = took / args.events * 1e6, committing[0] / args.events * 1e6
    print(f"per event: {per:.1f} µs, of it the commit {commits:.1f} µs")


if __name__ == "__main__":
    main()
