"""The dispatch board at scale: 200 bays and 1,000 open jobs.

    python3 tasks.py bench dispatch_scale [--bays 200] [--jobs 1000] [--rounds 60]

Taps go through the core's batch step one second apart on the workshop's clock (pauses,
resumes and self-checks of running jobs, spread over the bays); after each, the core builds
the board and sends the parts of it that changed through Mosquitto. A subscriber of the
board's topics counts what reaches it per tap and puts the board together from the parts
(core/contract/dispatch_mirror.py). Prints the bytes per tap for an MQTT subscriber (target:
under 10 kB), what a subscriber that joins receives, what a minute passing sends, the whole
board's size as one message for comparison, and the times to build and send the board.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Client, demo_config, machine, percentile, start_broker, workdir
from core.app import settle_memory
from core.broker import AmqttBroker, MosquittoBroker
from core.commands import CheckInCar
from core.contract import topics
from core.contract.dispatch_mirror import BoardMirror
from core.contract.messages import dump, make_event
from core.demo.busy import busy_config, orders, spread
from core.engine import Core, Incoming, Republish, WebCommand, view_publisher
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store


class BrokerPublisher:
    """The core's side of the broker, as the bench's MQTT client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.client.c.publish(topic, payload, qos=qos, retain=retain)

    def puback(self, token: object) -> None:
        pass

    def send_now(self) -> None:
        pass  # the bench's client writes on its own thread


