"""A year on the floor, through the broker: the core as its own process on a database with
history, kiosks tapping over MQTT, the bay states watched by a subscriber, beside the raw
publish → subscribe round trip on the same broker; then the same taps while a dashboard
reads a month's report from the core's API (``/api/v1/reports/month``) over and over.

Used by ``bench/year.py``; the technicians at work are found as a dealer system would find
them (``/api/v1/repair-orders?status=in_progress``), each kiosk numbers its events on from
the last number the database holds for it.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import (
    BayKiosks,
    Client,
    demo_config,
    read_token,
    start_broker,
    start_core_process,
    status_on_bay,
    stop_process,
    wait_for_http,
)
from bench.tap_to_view import raw_round_trip
from core.broker import free_port
from core.store.database import make_engine
from core.store.repository import Store

RATE = 20.0  # taps a second: a busy site's morning, several times over


@dataclass
class Wire:
    """What the run through the broker measured, in seconds."""

    raw: list[float] = field(default_factory=list)
    taps: list[float] = field(default_factory=list)
    taps_reading: list[float] = field(default_factory=list)
    reports: list[float] = field(default_factory=list)
    report_failures: list[str] = field(default_factory=list)
    unseen: int = 0


def api(web: str, path: str, token: str) -> Any:
    request = urllib.request.Request(web + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def at_work(web: str, token: str) -> list[tuple[str, str, str]]:
    """(bay, technician, repair order) of each car one technician alone works on."""
    cards = api(web, "/api/v1/repair-orders?status=in_progress", token)
    return [
        (c["bay"], c["working_techs"][0], c["ro"])
        for c in cards
        if c["bay"] and len(c["working_techs"]) == 1 and not c["paused_techs"]
    ]


class Tapper:
    """The kiosks of the bays at work pausing and resuming in turn, each tap timed until its
    bay's state shows it."""

    def __init__(self, broker: Any, url: str, work: list[tuple[str, str, str]]) -> None:
        self.work = work
        self.states: list[tuple[float, str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.watcher = Client(broker, "core", self._state, ["pitboard/demo/bay/+/state"])
        self.kiosks = BayKiosks(broker, sorted({bay for bay, _, _ in work}))
        engine = make_engine(url)
        try:  # each kiosk numbers on from its last event in the history
            last = Store(engine, "demo").last_seqs()
        finally:
            engine.dispose()
        for bay in self.kiosks.seq:
            self.kiosks.seq[bay] = last.get(f"kiosk-{bay.lower()}", 0)
        self.running = {ro: True for _, _, ro in work}
        self.turn = 0

    def _state(self, topic: str, payload: bytes, at: float) -> None:
        with self.lock:
            self.states.append((at, topic.split("/")[3], json.loads(payload)))

    def tap(self) -> tuple[float, str, str, str]:
        bay, tech, ro = self.work[self.turn % len(self.work)]
        self.turn += 1
        kind, data, shows = (
            ("job.paused", {"reason": "tool"}, "paused")
            if self.running[ro]
            else ("job.resumed", {}, "in_progress")
        )
        self.running[ro] = not self.running[ro]
        sent = time.perf_counter()
        self.kiosks.send(bay, kind, ro, tech, data)
        return sent, bay, ro, shows

    def run(self, n: int) -> tuple[list[float], int]:
        """``n`` taps at ``RATE``; (tap → bay state of each tap seen, taps never seen)."""
        with self.lock:
            self.states.clear()
        sent = []
        start = time.perf_counter()
        for i in range(n):
            target = start + i / RATE
            while time.perf_counter() < target:
                time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
            sent.append(self.tap())
        time.sleep(2.0)
        with self.lock:
            states = sorted(self.states, key=lambda s: s[0])
        seen = []
        for t, bay, ro, shows in sent:
            for at, on, view in states:
                if at < t or on != bay:
                    continue
                if status_on_bay(view, ro) == shows:
                    seen.append(at - t)
                    break
        return seen, len(sent) - len(seen)

    def restore(self) -> None:
        """Every car it paused at work again, as it found them (the benchmark goes on
        tapping them in the core's own process)."""
        for i, (_bay, _tech, ro) in enumerate(self.work):
            if not self.running[ro]:
                self.turn = i
                self.tap()
        time.sleep(1.0)

    def close(self) -> None:
        self.watcher.close()
        self.kiosks.close()


def read_reports(web: str, token: str, month: date, stop: threading.Event, out: Wire) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            api(web, f"/api/v1/reports/month?day={month.isoformat()}", token)
        except Exception as exc:  # counted and shown, never the end of the reading
            out.report_failures.append(f"{exc.__class__.__name__}: {exc}")
            time.sleep(0.1)
            continue
        out.reports.append(time.perf_counter() - started)


def through_the_broker(url: str, base: Path, taps: int, month: date) -> Wire:
    """The core's process on ``url``: raw round trip, taps, taps while the report of the
    month around ``month`` is read."""
    cfg = demo_config()
    token = read_token(cfg, url)
    broker = start_broker(cfg, base / "wire-broker")
    port = free_port()
    web = f"http://127.0.0.1:{port}"
    proc = start_core_process(broker, url, base, port)
    out = Wire()
    try:
        wait_for_http(web + "/healthz")
        out.raw = raw_round_trip(broker, RATE, taps)
        work = at_work(web, token)
        if not work:
            raise SystemExit("no car at work to tap on")
        tapper = Tapper(broker, url, work)
        try:
            tapper.run(2 * len(work))  # warm: each car paused and resumed once
            out.taps, unseen = tapper.run(taps)
            stop = threading.Event()
            reading = (web, token, month, stop, out)
            reader = threading.Thread(target=read_reports, args=reading)
            reader.start()
            try:
                out.taps_reading, unseen_reading = tapper.run(taps)
            finally:
                stop.set()
                reader.join()
            out.unseen = unseen + unseen_reading
            tapper.restore()
        finally:
            tapper.close()
    finally:
        stop_process(proc)
        broker.stop()
    return out
