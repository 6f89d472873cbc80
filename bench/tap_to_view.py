"""Tap → view: from a kiosk's publish to the changed ``bay/{bay}/state`` and ``view/lounge``
arriving at a subscriber, at a steady rate, beside the raw publish → subscribe round trip
on the same broker in the same run.

    python3 tasks.py bench tap_to_view [--rate 100] [--events 1000]

Five bays, a technician at each working through a queue of cars: start, pause, resume,
pause, resume, finish. Every tap changes its bay's state; start and finish also change the
car's stage on the lounge screen. SQLite with synchronous=FULL.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from bench.common import (
    BAYS,
    TECHS,
    BayKiosks,
    Client,
    core_figures,
    demo_config,
    machine,
    percentile,
    queued_cars,
    read_token,
    start_broker,
    start_core_process,
    stop_process,
    summary,
    workdir,
)
from core.broker import free_port
from core.domain.privacy import mask_plate
from core.store.database import sqlite_url

STEPS = [
    ("job.started", "in_progress", "in_progress"),
    ("job.paused", "paused", None),
    ("job.resumed", "in_progress", None),
    ("job.paused", "paused", None),
    ("job.resumed", "in_progress", None),
    ("job.self_checked", None, "quality_check"),  # leaves the bay; lounge: quality check
]


def raw_round_trip(broker: object, rate: float, n: int) -> list[float]:
    sent: dict[int, float] = {}
    got: dict[int, float] = {}
    done = threading.Event()

    def on_message(_t: str, payload: bytes, at: float) -> None:
        got[int(payload)] = at
        if len(got) >= n:
            done.set()

    sub = Client(broker, "core", on_message, ["pitboard/demo/bench/raw"])  # type: ignore[arg-type]
    pub = Client(broker, "core")  # type: ignore[arg-type]
    start = time.perf_counter()
    for i in range(n):
        target = start + i / rate
        while time.perf_counter() < target:
            time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
        sent[i] = time.perf_counter()
        pub.publish("pitboard/demo/bench/raw", str(i).encode())
    done.wait(30)
    pub.close()
    sub.close()
    return [got[i] - sent[i] for i in sent if i in got]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()

    cfg = demo_config()
    base = workdir()
    db_url = sqlite_url(base)
    per_bay = args.events // (len(BAYS) * len(STEPS)) + 1
    queues = {
        b: [(ro, mask_plate(plate)) for ro, plate in q]
        for b, q in queued_cars(cfg, db_url, BAYS, per_bay).items()
    }

    token = read_token(cfg, db_url)
    broker = start_broker(cfg, base / "broker")
    web_port = free_port()
    proc = start_core_process(broker, db_url, base, web_port)
    try:
        raw = raw_round_trip(broker, args.rate, args.events)

        messages: list[tuple[float, str, bytes]] = []

        def on_message(topic: str, payload: bytes, at: float) -> None:
            messages.append((at, topic, payload))

        watcher = Client(
            broker,
            "core",
            on_message,
            ["pitboard/demo/bay/+/state", "pitboard/demo/view/lounge"],
        )
        kiosks = BayKiosks(broker, BAYS)
        send = kiosks.send

        for bay, tech in zip(BAYS, TECHS, strict=True):
            send(bay, "tech.signed_in", None, tech, {})
        time.sleep(1.0)
        messages.clear()

        plan = []
        for j in range(per_bay):
            for step in STEPS:
                for bay, tech in zip(BAYS, TECHS, strict=True):
                    ro, masked = queues[bay][j]
                    plan.append((bay, tech, ro, masked, step))
        plan = plan[: args.events]
        sent: list[tuple[float, str, str, str, tuple[str, str | None, str | None]]] = []
        start = time.perf_counter()
        for i, (bay, tech, ro, masked, step) in enumerate(plan):
            target = start + i / args.rate
            while time.perf_counter() < target:
                time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
            data = {"reason": "break"} if step[0] == "job.paused" else {}
            t = time.perf_counter()
            send(bay, step[0], ro, tech, data)
            sent.append((t, bay, ro, masked, step))
        time.sleep(2.0)
        watcher.close()
        kiosks.close()

        decoded = [(t, topic, json.loads(p)) for t, topic, p in sorted(messages)]
        bay_lat: list[float] = []
        lounge_lat: list[float] = []
        for t, bay, ro, masked, (_type, bay_status, stage) in sent:
            topic = f"pitboard/demo/bay/{bay}/state"
            for at, top, view in decoded:
                if at < t or top != topic:
                    continue
                jobs = ([view["current"]] if view["current"] else []) + view["queue"]
                status = next((j["status"] for j in jobs if j["ro"] == ro), None)
                if status == bay_status:
                    bay_lat.append(at - t)
                    break
            if stage is None:
                continue
            for at, top, view in decoded:
                if at < t or top != "pitboard/demo/view/lounge":
                    continue
                if any(c["plate"] == masked and c["stage"] == stage for c in view["cars"]):
                    lounge_lat.append(at - t)
                    break

        both = bay_lat + lounge_lat
        raw_p50, raw_p99 = percentile(raw, 50), percentile(raw, 99)
        print(f"machine: {machine()}; broker: {broker.kind}; store: SQLite synchronous=FULL")
        print(f"rate: {args.rate:.0f} events/s, {len(sent)} events")
        print(f"raw publish->subscribe   {summary(raw)}")
        print(f"tap->bay/{{bay}}/state     {summary(bay_lat)}")
        print(f"tap->view/lounge         {summary(lounge_lat)}")
        print(
            f"ratio to raw: p50 {percentile(both, 50) / raw_p50:.1f}x (target <= 8x), "
            f"p99 {percentile(both, 99) / raw_p99:.1f}x (target <= 20x)"
        )
        print(core_figures(web_port, token))
        missing = len(sent) - len(bay_lat)
        if missing:
            print(f"WARNING: {missing} taps never showed on their bay's state")
    finally:
        stop_process(proc)
        broker.stop()


if __name__ == "__main__":
    main()
