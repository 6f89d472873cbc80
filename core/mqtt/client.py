"""The one MQTT client every Pitboard process uses: paho on its own thread, reconnect with
a doubling wait, retained online status with a Last Will, resubscribe on every connect,
PUBACKs held back until the caller says so, acks read as the contract's ``Ack``, and a
refused connection that retrying cannot fix stops the client with a readable state.

Callbacks run on paho's thread; the callers' callbacks hand work over, or (the core's, for a
lone tap) do it at once in the core's writer's turn (core/engine/loop.py).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

import paho.mqtt.client as mqtt
from paho.mqtt.client import DISCONNECT, PUBLISH
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from core.contract.messages import Ack
from core.mqtt.address import BrokerAddress
from core.mqtt.backoff import Backoff
from core.mqtt.refusal import describe, is_fatal, reason_value

logger = logging.getLogger(__name__)

# A persistent session (the core's) outlives a day's outage of the core.
SESSION_EXPIRY = 24 * 3600

# Opaque to callers: which connection a message came on, its packet id and QoS.
Delivery = tuple[int, int, int]


def no_delay(_client: mqtt.Client, _userdata: object, sock: object) -> None:
    """Send small packets (PUBACKs, taps, acks) at once, not after Nagle's algorithm waits
    for the last one to be acknowledged: on loopback that wait is most of the latency."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]


def _nothing() -> None:
    return None


def _locked_writes(client: mqtt.Client) -> Callable[[], None]:
    """paho's socket writes, made to hold a lock, so that a caller's thread may write what
    it published (``MqttClient.send_now``) while paho's own thread writes too. Returns the
    caller's write: done only if the lock is free (else paho's thread is writing, and writes
    what the caller published as well).

    paho pops a packet off its queue, sends it and puts back what the socket did not take:
    two threads doing that at once could send one packet's bytes inside another's. Every
    write paho makes goes through ``_packet_write``; a reconnect empties the queue and
    changes the socket, so it holds the lock too.
    """
    lock = threading.RLock()
    write, reconnect = client._packet_write, client.reconnect

    def locked_write() -> MQTTErrorCode:
        with lock:
            return write()

    def locked_reconnect() -> MQTTErrorCode:
        with lock:
            return reconnect()

    def try_write() -> None:
        if lock.acquire(blocking=False):
            try:
                write()
            finally:
                lock.release()

    client._packet_write = locked_write  # type: ignore[method-assign]
    client.reconnect = locked_reconnect  # type: ignore[method-assign]
    return try_write


def _calls_back(client: mqtt.Client) -> bool:
    """Whether a packet queued for writing makes paho call back once written (a QoS 0
    publish, the goodbye): inside a callback on paho's thread that would wait for itself."""
    for packet in list(client._out_packet):
        kind = packet["command"] & 0xF0
        if kind == DISCONNECT or (kind == PUBLISH and packet["qos"] == 0):
            return True
    return False


