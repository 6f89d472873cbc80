"""Hub ingest: group facts per second the hub applies (and acknowledges) on PostgreSQL, from
feed messages of many sites built beforehand.

    python3 tasks.py bench hub_ingest [--postgres URL] [--sites 50] [--facts 100000]
        [--per-message 50]

First without a broker (the hub's writer fed its messages straight: parse, decide, one
transaction per batch of messages), then through a real Mosquitto: one MQTT client per
site publishing its feed (QoS 1) to ``pitboard hub run --no-web`` in its own process, the
figure taken from the first publish to the last site's last ack. Each site keeps at most
WINDOW messages unanswered, as its relay does; a site that sent everything at once would
overrun the broker's queue for the hub (``max_queued_messages``) and be resent later.
"""

from __future__ import annotations

import argparse
import bisect
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from bench.common import ROOT, Client, machine, workdir
from core.contract.group import (
    DayFigures,
    DeviceCounts,
    FactData,
    GroupFact,
    GroupFeed,
    HelpCallFact,
    JobSummary,
)
from core.contract.messages import dump
from core.mqtt import BrokerAddress
from hub.config import HubConfig, HubSite
from hub.service import MAX_BATCH, Hub, Received
from hub.store import HubStore, open_engine
from tests.hub_env import HubBroker

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
#: Feed messages of a site unanswered at once (its relay's window).
WINDOW = 4
STATUSES = ("checked_in", "dispatched", "in_progress", "paused", "ready", "delivered")


