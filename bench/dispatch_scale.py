"""The dispatch view at scale: 200 bays and 1,000 open jobs.

    python3 tasks.py bench dispatch_scale [--bays 200] [--jobs 1000] [--rounds 50]

Prints the size of ``view/dispatch`` (JSON bytes) and, per rebuild after a change, the time
to build it, serialise it and have it arrive at a subscriber through the broker. Target:
build and push under 50 ms.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime

from bench.common import (
    Client,
    Nowhere,
    demo_config,
    machine,
    percentile,
    start_broker,
    workdir,
)
from core.app import settle_memory
from core.contract import topics
from core.contract.messages import dump
from core.demo.busy import busy_config, fill
from core.domain.eta import predict
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bays", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    cfg = busy_config(demo_config(), args.bays)
    base = workdir()
    engine = make_engine(sqlite_url(base))
    migrate(engine)
    core = Core(cfg, Store(engine, cfg.site.id), Nowhere())
    core.start()
    t0 = time.perf_counter()
    fill(core, args.jobs, datetime.now(UTC))
    core.stop()
    settle_memory()  # as the core does once started with its workshop loaded
    print(f"machine: {machine()}")
    print(f"set-up: {args.bays} bays, {args.jobs} jobs in {time.perf_counter() - t0:.1f} s")

    broker = start_broker(cfg, base / "broker")
    topic = topics.DISPATCH.full(cfg.site.id)
    arrived: dict[int, float] = {}
    got = threading.Event()

    def on_message(_t: str, payload: bytes, at: float) -> None:
        arrived[len(arrived)] = at
        got.set()

    watcher = Client(broker, "core", on_message, [topic])
    publisher = Client(broker, "core")
    ws = core.ws
    devices = sorted(core.devices.values(), key=lambda d: d.device)
    builds: list[float] = []
    dumps: list[float] = []
    pushes: list[float] = []
    size = 0
    ros = [j.ro for j in ws.open_jobs()]
    for i in range(args.rounds):
        # As after a tap: one job changed, its card is built afresh, the rest reused.
        core.projector.forget({ros[i % len(ros)]})
        got.clear()
        start = time.perf_counter()
        now = datetime.now(UTC)
        view = core.projector.dispatch(ws, now, devices, predict(ws, now))
        built = time.perf_counter()
        payload = dump(view)
        dumped = time.perf_counter()
        publisher.publish(topic, payload)
        if not got.wait(10):
            raise SystemExit("the dispatch view did not arrive")
        pushed = arrived[len(arrived) - 1]
        builds.append(built - start)
        dumps.append(dumped - built)
        pushes.append(pushed - start)
        size = len(payload)
    watcher.close()
    publisher.close()
    broker.stop()
    engine.dispose()

    def ms(values: list[float]) -> str:
        return (
            f"p50 {percentile(values, 50) * 1000:.1f} ms, "
            f"p99 {percentile(values, 99) * 1000:.1f} ms"
        )

    print(f"view/dispatch: {size:,} bytes JSON ({len(ws.open_jobs())} open jobs)")
    print(f"build                      {ms(builds)}")
    print(f"serialise                  {ms(dumps)}")
    print(f"build + serialise + push   {ms(pushes)}  (target < 50 ms)")


if __name__ == "__main__":
    main()
