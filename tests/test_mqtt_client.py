"""The one MQTT client and the two links on it, with a fake broker under paho's place:
refused logins, the reconnect schedule, resubscribe and status on every connect, the
device's replay window and resend, ack reading, and PUBACKs held for the core."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import devices.link
from core.contract.messages import DeviceStatus, dump, make_event
from core.mqtt import BrokerAddress, MqttClient, MqttLink
from core.mqtt.backoff import Backoff
from core.mqtt.client import Delivery, no_delay
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from devices.link import DeviceLink
from devices.outbox import Outbox
from tests.fake_mqtt import FakeBroker
from tests.helpers import T0
from tests.kiosk_env import demo_workshop
from tests.waiting import wait_until

SITE = "demo"
DEVICE = "kiosk-b03"
ACK = f"pitboard/{SITE}/dev/{DEVICE}/ack"
EVENT = f"pitboard/{SITE}/dev/{DEVICE}/event"
STATUS = f"pitboard/{SITE}/dev/{DEVICE}/status"


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> FakeBroker:
    return FakeBroker().patch(monkeypatch)


@pytest.fixture
def device(broker: FakeBroker, tmp_path: Path) -> Iterator[DeviceLink]:
    # An outbox the core has answered before: it sends a whole window at once.
    Outbox(tmp_path / f"{DEVICE}.outbox.sqlite", DEVICE).close()
    with sqlite3.connect(tmp_path / f"{DEVICE}.outbox.sqlite") as db:
        db.execute("INSERT INTO meta VALUES ('synced', 1)")
    link = DeviceLink(BrokerAddress("broker", 1883), SITE, DEVICE, "pw", tmp_path, kind="kiosk")
    yield link
    link.stop()


def tap(link: DeviceLink, n: int = 1) -> None:
    for _ in range(n):
        link.send("tech.signed_in", bay="B03", tech="T002")


def sent_seqs(broker: FakeBroker) -> list[int]:
    return [json.loads(p)["seq"] for p in broker.published(DEVICE, "/event")]


def ack(seq: int, result: str = "applied") -> bytes:
    return json.dumps({"v": 1, "seq": seq, "result": result, "error": None}).encode()


def wait_online(broker: FakeBroker, link: DeviceLink) -> None:
    wait_until(lambda: link.online, what="the device online")


def _plain_client(protocol: str = "5", backoff: Backoff | None = None) -> MqttClient:
    return MqttClient(
        BrokerAddress("broker", 1883, DEVICE, "pw", protocol),
        DEVICE,
        STATUS,
        lambda online: json.dumps({"v": 1, "online": online}).encode(),
        lambda _t, _p, _tok: None,
        backoff=backoff,
    )


# ---------------------------------------------------------------- refusals and reconnects
@pytest.mark.parametrize(
    ("protocol", "code", "state"),
    [
        ("5", 134, "refused: bad user name or password"),
        ("5", 135, "refused: not authorized"),
        ("3.1.1", 4, "refused: bad user name or password"),
        ("3.1.1", 5, "refused: not authorized"),
    ],
)
def test_refused_credentials_stop_the_client_with_a_readable_state(
    broker: FakeBroker, caplog: pytest.LogCaptureFixture, protocol: str, code: int, state: str
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    broker.refuse[DEVICE] = code
    client = _plain_client(protocol).start()
    try:
        wait_until(lambda: client.state.startswith("refused"), what="the refusal")
        time.sleep(50 * broker.time_scale * 8)  # long enough for several retries
        assert broker.attempts.count(DEVICE) == 1, "no further connect attempts"
        assert client.state == state
        assert client.refused == state.removeprefix("refused: ")
        assert not client.connected.is_set()
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "not retrying" in errors[0].getMessage()
        assert state.removeprefix("refused: ") in errors[0].getMessage()
    finally:
        client.stop()
    assert client.state == "stopped"


def test_a_device_link_refused_says_so_in_its_state(
    broker: FakeBroker, device: DeviceLink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    broker.refuse[DEVICE] = 134
    device.start()
    wait_until(lambda: device.state.startswith("refused"))
    assert device.state == "refused: bad user name or password" and not device.online


def test_a_broker_that_is_away_is_tried_again_with_a_growing_wait(broker: FakeBroker) -> None:
    broker.up = False
    client = _plain_client(backoff=Backoff(1, 8)).start()
    try:
        wait_until(lambda: len(broker.waits[DEVICE]) >= 5, what="five retries")
        assert broker.waits[DEVICE][:5] == [1, 2, 4, 8, 8]
        assert client.state.startswith("reconnecting in ")
        assert not client.refused
        broker.up = True
        wait_until(lambda: client.connected.is_set(), what="connected once the broker is up")
        assert client.state == "connected"
        # A dropped connection starts the schedule over.
        done = len(broker.waits[DEVICE])
        broker.drop(DEVICE)
        wait_until(lambda: client.connected.is_set() and len(broker.waits[DEVICE]) > done)
        assert broker.waits[DEVICE][done] == 1
    finally:
        client.stop()


def test_a_broker_not_ready_yet_is_retried_not_given_up(broker: FakeBroker) -> None:
    broker.refuse[DEVICE] = 136  # server unavailable
    client = _plain_client().start()
    try:
        wait_until(lambda: broker.attempts.count(DEVICE) >= 3, what="retries")
        assert client.refused is None and client.state.startswith(
            ("reconnecting in ", "connecting")
        )
        del broker.refuse[DEVICE]
        wait_until(lambda: client.connected.is_set())
    finally:
        client.stop()


def test_every_connect_resubscribes_and_says_online_and_the_will_says_offline(
    broker: FakeBroker, device: DeviceLink
) -> None:
    device.start()
    wait_online(broker, device)
    assert json.loads(broker.retained[STATUS])["online"] is True
    broker.cut(DEVICE)
    wait_until(lambda: not device.online)
    assert json.loads(broker.retained[STATUS])["online"] is False, "the Last Will"
    broker.restore(DEVICE)
    wait_online(broker, device)
    assert json.loads(broker.retained[STATUS])["online"] is True
    tap(device)
    wait_until(lambda: sent_seqs(broker) == [1])
    broker.inject(ACK, ack(1))  # reaches the device only if it subscribed again
    wait_until(lambda: device.outbox.count() == 0, what="the ack after the reconnect")
    device.stop()
    assert json.loads(broker.retained[STATUS])["online"] is False, "said on the way out"


# ---------------------------------------------------------------- the device's outbox on the wire
def test_at_most_a_window_of_events_is_on_the_wire(broker: FakeBroker, device: DeviceLink) -> None:
    device.start()
    wait_online(broker, device)
    tap(device, devices.link.WINDOW + 30)
    wait_until(lambda: len(sent_seqs(broker)) == devices.link.WINDOW)
    time.sleep(0.1)
    assert sent_seqs(broker) == list(range(1, devices.link.WINDOW + 1))
    for seq in range(1, 11):
        broker.inject(ACK, ack(seq))
    wait_until(lambda: len(sent_seqs(broker)) == devices.link.WINDOW + 10)
    assert sent_seqs(broker)[-10:] == list(range(devices.link.WINDOW + 1, devices.link.WINDOW + 11))
    assert device.outbox.count() == devices.link.WINDOW + 20


def test_unanswered_events_go_again_after_silence_and_after_a_reconnect(
    broker: FakeBroker, device: DeviceLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices.link, "RESEND_AFTER", 0.4)
    device.start()
    wait_online(broker, device)
    tap(device, 3)
    wait_until(lambda: sent_seqs(broker) == [1, 2, 3])
    time.sleep(0.2)
    assert sent_seqs(broker) == [1, 2, 3], "not before the silence is long enough"
    wait_until(lambda: sent_seqs(broker) == [1, 2, 3, 1, 2, 3], what="the resend")
    time.sleep(0.5)
    assert len(sent_seqs(broker)) == 6, "the next silence is twice as long"
    wait_until(lambda: len(sent_seqs(broker)) == 9, what="the second resend")
    for seq in (1, 2, 3):
        broker.inject(ACK, ack(seq))
    wait_until(lambda: device.outbox.count() == 0)
    time.sleep(0.6)
    assert len(sent_seqs(broker)) == 9, "nothing goes again once answered"
    # Taps made while cut off go out, in order, once the broker is back.
    broker.cut(DEVICE)
    wait_until(lambda: not device.online)
    tap(device, 2)
    assert len(sent_seqs(broker)) == 9
    broker.restore(DEVICE)
    wait_until(lambda: sent_seqs(broker)[9:] == [4, 5], what="the replay")


def test_nothing_goes_again_while_the_core_is_away_and_everything_when_it_is_back(
    broker: FakeBroker, device: DeviceLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices.link, "RESEND_AFTER", 0.3)
    core_status = f"pitboard/{SITE}/dev/core/status"
    device.start()
    wait_online(broker, device)
    broker.inject(core_status, dump(DeviceStatus(online=False, kind="core")), retain=True)
    tap(device, 2)
    wait_until(lambda: sent_seqs(broker) == [1, 2])
    time.sleep(1.5)  # five silences long: the core's queue at the broker holds them
    assert sent_seqs(broker) == [1, 2], "no copies while the core is away"
    broker.inject(core_status, dump(DeviceStatus(online=True, kind="core")), retain=True)
    wait_until(lambda: sent_seqs(broker) == [1, 2, 1, 2], what="everything again at once")


def test_the_status_says_the_outbox_again_only_when_its_depth_changed(
    broker: FakeBroker, device: DeviceLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A depth that changed is said again after a few seconds: an ack handled as the next tap
    # is written would say it, on a machine slow enough for twenty taps to take that long.
    monkeypatch.setattr(devices.link, "_STATUS_EVERY", 600.0)

    def said() -> list[int | None]:
        return [json.loads(p)["outbox"] for p in broker.published(DEVICE, "/status")]

    device.start()
    wait_online(broker, device)
    assert said() == [0]
    for seq in range(1, 21):  # each tap answered before the next: the depth stays 0
        tap(device)
        broker.inject(ACK, ack(seq))
        wait_until(lambda: device.outbox.count() == 0, what=f"#{seq} answered")
    time.sleep(0.1)
    assert said() == [0], "a status after every answered tap is a message for nothing"
    broker.cut(DEVICE)  # taps kept while away: the depth is said once it is back
    wait_until(lambda: not device.online)
    tap(device, 3)
    broker.restore(DEVICE)
    wait_until(lambda: said()[-1] == 3, what="the depth said on reconnecting")
    for seq in (21, 22, 23):
        broker.inject(ACK, ack(seq))
    wait_until(lambda: said()[-1] == 0, what="the emptied outbox said at once")


def test_a_malformed_ack_is_ignored_and_counted(
    broker: FakeBroker, device: DeviceLink, caplog: pytest.LogCaptureFixture
) -> None:
    answers: list[Any] = []
    device._on_answer = answers.append
    device.start()
    wait_online(broker, device)
    tap(device, 2)
    broker.inject(ACK, b"not json")
    broker.inject(ACK, b'{"v": 1, "seq": "one", "result": "applied"}')
    broker.inject(ACK, b'{"v": 1, "seq": 1, "result": "maybe"}')
    broker.inject(ACK, ack(1))
    wait_until(lambda: len(answers) == 1, what="the good ack")
    assert device.client.counters["malformed_acks"] == 3
    assert [(a.seq, a.result) for a in answers] == [(1, "applied")]
    assert sum("malformed ack" in r.getMessage() for r in caplog.records) == 3
    broker.inject(ACK, ack(2))
    wait_until(lambda: device.outbox.count() == 0, what="the link still reads acks")


# ---------------------------------------------------------------- the core's link
def test_the_core_link_sends_a_puback_only_when_the_core_says_so(broker: FakeBroker) -> None:
    tokens: list[Delivery] = []
    link = MqttLink(
        BrokerAddress("broker", 1883, "core", "pw"),
        site=SITE,
        client_id="pitboard-core-demo",
        status_device="core",
        on_message=lambda _t, _p, tok: tokens.append(tok),  # type: ignore[arg-type]
        subscriptions=[f"pitboard/{SITE}/dev/+/event"],
    )
    link.start()
    try:
        assert link.connected.wait(5)
        payload = make_event(DEVICE, 1, "tech.signed_in", T0, bay="B03", tech="T002")
        broker.inject(EVENT, payload)
        wait_until(lambda: len(tokens) == 1)
        time.sleep(0.1)
        assert broker.pubacks == [], "no PUBACK before the core's commit"
        link.puback(tokens[0])
        assert broker.pubacks == [("pitboard-core-demo", tokens[0][1])]
        # A token from before a reconnect names a packet of the old connection: never acked.
        broker.inject(EVENT, payload)
        wait_until(lambda: len(tokens) == 2)
        tries = broker.attempts.count("pitboard-core-demo")
        broker.drop("pitboard-core-demo")
        wait_until(
            lambda: broker.attempts.count("pitboard-core-demo") > tries and link.connected.is_set()
        )
        link.puback(tokens[1])
        assert len(broker.pubacks) == 1
        assert json.loads(broker.retained[f"pitboard/{SITE}/dev/core/status"])["online"] is True
    finally:
        link.stop()


def test_small_packets_leave_at_once(broker: FakeBroker) -> None:
    client = _plain_client()
    assert client.client.on_socket_open is no_delay  # paho calls it on every new socket
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.create_connection(server.getsockname()) as sock,
    ):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        no_delay(client.client, None, sock)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_the_core_pubacks_a_tap_only_once_it_is_committed(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    shop = demo_workshop(Store(engine, SITE), tmp_path)
    stored_at_puback: list[list[int]] = []

    def on_puback(client_id: str, topic: str) -> None:
        if client_id == shop.link.client.client_id and topic == EVENT:
            stored_at_puback.append([s for s, _, _ in shop.core.store.inbox_results(DEVICE)])

    shop.broker.on_puback = on_puback
    try:
        station = shop.station("B03")
        station.sign_in("T002")
        station.sign_out("T002")
        shop.settle()
        wait_until(lambda: len(stored_at_puback) == 2, what="two PUBACKs")
        assert 1 in stored_at_puback[0] and 2 in stored_at_puback[1]
    finally:
        shop.close()
        engine.dispose()
