"""Shared by the benchmarks: a broker, a core on a chosen store, MQTT clients, figures."""

from __future__ import annotations

import compileall
import functools
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import tomlkit
from paho.mqtt.enums import CallbackAPIVersion

from core.broker import AmqttBroker, MosquittoBroker, mosquitto_binary
from core.commands import CheckInCar, Dispatch
from core.config import SiteConfig, load_config
from core.contract.messages import make_event
from core.domain.model import Customer, Operation, Vehicle
from core.domain.workshop import CheckIn
from core.engine import Core
from core.mqtt import no_delay
from core.store.database import make_engine, migrate
from core.store.repository import Store

ROOT = Path(__file__).resolve().parents[1]
#: The project's packages, as an installed Pitboard has them.
PACKAGES = ("core", "pitboard", "board", "kiosk", "devices", "hub")
DEMO_SITE = ROOT / "core" / "demo" / "site.toml"
# The benchmarks' workshop: five bays of the demo site, a technician at each.
BAYS = ["B01", "B02", "B03", "B04", "B05"]
TECHS = ["T001", "T002", "T003", "T004", "T005"]


def demo_config() -> SiteConfig:
    """The demo site without its shift ends: a run that crossed one (12:00 or 18:30 local)
    would see every running clock paused there and the taps after it refused, its figures
    depending on the hour it was started."""
    config = load_config(DEMO_SITE)
    site = config.site.model_copy(update={"shift_ends": []})
    return config.model_copy(update={"site": site})


def write_site(config: SiteConfig, path: Path) -> Path:
    """``config`` as a site file, for a core process of its own."""
    path.write_text(tomlkit.dumps(config.model_dump(mode="json", exclude_none=True)), "utf-8")
    return path


def queued_cars(
    config: SiteConfig, db_url: str, bays: list[str], per_bay: int
) -> dict[str, list[tuple[str, str]]]:
    """Cars checked in and dispatched in turn to each bay, stored before the core process
    starts: every bay's queue of (repair order, plate)."""
    engine = make_engine(db_url)
    migrate(engine)
    core = Core(config, Store(engine, config.site.id), Nowhere())
    core.start()
    now = datetime.now(UTC)
    queues: dict[str, list[tuple[str, str]]] = {b: [] for b in bays}
    for i in range(per_bay * len(bays)):
        bay = bays[i % len(bays)]
        plate = f"京{chr(65 + i // 100)}{10000 + i:05d}"
        order = CheckIn(
            vehicle=Vehicle(plate=plate, model="别克 GL8", colour="白"),
            customer=Customer(),
            operations=(Operation("M010", "小保养", 1.0),),
            promised_at=now + timedelta(hours=4, minutes=i),
            wash_requested=False,
        )
        job = core.run_command(CheckInCar(order), "advisor:bench")
        core.run_command(Dispatch(job.ro, bay), "foreman:bench")
        queues[bay].append((job.ro, plate))
    core.stop()
    engine.dispose()
    return queues


def start_broker(config: SiteConfig, workdir: Path) -> MosquittoBroker | AmqttBroker:
    if mosquitto_binary() is not None:
        return MosquittoBroker(config, workdir).start()
    return AmqttBroker().start()


@functools.cache
def compiled_as_installed() -> None:
    """The project's modules compiled, as pip compiles an installed Pitboard's (deploy/setup.sh,
    deploy/Dockerfile): a start-up measured here must not include compiling them, which an
    editable checkout does at every start where PYTHONDONTWRITEBYTECODE is set. Once a
    process: after that, nothing is looked at again."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def start_core_process(
    broker: MosquittoBroker | AmqttBroker,
    db_url: str,
    workdir: Path,
    web_port: int = 0,
    config: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The core as it runs in production: its own process (``pitboard core``), on
    ``config`` or the benchmarks' demo site, its modules compiled (a benchmark timing the
    start calls ``compiled_as_installed`` before it starts the clock)."""
    compiled_as_installed()
    if config is None:
        config = write_site(demo_config(), workdir / "site.toml")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["PITBOARD_MQTT_PASSWORD"] = broker.passwords.get("core", "")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pitboard",
            "core",
            "--config",
            str(config),
            "--broker-url",
            broker.url,
            "--database-url",
            db_url,
            "--web-port",
            str(web_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "core.log", "wb"),  # noqa: SIM115 - the child's
    )
    online = threading.Event()

    def status(_t: str, payload: bytes, _at: float) -> None:
        if b'"online":true' in payload:
            online.set()

    watch = Client(broker, "core", status, ["pitboard/demo/dev/core/status"])
    try:
        if not online.wait(30):
            proc.kill()
            raise SystemExit("the core did not come online; see " + str(workdir / "core.log"))
    finally:
        watch.close()
    return proc


