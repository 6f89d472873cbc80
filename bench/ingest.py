"""Ingest: sustained events per second applied and acknowledged, through a real broker into
SQLite (synchronous=FULL) and, when reachable, PostgreSQL; then the same at twice that
offered load, to show events queue and are applied late, never dropped.

    python3 tasks.py bench ingest [--seconds 10] [--postgres URL]

Five kiosks publish sign-outs and sign-ins as fast as they can (QoS 1), each with
at most 100 unanswered events on the wire, as Pitboard's devices do; the figure is acks
received per second once the pipeline is full. Beside it, where the system says (Linux),
the CPU time the core's two busiest threads (the batch thread and the MQTT thread) spent
on each event: on a machine whose speed drifts, a steadier figure than events a second;
and how often those threads were switched out an event (each a hand-over between them, or
a wait for the broker or the disk).

Written to run against earlier cores too: ``PYTHONPATH=<its worktree> .venv/bin/python
<this checkout>/bench/ingest.py`` (the earlier tree's bench/common.py starts its core).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from bench.common import (
    BAYS,
    Client,
    Nowhere,
    demo_config,
    machine,
    start_broker,
    start_core_process,
    stop_process,
    workdir,
)
from core.commands import CheckInCar, Dispatch
from core.config import SiteConfig
from core.contract.messages import make_event
from core.domain.model import Customer, Operation, Vehicle
from core.domain.workshop import CheckIn
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store

WINDOW = 100
TECH = {"B01": "T001", "B02": "T002", "B03": "T003", "B04": "T004", "B05": "T005"}


def prepare(cfg: SiteConfig, db_url: str) -> None:
    """One job per bay, dispatched (through the command path), as in a working day."""
    engine = make_engine(db_url)
    migrate(engine)
    core = Core(cfg, Store(engine, cfg.site.id), Nowhere())
    core.start()
    for i, bay in enumerate(BAYS):
        job = core.run_command(
            CheckInCar(
                CheckIn(
                    vehicle=Vehicle(plate=f"京A{20000 + i}"),
                    customer=Customer(),
                    operations=(Operation("M010", "小保养", 1.0),),
                    promised_at=datetime.now(UTC) + timedelta(hours=4),
                )
            ),
            "advisor:bench",
        )
        core.run_command(Dispatch(job.ro, bay), "foreman:bench")
    core.stop()
    engine.dispose()


def thread_cpu(pid: int) -> dict[str, tuple[float, int]]:
    """Each thread of the process but its main one (start-up): (CPU seconds spent, times it
    gave up or lost its processor), where the system says (Linux); empty elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    spent: dict[str, tuple[float, int]] = {}
    try:
        tids = [t for t in os.listdir(f"/proc/{pid}/task") if t != str(pid)]
    except OSError:
        return spent
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = f.read()
        except OSError:
            continue  # a thread that ended meanwhile
        switches = sum(
            int(line.split()[1]) for line in status.splitlines() if "ctxt_switches" in line
        )
        spent[tid] = ((int(fields[11]) + int(fields[12])) / tick, switches)  # utime + stime
    return spent


def busiest(
    before: dict[str, tuple[float, int]], after: dict[str, tuple[float, int]], events: int
) -> str:
    """The two busiest threads' CPU an event between two readings, in µs, and how often
    they were switched out an event (each a hand-over between the threads, or a wait for
    the broker or the disk)."""
    used = sorted(
        (
            (cpu - before.get(t, (0.0, 0))[0], n - before.get(t, (0.0, 0))[1])
            for t, (cpu, n) in after.items()
        ),
        reverse=True,
    )[:2]
    if len(used) < 2 or events <= 0:
        return ""
    cpu = " + ".join(f"{u[0] / events * 1e6:.0f}" for u in used)
    switched = sum(u[1] for u in used) / events
    return f", core threads {cpu} µs an event, switched out {switched:.2f} times an event"


