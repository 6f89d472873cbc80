"""The core through a real Mosquitto started from broker_config/, with the shipped ACL,
and a core killed with SIGKILL in the middle of a stream."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.app import CoreService
from core.broker import MosquittoBroker
from core.commands import CheckInCar, Dispatch
from core.contract.dispatch_mirror import BoardMirror
from core.contract.messages import make_event
from core.contract.views import DispatchView
from core.mqtt import BrokerAddress, MqttClient
from core.store.database import make_engine
from core.store.repository import Store
from tests.helpers import T0, demo_config, order
from tests.mqtt_client import Client
from tests.waiting import wait_until

pytestmark = pytest.mark.mosquitto


@pytest.fixture
def broker(mosquitto_bin: str, tmp_path: Path) -> Iterator[MosquittoBroker]:
    b = MosquittoBroker(demo_config(), tmp_path / "broker").start()
    yield b
    b.stop()


def ev(seq: int, type_: str, device: str = "kiosk-b03", bay: str = "B03", **kw: Any) -> bytes:
    return make_event(device, seq, type_, T0 + timedelta(seconds=seq), bay=bay, **kw)


EVENT = "pitboard/demo/dev/{}/event"


def test_core_works_through_mosquitto_with_the_shipped_acl(
    broker: MosquittoBroker, tmp_path: Path
) -> None:
    cfg = demo_config()
    addr = BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"])
    service = CoreService(cfg, addr, f"sqlite:///{tmp_path / 'core.db'}").start()
    kiosk = lounge = welcome = board = None
    try:
        assert service.link.connected.wait(10)
        job = service.core.run_command(CheckInCar(order()), "advisor:SA01")
        service.core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
        kiosk = Client(broker, "kiosk-b03", subscribe="pitboard/demo/#")
        lounge = Client(broker, "lounge", subscribe="pitboard/demo/#")
        welcome = Client(broker, "welcome", subscribe="pitboard/demo/#")
        board = Client(broker, "board", subscribe="pitboard/demo/view/#")
        assert (
            kiosk.publish(EVENT.format("kiosk-b03"), ev(1, "tech.signed_in", tech="T002")).value
            == 0
        )
        kiosk.publish(EVENT.format("kiosk-b03"), ev(2, "job.started", tech="T002", job=job.ro))
        kiosk.publish(EVENT.format("kiosk-b03"), ev(2, "job.started", tech="T002", job=job.ro))

        def acks(ms: list[tuple[str, Any]]) -> list[Any]:
            return [m for t, m in ms if t.endswith("kiosk-b03/ack")]

        assert kiosk.wait(lambda ms: len(acks(ms)) == 3)
        assert [a["result"] for a in acks(kiosk.messages)] == ["applied", "applied", "duplicate"]
        assert kiosk.wait(
            lambda ms: any(t.endswith("bay/B03/state") and m["current"] for t, m in ms)
        )
        # The kiosk sees its own bay only; the lounge sees the lounge view only.
        assert {t.split("/", 2)[2] for t, _ in kiosk.messages} <= {
            "dev/kiosk-b03/ack",
            "bay/B03/state",
            "dev/kiosk-b03/cmd",
            "dev/core/status",
        }
        assert lounge.wait(lambda ms: any(t.endswith("view/lounge") for t, _ in ms))
        assert {t for t, _ in lounge.messages} == {"pitboard/demo/view/lounge"}
        plates = [c["plate"] for t, m in lounge.messages for c in m["cars"]]
        assert plates and all("12345" not in p for p in plates)
        # A kiosk cannot speak for another kiosk: MQTT v5 shows the refusal.
        denied = kiosk.publish(
            EVENT.format("kiosk-b04"), ev(1, "tech.signed_in", "kiosk-b04", "B04", tech="T005")
        )
        assert denied.is_failure and "authori" in str(denied).lower()
        assert kiosk.publish("pitboard/demo/view/lounge", b"{}").is_failure
        # The welcome board at reception reads its own view and nothing else.
        assert welcome.wait(lambda ms: any(t.endswith("view/welcome") for t, _ in ms))
        assert {t for t, _ in welcome.messages} == {"pitboard/demo/view/welcome"}
        # The board user reads the foreman's board, in parts, and has it whole.
        assert board.wait(lambda ms: whole_board(ms) == service.core.dispatch_view)
        assert any(t.endswith("/view/dispatch/bay/B03") for t, _ in board.messages)
        assert not any("/view/dispatch/" in t for t, _ in kiosk.messages + lounge.messages)
    finally:
        for c in (kiosk, lounge, welcome, board):
            if c is not None:
                c.close()
        service.stop()


def whole_board(messages: list[tuple[str, Any]]) -> DispatchView | None:
    mirror = BoardMirror("demo")
    for topic, body in messages:
        mirror.receive(topic, json.dumps(body).encode() if body is not None else b"")
    return mirror.view()


def test_the_broker_refuses_strangers(broker: MosquittoBroker) -> None:
    anonymous = Client(broker, None)
    wrong = Client(broker, "kiosk-b03", password="not-the-password")
    right = Client(broker, "kiosk-b03")
    try:
        assert anonymous.connect_rc.is_failure
        assert wrong.connect_rc.is_failure
        assert not right.connect_rc.is_failure
    finally:
        for c in (anonymous, wrong, right):
            c.close()


def _start_core(broker: MosquittoBroker, db: str, cfg_path: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PITBOARD_MQTT_PASSWORD=broker.passwords["core"])
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pitboard",
            "core",
            "--config",
            str(cfg_path),
            "--broker-url",
            f"mqtt://127.0.0.1:{broker.port}",
            "--database-url",
            db,
            "--web-port",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )


@pytest.mark.slow
def test_kill_9_of_the_core_loses_nothing(broker: MosquittoBroker, tmp_path: Path) -> None:
    from tests.helpers import DEMO_SITE

    db = f"sqlite:///{tmp_path / 'core.db'}"
    core = _start_core(broker, db, DEMO_SITE)
    kiosk = Client(broker, "kiosk-b03", subscribe="pitboard/demo/dev/kiosk-b03/ack")
    total = 300
    payloads = {}
    for seq in range(1, total + 1):
        kind = "tech.signed_in" if seq % 2 else "tech.signed_out"
        payloads[seq] = ev(seq, kind, tech="T002")

    def acked() -> set[int]:
        with kiosk._cv:
            return {
                m["seq"] for t, m in kiosk.messages if m and m["result"] in ("applied", "duplicate")
            }

    def resend() -> None:
        """Like a kiosk's outbox: send what is unacknowledged, in order, again and again."""
        for seq in sorted(set(payloads) - acked())[:50]:
            kiosk.c.publish(EVENT.format("kiosk-b03"), payloads[seq], qos=1)

    def progress() -> str:
        return f"{len(acked())} of {total} acknowledged"

    try:
        resend()
        wait_until(lambda: len(acked()) > 100, progress, timeout=120, every=0.3, between=resend)
        core.send_signal(signal.SIGKILL)
        core.wait()
        core = _start_core(broker, db, DEMO_SITE)
        wait_until(lambda: len(acked()) == total, progress, timeout=120, every=0.3, between=resend)
    finally:
        kiosk.close()
        core.send_signal(signal.SIGTERM)
        core.wait(15)
    store = Store(make_engine(db), "demo")
    applied = store.audit_events("kiosk-b03")
    assert [s for s, _ in applied] == list(range(1, total + 1)), "each event applied once, in order"
    assert all(r == "applied" for _, r, _ in store.inbox_results("kiosk-b03"))