def fact_data(site: int, seq: int) -> FactData:
    """A working day's mix: mostly job changes, the day's figures and devices now and then,
    a help call's changes."""
    if seq % 25 == 0:
        return DayFigures(day=date(2026, 12, 7), checked_in=seq // 25, sold_hours=seq / 10)
    if seq % 40 == 1:
        return DeviceCounts(online=9, offline=1, offline_names=["kiosk-b02"])
    if seq % 30 == 7:
        return HelpCallFact(
            id=f"H{seq // 90}", bay="B03", call_kind="parts", state="called", raised_at=T0
        )
    ro = seq // 6
    return JobSummary(
        ro=f"RO-{site}-{ro}",
        plate="京A·***45",
        status=STATUSES[seq % len(STATUSES)],
        bay=f"B{seq % 8:02d}",
        advisor="SA01",
        checked_in_at=T0,
        promised_at=T0 + timedelta(hours=4),
        at_risk=seq % 11 == 0,
        sold_hours=1.5,
        clocked_hours=1.2,
    )


def feeds(sites: int, facts: int, per_message: int) -> dict[str, list[bytes]]:
    """Each site's feed messages, in seq order, ready to publish."""
    per_site = facts // sites
    out: dict[str, list[bytes]] = {}
    for i in range(sites):
        site = f"s{i:03d}"
        msgs = []
        for first in range(1, per_site + 1, per_message):
            n = min(per_message, per_site - first + 1)
            facts_ = [
                GroupFact(seq=s, at=T0 + timedelta(seconds=s), data=fact_data(i, s))
                for s in range(first, first + n)
            ]
            msgs.append(dump(GroupFeed(v=1, site=site, facts=facts_)))
        out[site] = msgs
    return out


def config(sites: list[str], broker_url: str = "", database_url: str = "") -> HubConfig:
    return HubConfig.model_validate(
        {
            "broker": {"url": broker_url or None, "username": "hub"},
            "database": {"url": database_url or None},
            "sites": [HubSite(id=s, name=s).model_dump() for s in sites],
        }
    )


def fresh_database(admin_url: str, label: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pitboard_bench_hub_{label}_{int(time.time())}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def without_broker(messages: dict[str, list[bytes]], db_url: str) -> tuple[float, int]:
    """The writer alone: messages interleaved site by site, taken MAX_BATCH at a time."""
    engine = open_engine(db_url)
    cfg = config(list(messages))
    hub = Hub(cfg, BrokerAddress("127.0.0.1", 9), engine=engine)  # never started
    interleaved: list[Received] = []
    longest = max(len(m) for m in messages.values())
    for k in range(longest):
        for site, msgs in messages.items():
            if k < len(msgs):
                interleaved.append(Received(f"pitboard/{site}/group/feed", msgs[k], (0, 0, 0)))
    start = time.perf_counter()
    for i in range(0, len(interleaved), MAX_BATCH):
        hub.handle(interleaved[i : i + MAX_BATCH])
    elapsed = time.perf_counter() - start
    applied = hub.counters["facts"]
    assert all(r.whole for r in HubStore(engine).reconcile()), "the facts' log is not whole"
    dashboard_reads(engine, cfg)
    engine.dispose()
    return applied / elapsed, applied


def dashboard_reads(engine: Engine, cfg: HubConfig) -> None:
    """What the group dashboard reads to redraw, on the database the run filled."""
    live, month, one = dashboard_read_ms(engine, cfg)
    print(
        f"dashboard reads, {len(cfg.sites)} sites: every live line {live:.1f} ms, a month's "
        f"figures {month:.1f} ms, a site's detail {one:.1f} ms (medians of 20)"
    )


def dashboard_read_ms(engine: Engine, cfg: HubConfig) -> tuple[float, float, float]:
    """The dashboard's three reads as its pages make them, medians of 20 in ms: every
    site's live line, a month's figures ranked, the first site's detail."""
    from hub.reading import HubReader

    reader = HubReader(engine, cfg)
    now = datetime.now(UTC)
    today = now.astimezone(cfg.zone).date()

    def median_ms(read: Callable[[], object]) -> float:
        times = []
        for _ in range(20):
            t = time.perf_counter()
            read()
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    return (
        median_ms(lambda: reader.live(now)),
        median_ms(lambda: reader.figures("month", today)),
        median_ms(lambda: reader.site(cfg.sites[0].id, now)),
    )


def hub_process(
    broker: HubBroker, sites: list[str], db_url: str, base: Path
) -> subprocess.Popen[bytes]:
    """``pitboard hub run --no-web`` for ``sites``, its database migrated beforehand."""
    cfg_path = base / "hub.toml"
    listed = "".join(f'\n[[sites]]\nid = "{s}"\nname = "{s}"\n' for s in sites)
    cfg_path.write_text(
        f'[broker]\nurl = "{broker.url}"\nusername = "hub"\npassword_env = "BENCH_HUB_PW"\n'
        f'[database]\nurl = "{db_url}"\n{listed}',
        encoding="utf-8",
    )
    open_engine(db_url).dispose()  # migrated before the clock starts
    env = dict(os.environ, BENCH_HUB_PW=broker.passwords["hub"])
    return subprocess.Popen(
        [sys.executable, "-m", "pitboard", "hub", "run", "--no-web", "--config", str(cfg_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(base / "hub.log", "wb"),
    )


class Relays:
    """Every site's relay on one connection: a site sends on while fewer than WINDOW of its
    messages are unanswered; done once every site's last fact is acknowledged."""

    def __init__(self, broker: HubBroker, messages: dict[str, list[bytes]]) -> None:
        self.messages = messages
        self.ends = {s: [_last_seq(m) for m in msgs] for s, msgs in messages.items()}
        self.last = dict.fromkeys(messages, 0)
        self.sent = dict.fromkeys(messages, 0)  # messages of the site published so far
        self.final = {s: e[-1] for s, e in self.ends.items()}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.finished_at = 0.0
        # One connection speaks for every site: hundreds of bridges are the broker's load,
        # not the hub's, and as many paho threads in this process would measure Python.
        self.client = Client(broker, "all-sites", self.on_ack, ["pitboard/+/group/ack"])  # type: ignore[arg-type]

    def start(self) -> None:
        with self.lock:
            for site in self.messages:
                self.send_more(site)

    def send_more(self, site: str) -> None:
        """Under ``lock``: the site's next messages, up to WINDOW unanswered."""
        answered = bisect.bisect_right(self.ends[site], self.last[site])
        while self.sent[site] < len(self.ends[site]) and self.sent[site] - answered < WINDOW:
            msg = self.messages[site][self.sent[site]]
            self.client.publish(f"pitboard/{site}/group/feed", msg)
            self.sent[site] += 1

    def on_ack(self, topic: str, payload: bytes, at: float) -> None:
        site = topic.split("/")[1]
        upto = int(payload.split(b'"upto":')[1].rstrip(b"}"))
        with self.lock:
            self.last[site] = max(self.last[site], upto)
            self.send_more(site)
            if all(self.last[s] >= self.final[s] for s in self.final):
                self.finished_at = at
                self.done.set()


def with_broker(messages: dict[str, list[bytes]], db_url: str) -> tuple[float, int]:
    """Through Mosquitto to ``pitboard hub run --no-web`` in its own process."""
    base = workdir()
    broker = HubBroker(base / "broker", list(messages), relay_all=True).start()
    proc = relays = None
    try:
        proc = hub_process(broker, list(messages), db_url, base)
        relays = Relays(broker, messages)
        time.sleep(2.0)  # the hub connected and subscribed
        start = time.perf_counter()
        relays.start()
        total = sum(relays.final.values())
        if not relays.done.wait(300):
            raise SystemExit(
                f"not every fact acknowledged: {sum(relays.last.values())} of {total}; "
                f"see {base / 'hub.log'}"
            )
        return total / (relays.finished_at - start), total
    finally:
        if relays is not None:
            relays.client.close()
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        broker.stop()


def _last_seq(message: bytes) -> int:
    return GroupFeed.model_validate_json(message).facts[-1].seq


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="an administrator's URL: the benchmark makes its own databases and drops them",
    )
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--per-message", type=int, default=50)
    parser.add_argument("--no-broker", action="store_true", help="the writer alone only")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    built = time.perf_counter()
    messages = feeds(args.sites, args.facts, args.per_message)
    count = sum(len(m) for m in messages.values())
    print(
        f"{count} feed messages of {args.sites} sites, {args.per_message} facts each, built in "
        f"{time.perf_counter() - built:.1f} s"
    )
    runs = [("without the broker", without_broker)]
    if not args.no_broker:
        runs.append(("through Mosquitto", with_broker))
    for label, run in runs:
        url = fresh_database(args.postgres, label.split()[0])
        try:
            per_s, facts = run(messages, url)
        finally:
            drop_database(args.postgres, url)
        print(f"PostgreSQL {label:20s} {per_s:8.0f} facts/s applied ({facts} facts)")


if __name__ == "__main__":
    main()