class Watcher:
    """A subscriber of the board's topics: what reached it, and the board it holds."""

    def __init__(self, broker: MosquittoBroker | AmqttBroker, site: str) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.index_seq = 0
        self.mirror = BoardMirror(site)
        self._fed = 0
        self._cv = threading.Condition()
        self.client = Client(
            broker, "core", self._message, [t.wildcard(site) for t in topics.BOARD]
        )

    def _message(self, topic: str, payload: bytes, _at: float) -> None:
        with self._cv:
            self.got.append((topic, payload))
            if topic.endswith("/view/dispatch/index") and payload:
                self.index_seq = json.loads(payload)["seq"]
            self._cv.notify_all()

    def until(self, seq: int, timeout: float = 30) -> None:
        with self._cv:
            if not self._cv.wait_for(lambda: self.index_seq >= seq, timeout):
                raise SystemExit(f"the board's index #{seq} did not arrive")

    def bytes_since(self, mark: int) -> int:
        with self._cv:
            return sum(len(p) for _, p in self.got[mark:])

    def board(self, like: Any, timeout: float = 30) -> Any:
        """The whole board this subscriber holds, once it is ``like`` (or the time is up):
        retained parts may still be arriving after the index."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cv:
                for topic, payload in self.got[self._fed :]:
                    self.mirror.receive(topic, payload)
                self._fed = len(self.got)
            board = self.mirror.view()
            if board == like or time.monotonic() > deadline:
                return board
            time.sleep(0.05)


class BenchClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def timed(target: Any, name: str, into: list[float]) -> None:
    """Times every call of ``target.name`` into ``into``."""
    inner: Callable[..., Any] = getattr(target, name)

    def wrapper(*args: Any, **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            return inner(*args, **kw)
        finally:
            into.append(time.perf_counter() - started)

    setattr(target, name, wrapper)


def fill(core: Core, jobs: int, now: datetime) -> None:
    """``jobs`` cars checked in in one batch and spread over the stages and bays."""
    checked: list[Future[Any]] = [Future() for _ in range(jobs)]
    items = [
        WebCommand(CheckInCar(o), "advisor:SA01", f)
        for o, f in zip(orders(jobs, now), checked, strict=True)
    ]
    core.step.process(items)  # type: ignore[arg-type]
    general = [b.id for b in core.config.bays if b.kind == "general"]
    spread(core.ws, [f.result(0).ro for f in checked], general, now)
    core.step.process([Republish(connected=True)])


class Taps:
    """Kiosk taps on running jobs, a different bay each time: a pause, the resume of the
    same job, a self-check of another (which sends the job on to the QC station)."""

    def __init__(self, core: Core, clock: BenchClock) -> None:
        self.core, self.clock = core, clock
        self.seqs: dict[str, int] = {}
        self.paused: tuple[str, str, str] | None = None

    def next(self, i: int) -> str:
        if self.paused is not None:
            ro, bay, tech = self.paused
            self.paused = None
            return self.send("job.resumed", ro, bay, tech, {})
        running = sorted(
            (j for j in self.core.ws.jobs.values() if j.working_techs() and j.bay),
            key=lambda j: j.bay or "",
        )
        job = running[(i * 37) % len(running)]
        bay, tech = job.bay or "", job.working_techs()[0]
        if i % 3 == 2:
            return self.send("job.self_checked", job.ro, bay, tech, {})
        self.paused = (job.ro, bay, tech)
        return self.send("job.paused", job.ro, bay, tech, {"reason": "waiting_parts"})

    def send(self, type_: str, ro: str, bay: str, tech: str, data: dict[str, str]) -> str:
        device = f"kiosk-{bay.lower()}"
        seq = self.seqs[device] = self.seqs.get(device, 0) + 1
        now = self.clock.now
        payload = make_event(device, seq, type_, now, bay=bay, job=ro, tech=tech, data=data)
        topic = f"pitboard/{self.core.site}/dev/{device}/event"
        self.core.step.process([Incoming(topic, payload, None, now)])
        return type_


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bays", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()

    # The board goes out after every tap here: each tap's traffic is its own.
    view_publisher.DISPATCH_MAX_GAP = 0.0
    cfg = busy_config(demo_config(), args.bays)
    base = workdir()
    broker = start_broker(cfg, base / "broker")
    sender = Client(broker, "core")
    engine = make_engine(sqlite_url(Path(tempfile.mkdtemp(dir=base))))
    migrate(engine)
    start = datetime.now(UTC).replace(second=5, microsecond=0)
    clock = BenchClock(start)
    core = Core(cfg, Store(engine, cfg.site.id), BrokerPublisher(sender), clock)
    t0 = time.perf_counter()
    fill(core, args.jobs, start)
    settle_memory()  # as the core does once started with its workshop loaded
    print(f"machine: {machine()}; broker: {broker.kind}")
    print(f"set-up: {args.bays} bays, {args.jobs} jobs in {time.perf_counter() - t0:.1f} s")

    watcher = Watcher(broker, cfg.site.id)
    watcher.until(core.views.board.seq)
    if watcher.board(core.dispatch_view) != core.dispatch_view:
        raise SystemExit("the subscriber's board is not the core's")
    joiner = Watcher(broker, cfg.site.id)  # joins a board at rest: gets what is retained
    joiner.until(core.views.board.seq)
    joined = joiner.bytes_since(0)
    if joiner.board(core.dispatch_view) != core.dispatch_view:
        raise SystemExit("the board of a subscriber that joined is not the core's")
    joiner.client.close()

    builds: list[float] = []
    sends: list[float] = []
    timed(core.views.projector, "dispatch", builds)
    timed(core.views.board, "publish_board", sends)
    per_kind: dict[str, list[float]] = {}
    pushes: list[float] = []
    taps = Taps(core, clock)
    applied = core.counters.applied
    for i in range(args.rounds):
        clock.now = start + timedelta(seconds=i * 50 / max(1, args.rounds))  # within the minute
        mark = len(watcher.got)
        began = time.perf_counter()
        kind = taps.next(i)
        watcher.until(core.views.board.seq)
        pushes.append(time.perf_counter() - began)
        per_kind.setdefault(kind, []).append(watcher.bytes_since(mark))
    if core.counters.applied - applied != args.rounds:
        raise SystemExit("some taps were refused: see the core's log")
    if watcher.board(core.dispatch_view) != core.dispatch_view:
        raise SystemExit("the subscriber's board is not the core's after the taps")

    # A minute passes: predictions move with the clock, and the board is built again.
    clock.now = start + timedelta(minutes=1)
    mark = len(watcher.got)
    core.views.publish_dispatch(core.ws, clock.now)
    watcher.until(core.views.board.seq)
    minute = watcher.bytes_since(mark)
    whole = len(dump(core.dispatch_view)) if core.dispatch_view else 0
    watcher.client.close()
    sender.close()
    broker.stop()
    engine.dispose()
    report(args, per_kind, joined, minute, whole, builds, sends, pushes)


def report(
    args: argparse.Namespace,
    per_kind: dict[str, list[float]],
    joined: int,
    minute: int,
    whole: int,
    builds: list[float],
    sends: list[float],
    pushes: list[float],
) -> None:
    def ms(values: list[float]) -> str:
        return (
            f"p50 {percentile(values, 50) * 1000:.1f} ms, "
            f"p99 {percentile(values, 99) * 1000:.1f} ms"
        )

    every = [b for sizes in per_kind.values() for b in sizes]
    print(f"board bytes per tap for an MQTT subscriber ({len(every)} taps, target < 10 kB):")
    for kind, sizes in [*sorted(per_kind.items()), ("every tap", every)]:
        p50, top = percentile(sizes, 50), max(sizes)
        print(f"  {kind:18} n={len(sizes):3} p50 {p50:,.0f} B, max {top:,.0f} B")
    print(f"a subscriber joining receives   {joined:,} B (every retained part)")
    print(f"a minute passing, no tap        {minute:,} B (predictions move with the clock)")
    print(f"the whole board as one message  {whole:,} B (for comparison)")
    print(f"build the board                 {ms(builds)}")
    print(f"split, compare, send the parts  {ms(sends)}")
    print(f"tap -> board at the subscriber  {ms(pushes)}  (commit, bay states, lounge, board)")


if __name__ == "__main__":
    main()