def test_core_survives_a_broker_that_is_down_at_start(mosquitto_bin: str, tmp_path: Path) -> None:
    from core.broker import free_port

    port = free_port()
    cfg = demo_config()
    broker = MosquittoBroker(cfg, tmp_path / "broker", port=port)
    broker.passwords = {"core": "core-secret"}
    addr = BrokerAddress("127.0.0.1", port, "core", "core-secret")
    service = CoreService(cfg, addr, f"sqlite:///{tmp_path / 'core.db'}").start()
    try:
        assert not service.link.connected.wait(1.5)
        broker.start()
        assert service.link.connected.wait(30), "the core did not connect once the broker came up"
        screen = Client(broker, "board", subscribe="pitboard/demo/view/dispatch/index")
        try:
            assert screen.wait(lambda ms: any(t.endswith("view/dispatch/index") for t, _ in ms))
        finally:
            screen.close()
    finally:
        service.stop()
        broker.stop()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_wrong_credentials_leave_the_links_refused_not_retrying(
    broker: MosquittoBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture, protocol: str
) -> None:
    from devices.link import DeviceLink

    caplog.errors_expected = True  # type: ignore[attr-defined]
    cfg = demo_config()
    wrong = BrokerAddress("127.0.0.1", broker.port, "core", "not-the-password", protocol)
    service = CoreService(cfg, wrong, f"sqlite:///{tmp_path / 'core.db'}")
    device = DeviceLink(
        BrokerAddress("127.0.0.1", broker.port, protocol=protocol),
        "demo",
        "kiosk-b03",
        "not-the-password",
        tmp_path,
        kind="kiosk",
    )
    service.start()
    device.start()
    try:
        wait_until(
            lambda: service.link.state.startswith("refused") and device.state.startswith("refused"),
            lambda: f"both links refused, not {(service.link.state, device.state)}",
            timeout=10,
            every=0.05,
        )
        time.sleep(1.5)  # past the first reconnect wait
        # Mosquitto answers a wrong password "not authorized" (v5 135, 3.1.1 rc 5).
        assert service.link.state == "refused: not authorized"
        assert device.state == "refused: not authorized"
        assert not service.link.connected.is_set() and not device.online
        for client in (service.link.client, device.client):
            assert client.counters["connect_attempts"] == 1, "no retry after the refusal"
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 2 and all("not retrying" in e for e in errors)
    finally:
        device.stop()
        service.stop()