def read_token(config: SiteConfig, db_url: str) -> str:
    """An API token that may read the core's /metrics, made in its database beforehand."""
    from core.domain.access import Scope
    from pitboard.tokens import site_access

    with site_access(config, db_url) as (access, _):
        return access.create_token("bench", Scope.READ, by="bench")[1]


def core_figures(web_port: int, token: str | None = None) -> str:
    """The core's own view of the run, from its /metrics (which needs a token)."""
    request = urllib.request.Request(f"http://127.0.0.1:{web_port}/metrics")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        text = urllib.request.urlopen(request, timeout=5).read()
    except urllib.error.HTTPError as err:
        return f"core: /metrics answered {err.code} (no token)"
    values: dict[str, float] = {}
    for line in text.decode().splitlines():
        if line.startswith("pitboard_") and " " in line:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    lag = values['pitboard_ingest_lag_seconds_total{part="sum"}'] / max(
        1.0, values['pitboard_ingest_lag_seconds_total{part="count"}']
    )
    views = values['pitboard_view_publish_seconds_total{part="sum"}'] / max(
        1.0, values['pitboard_view_publish_seconds_total{part="count"}']
    )
    batches = values.get("pitboard_batches_total", 0)
    return (
        f"core: mean arrival->commit {lag * 1000:.2f} ms, mean view build+publish "
        f"{views * 1000:.2f} ms, {batches:.0f} batches"
    )


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Client:
    """A plain MQTT client with a message callback run on paho's thread."""

    def __init__(
        self,
        broker: MosquittoBroker | AmqttBroker,
        user: str,
        on_message: Callable[[str, bytes, float], None] | None = None,
        subscribe: list[str] | None = None,
        nodelay: bool = False,
    ) -> None:
        v5 = broker.protocol == "5"
        self.c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"bench-{user}-{time.monotonic_ns()}",
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        )
        if broker.passwords.get(user):
            self.c.username_pw_set(user, broker.passwords[user])
        self._ready = threading.Event()
        self._subscribe = subscribe or []
        self._cb = on_message

        def connected(c: mqtt.Client, *_: Any) -> None:
            for t in self._subscribe:
                c.subscribe(t, qos=1)
            self._ready.set()

        def message(_c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
            if self._cb is not None:
                self._cb(m.topic, bytes(m.payload), time.perf_counter())

        self.c.on_connect = connected
        self.c.on_message = message
        if nodelay:  # as a device's link sends (core/mqtt/client.py)
            self.c.on_socket_open = no_delay
        self.c.connect("127.0.0.1", broker.port)
        self.c.loop_start()
        if not self._ready.wait(10):
            raise SystemExit(f"{user} could not connect")
        time.sleep(0.2)  # let the subscriptions settle

    def publish(self, topic: str, payload: bytes) -> None:
        self.c.publish(topic, payload, qos=1)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


class BayKiosks:
    """One MQTT client per bay, tapping as that bay's kiosk with its own numbering."""

    def __init__(self, broker: MosquittoBroker | AmqttBroker, bays: list[str]) -> None:
        self.clients = {b: Client(broker, f"kiosk-{b.lower()}") for b in bays}
        self.seq = dict.fromkeys(bays, 0)

    def send(self, bay: str, type_: str, job: str | None, tech: str, data: dict[str, str]) -> None:
        device = f"kiosk-{bay.lower()}"
        self.seq[bay] += 1
        payload = make_event(
            device, self.seq[bay], type_, datetime.now(UTC), bay=bay, job=job, tech=tech, data=data
        )
        self.clients[bay].publish(f"pitboard/demo/dev/{device}/event", payload)

    def close(self) -> None:
        for c in self.clients.values():
            c.close()


def status_on_bay(state: dict[str, Any], ro: str) -> str | None:
    """A job's status as its bay's state shows it (the current job or one queued)."""
    jobs = ([state["current"]] if state["current"] else []) + state["queue"]
    return next((j["status"] for j in jobs if j["ro"] == ro), None)


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Until the URL answers (a web server just started)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer") from None
            time.sleep(0.2)


class Nowhere:
    """Where a set-up core publishes before anyone listens."""

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        pass

    def puback(self, token: object) -> None:
        pass

    def send_now(self) -> None:
        pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return (
        f"n={len(ms)} p50={percentile(ms, 50):.2f} ms p99={percentile(ms, 99):.2f} ms "
        f"mean={statistics.fmean(ms):.2f} ms"
    )


def machine() -> str:
    cpus = os.cpu_count()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{python}, {cpus} cores, {platform.platform()}"


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="pitboard-bench-"))
