"""A thousand kiosks on one core: every one connected to a real Mosquitto as its own MQTT
user (its Last Will, its retained status, its ack, its bay's state and the core's status),
some of them tapping; the tap → ack latency beside the raw publish → subscribe round trip
on the same broker in the same run.

    python3 tasks.py bench many_kiosks [--bays 1000] [--tapping 50] [--rate 100] [--taps 1000]
        [--kiosks selector|threaded]

The kiosks are lightweight MQTT clients (paho, all driven by one thread through a selector),
not kiosk pages: this measures the core and the broker with a thousand devices on them.
``--kiosks threaded``: the tapping kiosks are paho clients each with its own network thread,
as a kiosk's link is (devices/link.py), and the raw round trip is measured between two such
clients, as ``tap_to_view`` and ``year`` measure it; the other kiosks stay on the selector. As
a real kiosk does, each announces its status when it connects and then only when its
outbox's depth changed (a tap answered before the next changes nothing). The core runs as
its own process (``pitboard core``) on SQLite (synchronous=FULL), serving no pages.
Target: acks at p50 ≤ 8× the raw round trip.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import selectors
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.common import (
    Client,
    core_figures,
    demo_config,
    machine,
    percentile,
    queued_cars,
    read_token,
    start_core_process,
    stop_process,
    summary,
    workdir,
    write_site,
)
from core.broker import MosquittoBroker, free_port, mosquitto_binary
from core.config import KioskConfig, SiteConfig
from core.contract.messages import make_event
from core.demo.busy import busy_config
from core.mqtt import no_delay
from core.store.database import sqlite_url

STEPS = [
    "job.started",
    "job.paused",
    "job.resumed",
    "job.paused",
    "job.resumed",
    "job.self_checked",
]
Handler = Callable[[str, bytes, float], None]
Publish = Callable[[str, bytes], object]


class Swarm:
    """Many MQTT clients on one thread: a selector over their sockets."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.clients: list[mqtt.Client] = []
        self.connected = 0

    def add(
        self,
        user: str,
        password: str,
        subscribe: list[str],
        on_message: Handler,
        will: tuple[str, bytes] | None = None,
        hello: tuple[str, bytes] | None = None,
    ) -> mqtt.Client:
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"swarm-{user}-{time.monotonic_ns()}"
        )
        c.username_pw_set(user, password)
        c.on_socket_open = no_delay
        if will is not None:
            c.will_set(will[0], will[1], qos=1, retain=True)

        def connected(client: mqtt.Client, *_: Any) -> None:
            for topic in subscribe:
                client.subscribe(topic, qos=1)
            if hello is not None:
                client.publish(hello[0], hello[1], qos=1, retain=True)
            self.connected += 1

        def message(_c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
            on_message(m.topic, bytes(m.payload), time.perf_counter())

        c.on_connect = connected
        c.on_message = message
        c.connect("127.0.0.1", self.port, keepalive=120)
        sock = c.socket()
        assert sock is not None
        self.selector.register(sock, selectors.EVENT_READ, c)
        self.clients.append(c)
        return c

    def pump(self, timeout: float) -> None:
        """Read what arrived within ``timeout`` and write what is waiting to go."""
        for key, _ in self.selector.select(timeout):
            client: mqtt.Client = key.data
            client.loop_read()
            if client.want_write():
                client.loop_write()

    def pump_until(
        self, done: Callable[[], bool], timeout: float, what: str, by: float | None = None
    ) -> float:
        """Pump until ``done``; with ``by`` (``perf_counter``), no wait reaches past it.

        Each wait ends at ``by`` (the selector's millisecond past it at most): a wait of a
        fixed slice overshot a send's moment by up to the slice, and the sends that fell
        behind went out back to back, so that taps waited for each other in the core.
        """
        started = time.perf_counter()
        last_misc = started
        while not done():
            now = time.perf_counter()
            if now - started > timeout:
                raise SystemExit(f"timed out waiting for {what}")
            self.pump(0.01 if by is None else min(0.01, max(0.0, by - now)))
            if now - last_misc > 1.0:  # keep-alives
                last_misc = now
                for c in self.clients:
                    c.loop_misc()
        return time.perf_counter() - started

    def close(self) -> None:
        for c in self.clients:
            c.disconnect()
            if c.want_write():
                c.loop_write()


def raise_file_limit(needed: int) -> str:
    """Every kiosk holds a socket here and one in Mosquitto (which inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft < needed:
        raise SystemExit(f"open files: {soft} allowed, {needed} needed (ulimit -n)")
    return f"open files allowed: {soft} (hard {hard})"


class Kiosks:
    """The kiosks' side: their numbering, the taps sent and the acks received."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.seq: dict[str, int] = {}
        self.sent: dict[tuple[str, int], float] = {}
        self.acks: dict[tuple[str, int], tuple[float, str]] = {}
        self.states: set[str] = set()
        #: The bay's state arriving after a tap (a bay's taps are half a second apart).
        self.last_tap: dict[str, tuple[str, int]] = {}
        self.state_at: dict[tuple[str, int], float] = {}
        #: How each kiosk publishes (QoS 1): through the selector, or its own client.
        self.publish: dict[str, Publish] = {}
        #: The kiosks on a network thread of their own (``--kiosks threaded``).
        self.own: dict[str, Client] = {}
        #: The taps sent before the measured ones (every tapping bay's sign-in at once).
        self.setup: set[tuple[str, int]] = set()

    def heard(self, topic: str, payload: bytes, at: float) -> None:
        parts = topic.split("/")
        if parts[-1] == "ack":
            device, ack = parts[3], json.loads(payload)
            # Answered before its next tap, a kiosk's outbox is as deep as its status said:
            # it says nothing (devices/link.py).
            self.acks[(device, ack["seq"])] = (at, ack["result"])
        elif parts[-1] == "state":
            self.states.add(parts[3])
            tap = self.last_tap.get(parts[3])
            if tap is not None and tap not in self.state_at:
                self.state_at[tap] = at

    def send(self, device: str, bay: str, type_: str, job: str | None, tech: str) -> None:
        seq = self.seq[device] = self.seq.get(device, 0) + 1
        data = {"reason": "break"} if type_ == "job.paused" else {}
        payload = make_event(
            device, seq, type_, datetime.now(UTC), bay=bay, job=job, tech=tech, data=data
        )
        self.sent[(device, seq)] = time.perf_counter()
        self.last_tap[bay] = (device, seq)
        self.publish[device](f"pitboard/{self.site}/dev/{device}/event", payload)


ONLINE = b'{"v":1,"online":true,"kind":"kiosk","outbox":0}'
OFFLINE = b'{"v":1,"online":false,"kind":"kiosk"}'


def status_topic(site: str, device: str) -> str:
    return f"pitboard/{site}/dev/{device}/status"


def connect_kiosks(
    swarm: Swarm,
    cfg: SiteConfig,
    broker: MosquittoBroker,
    kiosks: Kiosks,
    threaded: set[str],
) -> float:
    """Every kiosk on the selector; those named in ``threaded`` tap and hear their acks
    and bay's state through a client of their own (``Kiosks.own``)."""
    site = cfg.site.id

    def heard(k: KioskConfig) -> list[str]:
        return [f"pitboard/{site}/dev/{k.device}/ack", f"pitboard/{site}/bay/{k.bay}/state"]

    # Before the selector's thousand sockets: paho's own loop selects on descriptors below 1024.
    for k in cfg.kiosks:
        if k.device in threaded:
            kiosks.own[k.device] = Client(broker, k.device, kiosks.heard, heard(k), True)
            kiosks.publish[k.device] = kiosks.own[k.device].publish
    started = time.perf_counter()  # the thousand on the selector (each own one waits 0.2 s)
    for k in cfg.kiosks:
        own = k.device in threaded
        client = swarm.add(
            k.device,
            broker.passwords[k.device],
            [f"pitboard/{site}/dev/core/status", *([] if own else heard(k))],
            kiosks.heard,
            will=(status_topic(site, k.device), OFFLINE),
            hello=(status_topic(site, k.device), ONLINE),
        )
        if not own:
            kiosks.publish[k.device] = functools.partial(client.publish, qos=1)
        swarm.pump(0)
    bays = {k.bay for k in cfg.kiosks}
    swarm.pump_until(
        lambda: swarm.connected == len(cfg.kiosks) and kiosks.states >= bays,
        120,
        "every kiosk connected and shown its bay's state",
    )
    return time.perf_counter() - started


def pump_to(swarm: Swarm, moment: float, what: str) -> None:
    """Read and write until the clock comes to ``moment`` (``perf_counter``)."""
    swarm.pump_until(lambda: time.perf_counter() >= moment, 10, what, by=moment)


class RawRoundTrip:
    """A publisher and a subscriber on the same broker, as the core's user: what a message
    costs through the broker and this process, with no core in its way. ``threaded``: two
    clients with their own network threads, as the threaded kiosks are; else on the
    selector, as the others are."""

    topic = "pitboard/demo/bench/raw"

    def __init__(self, swarm: Swarm, broker: MosquittoBroker, threaded: bool) -> None:
        self.swarm = swarm
        self.sent: dict[int, float] = {}
        self.got: dict[int, float] = {}
        self.own: list[Client] = []
        if threaded:
            self.own.append(Client(broker, "core", self.heard, [self.topic], nodelay=True))
            try:
                self.own.append(Client(broker, "core", nodelay=True))
            except BaseException:
                self.own[0].close()
                raise
            self.publish: Publish = self.own[1].publish
        else:
            swarm.add("core", broker.passwords["core"], [self.topic], self.heard)
            pub = swarm.add("core", broker.passwords["core"], [], self.heard)
            self.publish = functools.partial(pub.publish, qos=1)
        swarm.pump_until(lambda: swarm.connected == len(swarm.clients), 10, "the raw clients")
        settled = time.perf_counter() + 0.5  # the subscription in place at the broker
        swarm.pump_until(lambda: time.perf_counter() >= settled, 5, "")

    def heard(self, _t: str, payload: bytes, at: float) -> None:
        self.got[int(payload)] = at

    def send(self) -> None:
        i = len(self.sent)
        self.sent[i] = time.perf_counter()
        self.publish(self.topic, str(i).encode())

    def measured(self, since: int = 0) -> list[float]:
        """The round trips of the messages sent from number ``since`` on (all answered)."""
        wanted = [i for i in self.sent if i >= since]
        self.swarm.pump_until(lambda: all(i in self.got for i in wanted), 30, "the raw messages")
        return [self.got[i] - self.sent[i] for i in wanted]

    def alone(self, rate: float, n: int) -> list[float]:
        """``n`` messages at ``rate`` a second, nothing else going on."""
        start = time.perf_counter()
        for i in range(n):
            pump_to(self.swarm, start + i / rate, "the next send")
            self.send()
        return self.measured()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bays", type=int, default=1000, help="general bays, a kiosk each")
    parser.add_argument("--tapping", type=int, default=50, help="bays whose kiosk taps")
    parser.add_argument("--rate", type=float, default=100.0, help="taps per second")
    parser.add_argument("--taps", type=int, default=1000)
    parser.add_argument(
        "--kiosks",
        choices=("selector", "threaded"),
        default="selector",
        help="threaded: the tapping kiosks and the raw round trip's clients each on a thread",
    )
    args = parser.parse_args()
    if mosquitto_binary() is None:
        raise SystemExit("this benchmark needs Mosquitto (apt-get install mosquitto)")

    cfg = busy_config(demo_config(), args.bays)
    limits = raise_file_limit(2 * len(cfg.kiosks) + 200)
    base = workdir()
    site_file = write_site(cfg, base / "site.toml")
    db_url = sqlite_url(base)
    tapping = [b.id for b in cfg.bays if b.kind == "general"][: args.tapping]
    per_bay = args.taps // (len(tapping) * len(STEPS)) + 1
    queues = queued_cars(cfg, db_url, tapping, per_bay)
    token = read_token(cfg, db_url)
    broker = MosquittoBroker(cfg, base / "broker").start()
    web_port = free_port()
    proc = start_core_process(broker, db_url, base, web_port, site_file)
    swarm = Swarm(broker.port)
    kiosks = Kiosks(cfg.site.id)
    raw: RawRoundTrip | None = None
    try:
        threaded = args.kiosks == "threaded"
        own = {f"kiosk-{b.lower()}" for b in tapping} if threaded else set()
        if threaded:  # its clients' descriptors below 1024 too
            raw = RawRoundTrip(swarm, broker, True)
        took = connect_kiosks(swarm, cfg, broker, kiosks, own)
        if raw is None:
            raw = RawRoundTrip(swarm, broker, False)
        alone = raw.alone(args.rate, args.taps)
        techs = {b: f"T{100 + int(b[1:])}" for b in tapping}  # busy_config's technician
        for bay in tapping:
            kiosks.send(f"kiosk-{bay.lower()}", bay, "tech.signed_in", None, techs[bay])
        swarm.pump_until(lambda: len(kiosks.acks) >= len(tapping), 30, "the sign-ins' acks")
        plan = [
            (bay, step, queues[bay][j][0])
            for j in range(per_bay)
            for step in STEPS
            for bay in tapping
        ][: args.taps]
        signed = len(kiosks.acks)
        kiosks.setup = set(kiosks.acks)  # the sign-ins, all at once: not the taps measured
        start, first_raw = time.perf_counter(), len(raw.sent)
        late: list[float] = []  # each tap sent after its moment by
        for i, (bay, step, ro) in enumerate(plan):
            pump_to(swarm, start + i / args.rate, "the next tap")
            late.append(time.perf_counter() - (start + i / args.rate))
            kiosks.send(f"kiosk-{bay.lower()}", bay, step, ro, techs[bay])
            # Halfway to the next tap, a raw message: the broker's and this process's cost
            # at the same moments as the taps, the machine as busy as for them.
            pump_to(swarm, start + (i + 0.5) / args.rate, "the raw message")
            raw.send()
        swarm.pump_until(lambda: len(kiosks.acks) >= signed + len(plan), 60, "the taps' acks")
        beside = raw.measured(first_raw)
        figures = core_figures(web_port, token)
    finally:
        for client in [*kiosks.own.values(), *(raw.own if raw is not None else [])]:
            client.close()
        swarm.close()
        stop_process(proc)
        broker.stop()
    report(args, cfg, limits, took, (alone, beside), kiosks, figures, late)


def report(
    args: argparse.Namespace,
    cfg: SiteConfig,
    limits: str,
    took: float,
    raws: tuple[list[float], list[float]],
    kiosks: Kiosks,
    figures: str,
    late: list[float],
) -> None:
    alone, beside = raws
    taps = [
        (at - kiosks.sent[key], result)
        for key, (at, result) in kiosks.acks.items()
        if key in kiosks.sent and key not in kiosks.setup
    ]
    applied = [lat for lat, result in taps if result == "applied"]
    states = [
        at - kiosks.sent[key] for key, at in kiosks.state_at.items() if key not in kiosks.setup
    ]
    burst = [at - kiosks.sent[key] for key, (at, _) in kiosks.acks.items() if key in kiosks.setup]
    print(f"machine: {machine()}; broker: Mosquitto; store: SQLite synchronous=FULL; {limits}")
    print(
        f"{len(cfg.kiosks)} kiosks connected (status, Last Will, ack, bay state, core status)"
        f" in {took:.1f} s; {args.tapping} of them tapping at {args.rate:.0f} taps/s"
    )
    if args.kiosks == "threaded":
        print(
            "the tapping kiosks' taps, acks and bay states and the raw round trip: MQTT 5"
            " clients each with its own network thread (as a kiosk's link); every kiosk's"
            " status and Last Will on one selector (MQTT 3.1.1)"
        )
    else:
        print("every kiosk and the raw round trip's clients on one selector (MQTT 3.1.1)")
    print(f"raw publish->subscribe   {summary(alone)} (before the taps)")
    print(f"  beside the taps        {summary(beside)}")
    print(f"tap->bay state           {summary(states)}")
    print(f"tap->ack (applied)       {summary(applied)}")
    print(f"sign-ins all at once     {summary(burst)} (set-up, not counted above)")
    print(f"taps sent after their moment by {summary(late)}")
    refused = len(taps) - len(applied)
    if refused:
        print(f"WARNING: {refused} taps were not applied")
    for name, raw in (("before the taps", alone), ("beside the taps", beside)):
        ratio = percentile(applied, 50) / percentile(raw, 50)
        p99 = percentile(applied, 99) / percentile(raw, 99)
        print(f"ratio to raw {name}: p50 {ratio:.1f}x (target <= 8x), p99 {p99:.1f}x")
    print(figures)


if __name__ == "__main__":
    main()