def test_what_the_core_sends_itself_leaves_whole_and_in_order_beside_pahos_thread(
    broker: MosquittoBroker,
) -> None:
    """The batch thread writes its acks to the socket itself (``send_now``) while paho's
    thread writes too: what paho held back until the broker answered, and another thread's
    messages. Large messages fill the socket, so writes are cut short and put back: every
    message still arrives whole, each thread's in the order published, on one connection."""
    kiosk = Client(broker, "kiosk-b03", subscribe=[("pitboard/demo/dev/kiosk-b03/ack", 1)])
    addr = BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"])
    core = MqttClient(addr, "pitboard-core-demo", None, lambda _o: b"", lambda *_: None).start()
    writers: set[str] = set()
    send = core.client._sock_send

    def noted(buf: bytes) -> int:
        writers.add(threading.current_thread().name)
        return send(buf)

    core.client._sock_send = noted  # type: ignore[method-assign]
    topic, count = "pitboard/demo/dev/kiosk-b03/ack", 600
    try:
        assert core.connected.wait(10)

        def publish(who: str, now: bool) -> None:
            for n in range(count):
                pad = "x" * (70_000 if n % 3 == 0 else n)
                core.publish(topic, json.dumps({"who": who, "n": n, "pad": pad}).encode())
                if now:
                    core.send_now()

        other = threading.Thread(target=publish, args=("other", False), name="other")
        other.start()
        publish("batch", True)
        other.join(30)
        assert kiosk.wait(lambda m: len(m) >= 2 * count, timeout=60)
        got = [p for _, p in kiosk.messages]
        for who in ("batch", "other"):
            assert [p["n"] for p in got if p["who"] == who] == list(range(count)), who
        assert core.counters["connect_attempts"] == 1, "the broker dropped a garbled stream"
        assert threading.current_thread().name in writers, "send_now left it to paho"
        assert any(w.startswith("paho") for w in writers)
    finally:
        core.stop()
        kiosk.close()


def test_the_service_stops_while_a_tap_is_applied_on_the_mqtt_thread(
    broker: MosquittoBroker, tmp_path: Path
) -> None:
    """A lone tap is applied on paho's thread, inside its callback; the service stopping
    meanwhile waits for it before the link says goodbye: the tap is answered and stop()
    returns (writing the goodbye from inside the callback would wait for paho's own lock)."""
    cfg = demo_config()
    addr = BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"])
    service = CoreService(cfg, addr, f"sqlite:///{tmp_path / 'core.db'}").start()
    ack_topic, core_status = "pitboard/demo/dev/kiosk-b03/ack", "pitboard/demo/dev/core/status"
    kiosk = Client(broker, "kiosk-b03", subscribe=[(ack_topic, 1), (core_status, 1)])
    in_commit, go = threading.Event(), threading.Event()
    real_commit = service.store.commit

    def commit(*args: Any, **kw: Any) -> None:
        if threading.current_thread().name.startswith("paho"):
            in_commit.set()
            go.wait(10)  # still committing when the service is told to stop
        real_commit(*args, **kw)

    service.store.commit = commit  # type: ignore[method-assign]
    try:
        # The core says it is online after it subscribed: a tap sent before would be lost.
        assert kiosk.wait(lambda m: any(t == core_status and p["online"] for t, p in m))
        # A tap coming while the core is busy (its start, a board) is queued and applied
        # by the loop: the kiosk taps until one is applied on the MQTT thread.
        for seq in range(1, 21):
            steps = ("tech.signed_in", "tech.signed_out")
            kiosk.publish(EVENT.format("kiosk-b03"), ev(seq, steps[(seq + 1) % 2], tech="T002"))
            if in_commit.wait(1):
                break
        assert in_commit.is_set(), "no tap was applied on the MQTT thread"
        stopping = threading.Thread(target=service.stop)
        stopping.start()
        time.sleep(0.3)  # stop() under way, waiting for the tap
        go.set()
        stopping.join(15)
        assert not stopping.is_alive(), "stop() hung"
        assert kiosk.wait(
            lambda m: [p["seq"] for t, p in m if t == ack_topic] == list(range(1, seq + 1)), 10
        )
        assert {p["result"] for t, p in kiosk.messages if t == ack_topic} == {"applied"}
    finally:
        go.set()
        kiosk.close()
