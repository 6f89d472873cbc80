"""Tap → view: from a kiosk's publish to the changed ``bay/{bay}/state`` and ``view/lounge``
arriving at a subscriber, at a steady rate, beside the raw publish → subscribe round trip
on the same broker in the same run.

    python3 tasks.py bench tap_to_view [--rate 100] [--events 1000] [--help-every 5]

Five bays, a technician at each working through a queue of cars: start, pause, resume,
pause, resume, finish. Every tap changes its bay's state; start and finish also change the
car's stage on the lounge screen. With ``--help-every N``, every N-th tap is a help call
(安灯) from one of the bays, or the close of the one it made before (0, the default: none,
so that runs compare with those of earlier versions): tap →
``view/help`` (what the dispatch board and the callee's page follow) and tap → the bay's
state, at the same rate, same targets. SQLite with synchronous=FULL.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

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
    status_on_bay,
    stop_process,
    summary,
    workdir,
)
from core.broker import free_port
from core.domain.privacy import mask_plate
from core.domain.vocabulary import HelpKind
from core.store.database import sqlite_url

STEPS = [
    ("job.started", "in_progress", "in_progress"),
    ("job.paused", "paused", None),
    ("job.resumed", "in_progress", None),
    ("job.paused", "paused", None),
    ("job.resumed", "in_progress", None),
    ("job.self_checked", None, "quality_check"),  # leaves the bay; lounge: quality check
]


KINDS = [k.value for k in HelpKind]
#: A help tap: (call id, kind, True for a call, False for its close).
HelpTap = tuple[str, str, bool]


def help_taps(day: str) -> Iterator[tuple[str, HelpTap]]:
    """Each bay in turn calls for a kind, and at its next turn closes that call and calls
    for the next kind; the calls are numbered as the core numbers them (from 1 on a fresh
    store, in the order they are applied)."""
    made = 0
    last: dict[str, tuple[str, str]] = {}
    for turn in itertools.count():
        bay = BAYS[turn % len(BAYS)]
        if bay in last:
            yield bay, (*last.pop(bay), False)
            continue
        made += 1
        kind = KINDS[(turn // len(BAYS)) % len(KINDS)]
        last[bay] = (f"H-{day}-{made:04d}", kind)
        yield bay, (last[bay][0], kind, True)


def help_latencies(
    sent: list[tuple[float, str, HelpTap]], decoded: list[tuple[float, str, Any]]
) -> tuple[list[float], list[float]]:
    """Tap → ``view/help`` and tap → the bay's state, for each help tap: the first of each
    that shows the call (or, for a close, no longer shows it)."""
    board_lat: list[float] = []
    bay_lat: list[float] = []
    for t, bay, (ident, _kind, called) in sent:
        for topic, into in (
            ("pitboard/demo/view/help", board_lat),
            (f"pitboard/demo/bay/{bay}/state", bay_lat),
        ):
            for at, top, view in decoded:
                if at < t or top != topic:
                    continue
                calls = view["calls"] if "calls" in view else view.get("help", [])
                if any(c["id"] == ident for c in calls) == called:
                    into.append(at - t)
                    break
    return board_lat, bay_lat


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
    parser.add_argument(
        "--help-every", type=int, default=0, help="every n-th tap a help call or close (0: none)"
    )
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
            ["pitboard/demo/bay/+/state", "pitboard/demo/view/lounge", "pitboard/demo/view/help"],
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
        helped: list[tuple[float, str, HelpTap]] = []
        helps = help_taps(datetime.now(cfg.zone).strftime("%Y%m%d"))  # the site's day
        techs = dict(zip(BAYS, TECHS, strict=True))
        start = time.perf_counter()
        work = iter(plan)
        for i in itertools.count():
            target = start + i / args.rate
            while time.perf_counter() < target:
                time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
            if args.help_every and i % args.help_every == args.help_every - 1:
                bay, tap = next(helps)
                ident, kind, called = tap
                data = {"kind": kind} if called else {"call": ident, "outcome": "done"}
                t = time.perf_counter()
                send(bay, "help.called" if called else "help.closed", None, techs[bay], data)
                helped.append((t, bay, tap))
                continue
            item = next(work, None)
            if item is None:
                break
            bay, tech, ro, masked, step = item
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
                if status_on_bay(view, ro) == bay_status:
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
        help_board, help_bay = help_latencies(helped, decoded)
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
        if helped:
            help_both = help_board + help_bay
            print(f"help calls and closes: {len(helped)} taps among them")
            print(f"help tap->view/help      {summary(help_board)}")
            print(f"help tap->bay state      {summary(help_bay)}")
            print(
                f"help ratio to raw: p50 {percentile(help_both, 50) / raw_p50:.1f}x "
                f"(target <= 8x), p99 {percentile(help_both, 99) / raw_p99:.1f}x (target <= 20x)"
            )
            if len(help_board) < len(helped):
                print(f"WARNING: {len(helped) - len(help_board)} help taps never shown")
        print(core_figures(web_port, token))
        missing = len(sent) - len(bay_lat)
        if missing:
            print(f"WARNING: {missing} taps never showed on their bay's state")
    finally:
        stop_process(proc)
        broker.stop()


if __name__ == "__main__":
    main()
