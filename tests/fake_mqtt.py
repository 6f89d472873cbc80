"""A broker inside the test process and a stand-in for paho's ``Client`` that talks to it.

``FakeBroker.patch(monkeypatch)`` puts the stand-in in place of ``paho.mqtt.client.Client``,
so the real ``MqttClient`` — its reconnect schedule, refusal handling, ack reading and
PUBACK rule — and the real ``DeviceLink`` and ``MqttLink`` on top of it run unchanged in
fast tests. Only paho's network thread, CONNACKs, retained messages, the Last Will and
PUBACKs are imitated here; the real paho path is proven by the Mosquitto tests.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode


@dataclass(frozen=True)
class Sent:
    client_id: str
    topic: str
    payload: bytes
    qos: int
    retain: bool


class FakeInfo:
    """What paho's publish returns, already settled."""

    def __init__(self, mid: int, rc: int) -> None:
        self.mid, self.rc = mid, rc

    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None

    def is_published(self) -> bool:
        return self.rc == 0


class FakeBroker:
    """Routes publishes between fake clients; a test can refuse, cut off or stop it.

    Reconnect waits are shortened by ``time_scale`` (a 4 s wait takes 4 × time_scale s) and
    recorded whole in ``waits``.
    """

    def __init__(self, time_scale: float = 0.002) -> None:
        self.time_scale = time_scale
        self.up = True
        self.refuse: dict[str, int] = {}  # client id → CONNACK code in its protocol
        self.unreachable: set[str] = set()
        self.retained: dict[str, bytes] = {}
        self.sent: list[Sent] = []
        self.pubacks: list[tuple[str, int]] = []
        self.attempts: list[str] = []
        self.waits: dict[str, list[int]] = {}
        self.on_puback: Callable[[str, str], None] = lambda _client, _topic: None
        self._clients: dict[str, FakePahoClient] = {}
        self._cv = threading.Condition()

    def patch(self, monkeypatch: pytest.MonkeyPatch) -> FakeBroker:
        monkeypatch.setattr(mqtt, "Client", functools.partial(FakePahoClient, self))
        return self

    @contextlib.contextmanager
    def installed(self) -> Iterator[FakeBroker]:
        """Clients made inside this block talk to this broker."""
        with pytest.MonkeyPatch.context() as monkeypatch:
            yield self.patch(monkeypatch)

    # ------------------------------------------------------------ what the test does
    def cut(self, client_id: str) -> None:
        """The client's network goes: it is dropped (its will goes out) and cannot return."""
        with self._cv:
            self.unreachable.add(client_id)
        self.drop(client_id)

    def restore(self, client_id: str) -> None:
        with self._cv:
            self.unreachable.discard(client_id)

    def drop(self, client_id: str) -> None:
        """Lose the client's connection, as a broker restart or a pulled cable does."""
        with self._cv:
            client = self._clients.pop(client_id, None)
        if client is not None:
            client.lost()
            if client.will is not None:
                self.route(client_id, *client.will)

    def inject(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        """A message from some other party."""
        self.route("test", topic, payload, qos, retain)

    def connected(self, client_id: str) -> bool:
        with self._cv:
            return client_id in self._clients

    def published(self, client_id: str, suffix: str) -> list[bytes]:
        with self._cv:
            return [
                s.payload
                for s in self.sent
                if s.client_id == client_id and s.topic.endswith(suffix)
            ]

    # ------------------------------------------------------------ what the clients do
    def connect(self, client: FakePahoClient) -> int | None:
        """The CONNACK code for the client, or None when it cannot reach the broker."""
        with self._cv:
            self.attempts.append(client.client_id)
            if not self.up or client.client_id in self.unreachable:
                return None
            code = self.refuse.get(client.client_id, 0)
            if code == 0:
                old = self._clients.get(client.client_id)
                self._clients[client.client_id] = client
        if code == 0 and old is not None and old is not client:
            old.lost()  # a second connection with the same id takes over
        return code

    def leave(self, client: FakePahoClient) -> None:
        with self._cv:
            if self._clients.get(client.client_id) is client:
                del self._clients[client.client_id]

    def subscribe(self, client: FakePahoClient, pattern: str) -> None:
        with self._cv:
            retained = [
                (t, p) for t, p in self.retained.items() if mqtt.topic_matches_sub(pattern, t)
            ]
        for topic, payload in retained:
            client.deliver(topic, payload, 1, True)

    def route(self, client_id: str, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        with self._cv:
            self.sent.append(Sent(client_id, topic, payload, qos, retain))
            if retain:
                self.retained[topic] = payload
            targets = [
                c
                for c in self._clients.values()
                if any(mqtt.topic_matches_sub(p, topic) for p in c.subscriptions)
            ]
        for c in targets:
            c.deliver(topic, payload, qos, False)

    def puback(self, client_id: str, mid: int, topic: str) -> None:
        self.on_puback(client_id, topic)
        with self._cv:
            self.pubacks.append((client_id, mid))


class FakePahoClient:
    """paho's Client as far as Pitboard uses it, with callbacks on its own thread."""

    def __init__(
        self,
        broker: FakeBroker,
        callback_api_version: Any = None,
        client_id: str = "",
        protocol: int = mqtt.MQTTv311,
        clean_session: bool | None = None,
        manual_ack: bool = False,
        **_: Any,
    ) -> None:
        self.broker = broker
        self.client_id = client_id
        self.v5 = protocol == mqtt.MQTTv5
        self.manual_ack = manual_ack
        self.username: str | None = None
        self.password: str | None = None
        self.will: tuple[str, bytes, int, bool] | None = None
        self.subscriptions: set[str] = set()
        self.delay = 1
        self.on_pre_connect: Any = None
        self.on_connect: Any = None
        self.on_connect_fail: Any = None
        self.on_disconnect: Any = None
        self.on_message: Any = None
        self.on_publish: Any = None
        self.on_socket_open: Any = None
        self._mid = 0
        self._topics: dict[int, str] = {}
        self._lock = threading.Lock()
        self._inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._lost = threading.Event()
        self._live = False
        self._ending = threading.Event()
        self._thread: threading.Thread | None = None
        broker.waits.setdefault(client_id, [])

    # ------------------------------------------------------------ set-up, as paho
    def username_pw_set(self, username: str | None, password: str | None = None) -> None:
        self.username, self.password = username, password

    def will_set(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> None:
        self.will = (topic, payload, qos, retain)

    def reconnect_delay_set(self, min_delay: int = 1, max_delay: int = 120) -> None:
        self.delay = min_delay

    def max_queued_messages_set(self, n: int) -> None:
        return None

    def max_inflight_messages_set(self, n: int) -> None:
        return None

    def connect_async(self, host: str, port: int = 1883, **_: Any) -> None:
        return None

    def loop_start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"fake-paho-{self.client_id}", daemon=True
        )
        self._thread.start()

    def loop_stop(self) -> None:
        self._ending.set()
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(5)

    def disconnect(self, *_: Any) -> None:
        self._ending.set()
        if self._live:
            self.broker.leave(self)
            self._lost.set()

    # ------------------------------------------------------------ traffic
    def _next_mid(self) -> int:
        with self._lock:
            self._mid = self._mid % 65535 + 1
            return self._mid

    def _packet_write(self) -> int:
        return 0  # nothing waits to be written: a publish here is delivered when made

    @property
    def _out_packet(self) -> list[dict[str, Any]]:
        return []  # likewise

    def reconnect(self) -> int:
        return 0  # this stand-in's own thread connects and reconnects (see ``_serve``)

    def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> FakeInfo:
        mid = self._next_mid()
        if not self._live:
            return FakeInfo(mid, mqtt.MQTT_ERR_NO_CONN)
        self.broker.route(self.client_id, topic, payload, qos, retain)
        return FakeInfo(mid, mqtt.MQTT_ERR_SUCCESS)

    def subscribe(self, topic: str, qos: int = 0) -> tuple[int, int]:
        self.subscriptions.add(topic)
        self.broker.subscribe(self, topic)
        return mqtt.MQTT_ERR_SUCCESS, self._next_mid()

    def ack(self, mid: int, qos: int) -> int:
        if self.manual_ack and qos > 0 and self._live:
            self.broker.puback(self.client_id, mid, self._topics.pop(mid, ""))
        return mqtt.MQTT_ERR_SUCCESS

    def deliver(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        msg = mqtt.MQTTMessage(self._next_mid(), topic.encode())
        msg.payload, msg.qos, msg.retain = payload, qos, retain
        self._topics[msg.mid] = topic
        self._inbox.put(msg)

    def lost(self) -> None:
        self._lost.set()

    # ------------------------------------------------------------ paho's thread
    def _run(self) -> None:
        first = True
        while not self._ending.is_set():
            if not first:
                self.broker.waits[self.client_id].append(self.delay)
                if self._ending.wait(self.delay * self.broker.time_scale):
                    break
            first = False
            if self.on_pre_connect:
                self.on_pre_connect(self, None)
            self._serve()

    def _serve(self) -> None:
        self.subscriptions.clear()
        self._inbox = queue.Queue()
        self._lost.clear()
        code = self.broker.connect(self)
        if code is None:
            if self.on_connect_fail:
                self.on_connect_fail(self, None)
            return
        self._live = code == 0
        reason = (
            ReasonCode(PacketTypes.CONNACK, identifier=code)
            if self.v5
            else mqtt.convert_connack_rc_to_reason_code(code)  # type: ignore[arg-type]
        )
        flags = mqtt.ConnectFlags(session_present=False)
        self.on_connect(self, None, flags, reason, Properties(PacketTypes.CONNACK))
        while self._live and not self._lost.is_set():
            try:
                msg = self._inbox.get(timeout=0.02)
            except queue.Empty:
                continue
            if self._lost.is_set():
                break
            self.on_message(self, None, msg)
            if not self.manual_ack and msg.qos > 0:
                self.broker.puback(self.client_id, msg.mid, self._topics.pop(msg.mid, ""))
        self._live = False
        self.broker.leave(self)
        normal = self._ending.is_set()
        gone = ReasonCode(
            PacketTypes.DISCONNECT, "Normal disconnection" if normal else "Unspecified error"
        )
        self.on_disconnect(
            self, None, mqtt.DisconnectFlags(False), gone, Properties(PacketTypes.DISCONNECT)
        )