def run(
    cfg: SiteConfig, db_url: str, seconds: float, rate: float | None
) -> tuple[float, int, int, str]:
    """Offer events (as fast as possible, or at ``rate``/s); returns (acked/s, sent, acked,
    the core's threads' CPU an event as words)."""
    prepare(cfg, db_url)
    base = workdir()
    broker = start_broker(cfg, base / "broker")
    proc = start_core_process(broker, db_url, base)
    idle = thread_cpu(proc.pid)
    acked: list[float] = []
    answered = dict.fromkeys(BAYS, 0)
    lock = threading.Lock()

    def on_ack(topic: str, payload: bytes, at: float) -> None:
        bay = topic.split("/")[3].split("-")[1].upper()
        with lock:
            answered[bay] += 1
            if b'"applied"' in payload:
                acked.append(at)

    kiosks = {
        b: Client(
            broker, f"kiosk-{b.lower()}", on_ack, [f"pitboard/demo/dev/kiosk-{b.lower()}/ack"]
        )
        for b in BAYS
    }
    seq = dict.fromkeys(BAYS, 0)

    def send(bay: str, type_: str, **kw: object) -> None:
        seq[bay] += 1
        device = f"kiosk-{bay.lower()}"
        payload = make_event(device, seq[bay], type_, datetime.now(UTC), bay=bay, **kw)  # type: ignore[arg-type]
        kiosks[bay].publish(f"pitboard/demo/dev/{device}/event", payload)

    try:
        for bay in BAYS:
            send(bay, "tech.signed_in", tech=TECH[bay])
        time.sleep(1)
        with lock:
            acked.clear()
            for b in BAYS:
                answered[b] = seq[b]
        sent = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            bay = BAYS[sent % len(BAYS)]
            while seq[bay] - answered[bay] >= WINDOW:  # the device's window is full
                time.sleep(0.0002)
                if time.perf_counter() - start > seconds + 60:
                    raise SystemExit("no answers: the core stalled")
            # Technicians signing out and in again: every tap changes state, none grows it.
            send(bay, "tech.signed_out" if seq[bay] % 2 else "tech.signed_in", tech=TECH[bay])
            sent += 1
            if rate is not None:
                target = start + sent / rate
                while time.perf_counter() < target:
                    time.sleep(0.0005)
        deadline = time.monotonic() + 120
        while True:
            with lock:
                n = len(acked)
            if n >= sent or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        with lock:
            times = sorted(acked)
        cpu = busiest(idle, thread_cpu(proc.pid), len(times))
        # Rate once the pipeline is full: from the 10th to the 90th percentile ack.
        lo, hi = times[len(times) // 10], times[len(times) * 9 // 10]
        per_s = (len(times) * 0.8) / (hi - lo) if hi > lo else float("nan")
        return per_s, sent, len(times), cpu
    finally:
        for k in kiosks.values():
            k.close()
        stop_process(proc)
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    cfg = demo_config()
    print(f"machine: {machine()}")
    stores: list[tuple[str, str]] = [("SQLite synchronous=FULL", sqlite_url(workdir()))]
    try:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"pitboard_bench_{int(time.time())}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        stores.append(("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name))
    except Exception as exc:  # a person's machine without PostgreSQL still gets SQLite
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
        admin = None
    made = [url.rsplit("/", 1)[1] for label, url in stores if label == "PostgreSQL"]
    try:
        for label, url in stores:
            per_s, sent, acked, cpu = run(cfg, url, args.seconds, None)
            print(
                f"{label:24s} sustained {per_s:7.0f} events/s applied+acked ({acked}/{sent}){cpu}"
            )
        for label, url in stores:
            target = 2 * (2000 if label.startswith("SQLite") else 1000)
            fresh = url if label.startswith("PostgreSQL") else sqlite_url(workdir())
            if label.startswith("PostgreSQL") and admin is not None:
                name = f"pitboard_bench2_{int(time.time())}"
                with admin.connect() as c:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
                made.append(name)
                fresh = args.postgres.rsplit("/", 1)[0] + "/" + name
            per_s, sent, acked, _ = run(cfg, fresh, min(args.seconds, 5.0), float(target))
            lost = sent - acked
            print(
                f"{label:24s} offered {target}/s: {acked}/{sent} applied, {lost} lost "
                f"(applied at {per_s:.0f}/s)"
            )
    finally:  # the databases it made leave with it
        if admin is not None:
            with admin.connect() as c:
                for name in made:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