class MqttClient:
    """One connection to the broker, as a named party with a retained status topic (or,
    for a part of a process that is no device, none: ``status_topic`` None).

    ``state`` reads "connecting", "connected", "reconnecting in N s (why)",
    "refused: <the broker's reason>" or "stopped".
    """

    def __init__(
        self,
        address: BrokerAddress,
        client_id: str,
        status_topic: str | None,
        status: Callable[[bool], bytes],
        on_message: Callable[[str, bytes, Delivery], None],
        subscriptions: Sequence[str] = (),
        *,
        on_connected: Callable[[], None] = _nothing,
        on_disconnected: Callable[[], None] = _nothing,
        on_refused: Callable[[], None] = _nothing,
        ack_topic: str | None = None,
        on_ack: Callable[[Ack], None] | None = None,
        manual_ack: bool = False,
        persistent_session: bool = False,
        keepalive: int = 30,
        backoff: Backoff | None = None,
    ) -> None:
        self.address = address
        self.client_id = client_id
        self.status_topic = status_topic
        self.counters: Counter[str] = Counter()
        self.denied: list[str] = []
        self.connected = threading.Event()
        self.refused: str | None = None
        self._status = status
        self._on_message_cb = on_message
        self._subscriptions = [*subscriptions, *([ack_topic] if ack_topic else [])]
        self._on_connected_cb = on_connected
        self._on_disconnected_cb = on_disconnected
        self._on_refused_cb = on_refused
        self._ack_topic = ack_topic
        self._on_ack = on_ack
        self._keepalive = keepalive
        self._persistent = persistent_session
        self._backoff = backoff or Backoff()
        self._lock = threading.Lock()
        self._status_lock = threading.Lock()
        self._generation = 0
        self._state = "not started"
        self._stopping = False
        self._v5 = address.protocol == "5"
        self._manual_ack = manual_ack
        self.client = self._make_client(manual_ack)

    def _make_client(self, manual_ack: bool) -> mqtt.Client:
        # v5 keeps the session by clean_start at connect time; 3.1.1 by clean_session here.
        clean_session = None if self._v5 else not self._persistent
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5 if self._v5 else mqtt.MQTTv311,
            clean_session=clean_session,
            manual_ack=manual_ack,
        )
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            # The broker's certificate must chain to the site's CA and name the host we dial.
            client.tls_set(ca_certs=self.address.ca_file or None)
        if self.status_topic is not None:
            client.will_set(self.status_topic, self._status(False), qos=1, retain=True)
        client.reconnect_delay_set(self._backoff.first, self._backoff.first)
        # Nothing waits in paho's queue while offline (the outbox and the core's republish
        # cover that); in flight at once: a device's whole replay window.
        client.max_queued_messages_set(0)
        client.max_inflight_messages_set(100)
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_socket_open = no_delay
        self._write = _locked_writes(client)
        return client

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    def _set_state(self, state: str) -> None:
        with self._lock:
            self._state = state

    # ------------------------------------------------------------ lifecycle
    def start(self) -> MqttClient:
        props = None
        clean_start: bool | Literal[3] = mqtt.MQTT_CLEAN_START_FIRST_ONLY
        if self._v5 and self._persistent:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = SESSION_EXPIRY
            clean_start = False
        self._set_state("connecting")
        self.client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=self._keepalive,
            clean_start=clean_start,
            properties=props,
        )
        self.client.loop_start()
        return self

    def stop(self) -> None:
        with self._status_lock:
            # Under the status lock: an "online" announced from paho's thread cannot land
            # after the "offline" said on the way out.
            self._stopping = True
            info = None
            if self.connected.is_set() and self.status_topic is not None:
                info = self.client.publish(
                    self.status_topic, self._status(False), qos=1, retain=True
                )
        if info is not None:
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()
        self._set_state("stopped")

    # ------------------------------------------------------------ paho's thread
    def _on_pre_connect(self, _c: mqtt.Client, _u: object) -> None:
        self.counters["connect_attempts"] += 1
        self._set_state("connecting")

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object = None
    ) -> None:
        if getattr(reason, "is_failure", False):
            self._refused(client, reason)
            return
        with self._lock:
            self._generation += 1
            self._state = "connected"
        self._backoff.reset()
        for pattern in self._subscriptions:
            client.subscribe(pattern, qos=1)
        with self._status_lock:
            if not self._stopping and self.status_topic is not None:
                client.publish(self.status_topic, self._status(True), qos=1, retain=True)
        logger.info("%s: connected to %s:%s", self.client_id, self.address.host, self.address.port)
        self.connected.set()
        self._call(self._on_connected_cb)

    def _refused(self, client: mqtt.Client, reason: object) -> None:
        why = describe(reason)
        self.counters["refusals"] += 1
        if not is_fatal(reason):
            # The broker is there but not ready (e.g. "server unavailable"): on_disconnect
            # follows and schedules the next attempt.
            logger.warning("%s: broker refused the connection: %s", self.client_id, why)
            return
        self.refused = why
        self._set_state(f"refused: {why}")
        logger.error(
            "%s: broker %s:%s refused the connection: %s (reason code %d); not retrying",
            self.client_id,
            self.address.host,
            self.address.port,
            why,
            reason_value(reason),
        )
        # Retrying with credentials the broker refuses only fills its log: stop for good.
        client.disconnect()
        self._call(self._on_refused_cb)

    def _on_connect_fail(self, _c: mqtt.Client, _u: object) -> None:
        self._retry_later("no connection")

    def _on_disconnect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: object, _p: object = None
    ) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if self._stopping or self.refused is not None:
            return
        self._retry_later(str(reason) if getattr(reason, "is_failure", False) else "closed")
        if was_connected:
            self._call(self._on_disconnected_cb)

    def _retry_later(self, why: str) -> None:
        if self._stopping or self.refused is not None:
            return
        wait = self._backoff.next()
        # paho waits this long before its next attempt (reconnect_delay_set restarts its
        # own doubling, so the schedule is the one kept here).
        self.client.reconnect_delay_set(wait, wait)
        self.counters["retries"] += 1
        self._set_state(f"reconnecting in {wait} s ({why})")
        logger.warning(
            "%s: broker %s:%s: %s; next attempt in %s s",
            self.client_id,
            self.address.host,
            self.address.port,
            why,
            wait,
        )

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        if self._ack_topic is not None and msg.topic == self._ack_topic:
            self._read_ack(bytes(msg.payload))
            if self._manual_ack:
                self.client.ack(msg.mid, msg.qos)
            return
        with self._lock:
            token: Delivery = (self._generation, msg.mid, msg.qos)
        self._call(self._on_message_cb, msg.topic, bytes(msg.payload), token)

    def _read_ack(self, payload: bytes) -> None:
        try:
            ack = Ack.model_validate_json(payload)
        except ValidationError as exc:
            self.counters["malformed_acks"] += 1
            logger.warning(
                "%s: ignored a malformed ack (%s): %r",
                self.client_id,
                exc.errors()[0]["msg"],
                payload[:200],
            )
            return
        if self._on_ack is not None:
            self._call(self._on_ack, ack)

    def _on_publish(
        self, _c: mqtt.Client, _u: object, mid: int, rc: object, _p: object = None
    ) -> None:
        if getattr(rc, "is_failure", False):
            # MQTT v5 makes a denied publish visible: the broker answers "Not authorized".
            self.denied.append(str(rc))
            logger.error("%s: broker refused a publish (mid %s): %s", self.client_id, mid, rc)

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        """Run a caller's callback; a failure is logged, never the end of paho's thread."""
        try:
            callback(*args)
        except Exception:
            self.counters["callback_errors"] += 1
            logger.exception("%s: a message handler failed", self.client_id)

    # ------------------------------------------------------------ for the caller
    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=qos, retain=retain)

    def send_now(self) -> None:
        """Write what was published to the socket on this thread.

        paho's own thread writes it only once it holds the interpreter, and a caller busy in
        Python keeps it for up to the switch interval. What the socket does not take now
        (a full buffer, a lost connection) stays queued for paho's thread, which also meets
        any error and reconnects. Left to paho's thread: with TLS (one SSL connection is not
        written and read by two threads at once), and, on paho's own thread, a queue holding
        a packet whose write calls back into paho.
        """
        on_paho = threading.current_thread() is self.client._thread
        if on_paho and _calls_back(self.client):
            return
        if self.address.tls and not on_paho:
            return
        self._write()

    def announce(self) -> None:
        """Publish the retained online status again (what it reports changed)."""
        with self._status_lock:
            if self.connected.is_set() and not self._stopping and self.status_topic is not None:
                self.publish(self.status_topic, self._status(True), qos=1, retain=True)

    def puback(self, token: object) -> None:
        """Acknowledge a message given to ``on_message`` (only with ``manual_ack``)."""
        generation, mid, qos = cast(Delivery, token)
        with self._lock:
            current = generation == self._generation
        # A PUBACK for a message of an earlier connection would ack the wrong packet.
        if current and qos > 0:
            self.client.ack(mid, qos)
