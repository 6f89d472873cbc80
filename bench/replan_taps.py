"""The re-plan's effect on tap → view, in one run: the same taps on the same site (60 bays
of every kind in six teams), once with an empty workshop and once with 400 jobs in its
bays' queues (one on every lift) and 150 cars booked over the coming days, whose plan the
core makes again with every board it builds.

    python3 tasks.py bench replan --tap-to-view [--rate 100] [--events 1000]

Each workshop gets its own core process (``pitboard core``, SQLite synchronous=FULL) on a
new database, on one Mosquitto (the embedded amqtt when it is not installed). Five general
bays tap as in bench/tap_to_view.py (a technician each working through a queue of cars:
start, pause, resume, pause, resume, finish), at a steady rate. Measured from the kiosk's
publish to the changed ``bay/{bay}/state``, ``view/lounge`` and the tapped job's part of
the board (``view/dispatch/job/{ro}``, which carries its planned bar) arriving at a
subscriber; beside the raw publish → subscribe round trip, taken before each workshop.
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime
from pathlib import Path

from bench import replan
from bench.common import (
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
    write_site,
)
from bench.tap_to_view import raw_round_trip
from core.broker import AmqttBroker, MosquittoBroker, free_port
from core.config import BayConfig, KioskConfig, SiteConfig, TeamConfig, TechnicianConfig
from core.domain.model import BayKind
from core.domain.privacy import mask_plate
from core.engine.effects import rows_to_write
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Batch, Store

#: The bays that tap (general ones: the first ten are special) and their technicians.
TAPPING = ["B010", "B011", "B012", "B013", "B014"]
TECHS = ["T900", "T901", "T902", "T903", "T904"]
#: Each step: the event, the job's status on its bay's state, its stage on the lounge (None:
#: no change there) and its status on the board.
STEPS = [
    ("job.started", "in_progress", "in_progress", "in_progress"),
    ("job.paused", "paused", None, "paused"),
    ("job.resumed", "in_progress", None, "in_progress"),
    ("job.paused", "paused", None, "paused"),
    ("job.resumed", "in_progress", None, "in_progress"),
    ("job.self_checked", None, "quality_check", "self_checked"),
]
Broker = MosquittoBroker | AmqttBroker


def site_config(bays: int) -> SiteConfig:
    """The demo site with the benchmark workshop's bays, teams and technicians, the QC and
    wash bays, and a kiosk at each tapping bay with a technician of its team for it."""
    base = demo_config()
    ws = replan.workshop(bays, base.site.id)
    work = [BayConfig(id=b.id, name=b.name, kind=b.kind, team=b.team) for b in ws.bays.values()]
    stations = [b for b in base.bays if b.kind in (BayKind.QC, BayKind.WASH)]
    teams = [TeamConfig(id=t, name=f"{t} 组") for t in replan.TEAMS]
    techs = [TechnicianConfig(id=t.id, name=t.name, team=t.team) for t in ws.technicians.values()]
    team_of = {b.id: b.team for b in ws.bays.values()}
    techs += [
        TechnicianConfig(id=t, name=f"技师{t}", team=team_of[b])
        for b, t in zip(TAPPING, TECHS, strict=True)
    ]
    kiosks = [KioskConfig(device=f"kiosk-{b.lower()}", bay=b) for b in TAPPING]
    return base.model_copy(
        update={
            "bays": work + stations,
            "teams": teams,
            "technicians": techs,
            "kiosks": kiosks,
            "printers": [],
        }
    )


def store_workshop(cfg: SiteConfig, db_url: str, bays: int, jobs: int, bookings: int) -> str:
    """The benchmark's workshop made as of now (its jobs, started an hour ago on their lifts,
    and its bookings) and stored as the core stores a workshop."""
    now = datetime.now(replan.ZONE).replace(second=0, microsecond=0)
    rnd = random.Random(7)
    ws = replan.workshop(bays, cfg.site.id)
    replan.fill(ws, jobs, rnd, now)
    booked = replan.book(ws, bookings, rnd, now)
    engine = make_engine(db_url)
    migrate(engine)
    store = Store(engine, cfg.site.id)
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), now)
    store.close()
    engine.dispose()
    lifted = sum(j.status.value == "in_progress" for j in ws.jobs.values())
    return f"{len(ws.jobs)} jobs ({lifted} on the lift), {booked} bookings"


def measure(
    broker: Broker,
    site: Path,
    db_url: str,
    base: Path,
    queues: dict[str, list[tuple[str, str]]],
    rate: float,
    events: int,
    token: str,
) -> dict[str, list[float]]:
    """The taps on one workshop through its own core: the latencies of each view."""
    web_port = free_port()
    proc = start_core_process(broker, db_url, base, web_port, site)
    try:
        messages: list[tuple[float, str, bytes]] = []

        def on_message(topic: str, payload: bytes, at: float) -> None:
            messages.append((at, topic, payload))

        watched = [f"pitboard/demo/bay/{b}/state" for b in TAPPING]
        watched += ["pitboard/demo/view/lounge", "pitboard/demo/view/dispatch/job/+"]
        watcher = Client(broker, "core", on_message, watched)
        kiosks = BayKiosks(broker, TAPPING)
        for bay, tech in zip(TAPPING, TECHS, strict=True):
            kiosks.send(bay, "tech.signed_in", None, tech, {})
        time.sleep(2.0)  # the sign-ins and the board that follows them
        messages.clear()

        per_bay = len(queues[TAPPING[0]])
        plan = [
            (bay, tech, *queues[bay][j], step)
            for j in range(per_bay)
            for step in STEPS
            for bay, tech in zip(TAPPING, TECHS, strict=True)
        ][:events]
        sent = []
        start = time.perf_counter()
        for i, (bay, tech, ro, plate, step) in enumerate(plan):
            target = start + i / rate
            while time.perf_counter() < target:
                time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
            data = {"reason": "break"} if step[0] == "job.paused" else {}
            t = time.perf_counter()
            kiosks.send(bay, step[0], ro, tech, data)
            sent.append((t, bay, ro, mask_plate(plate), step))
        time.sleep(3.0)
        watcher.close()
        kiosks.close()
        figures = core_figures(web_port, token)
    finally:
        stop_process(proc)
    out = latencies(sent, messages)
    print(f"  {figures}")
    return out


def latencies(
    sent: list[tuple[float, str, str, str, tuple[str, str | None, str | None, str]]],
    messages: list[tuple[float, str, bytes]],
) -> dict[str, list[float]]:
    decoded = [(t, topic, json.loads(p)) for t, topic, p in sorted(messages)]
    by_topic: dict[str, list[tuple[float, dict[str, object]]]] = {}
    for at, topic, view in decoded:
        by_topic.setdefault(topic, []).append((at, view))
    out: dict[str, list[float]] = {"bay": [], "lounge": [], "board": []}
    for t, bay, ro, masked, (_type, bay_status, stage, card_status) in sent:
        for at, view in by_topic.get(f"pitboard/demo/bay/{bay}/state", []):
            if at < t:
                continue
            if status_on_bay(view, ro) == bay_status:
                out["bay"].append(at - t)
                break
        if stage is not None:
            for at, view in by_topic.get("pitboard/demo/view/lounge", []):
                cars = view["cars"]
                if at >= t and any(c["plate"] == masked and c["stage"] == stage for c in cars):  # type: ignore[attr-defined]
                    out["lounge"].append(at - t)
                    break
        for at, view in by_topic.get(f"pitboard/demo/view/dispatch/job/{ro}", []):
            if at >= t and view["card"]["status"] == card_status:  # type: ignore[index]
                out["board"].append(at - t)
                break
    return out


def compare(bays: int, jobs: int, bookings: int, rate: float, events: int) -> None:
    """Tap → view on the empty workshop, then on the full one, and their ratio."""
    cfg = site_config(bays)
    base = workdir()
    site = write_site(cfg, base / "site.toml")
    per_bay = events // (len(TAPPING) * len(STEPS)) + 1
    broker = start_broker(cfg, base / "broker")
    results: dict[str, dict[str, list[float]]] = {}
    raws: dict[str, list[float]] = {}
    try:
        for name in ("empty", "full"):
            data = base / name
            data.mkdir()
            db_url = sqlite_url(data)
            said = "empty"
            if name == "full":
                said = store_workshop(cfg, db_url, bays, jobs, bookings)
            queues = queued_cars(cfg, db_url, TAPPING, per_bay)
            token = read_token(cfg, db_url)
            print(f"{name} workshop: {said}, and {per_bay * len(TAPPING)} cars for the taps")
            raws[name] = raw_round_trip(broker, rate, events)
            results[name] = measure(broker, site, db_url, data, queues, rate, events, token)
    finally:
        broker.stop()
    report(results, raws, rate, events, broker.kind)


def report(
    results: dict[str, dict[str, list[float]]],
    raws: dict[str, list[float]],
    rate: float,
    events: int,
    broker: str,
) -> None:
    print(f"tap -> view, machine: {machine()}; broker: {broker}; store: SQLite synchronous=FULL")
    print(f"rate: {rate:.0f} taps/s, {events} taps on each workshop")
    names = {"bay": "tap->bay/{bay}/state", "lounge": "tap->view/lounge", "board": "tap->board job"}
    for name in ("empty", "full"):
        print(f"{name}:")
        print(f"  raw publish->subscribe  {summary(raws[name])}")
        for key, label in names.items():
            print(f"  {label:<23} {summary(results[name][key])}")
    print("full / empty:")
    for key, label in names.items():
        empty, full = results["empty"][key], results["full"][key]
        p50 = percentile(full, 50) / percentile(empty, 50)
        p99 = percentile(full, 99) / percentile(empty, 99)
        print(f"  {label:<23} p50 {p50:.2f}x  p99 {p99:.2f}x")
    for name in ("empty", "full"):
        both = results[name]["bay"] + results[name]["lounge"]
        raw = raws[name]
        print(
            f"{name}: bay state and lounge to raw: p50 "
            f"{percentile(both, 50) / percentile(raw, 50):.1f}x, "
            f"p99 {percentile(both, 99) / percentile(raw, 99):.1f}x"
        )
    missing = {name: events - len(results[name]["bay"]) for name in results if results[name]["bay"]}
    for name, n in missing.items():
        if n > 0:
            print(f"WARNING: {n} taps never showed on their bay's state ({name})")
