"""The core's MQTT connection: v5 (3.1.1 for the embedded broker), reconnect with back-off,
resubscribe and republish on every connect, retained status with a Last Will, and PUBACKs
sent only when the core says its commit is done."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.contract import topics
from core.contract.messages import DeviceStatus, dump

logger = logging.getLogger(__name__)

# Connect refusals that retrying cannot fix.
_FATAL = {
    "Bad user name or password",
    "Not authorized",
    "Client identifier not valid",
    "Banned",
    "Bad authentication method",
}


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    protocol: str = "5"  # "5" | "3.1.1"

    @classmethod
    def from_url(
        cls, url: str, username: str | None, password: str | None, protocol: str = "5"
    ) -> BrokerAddress:
        u = urlparse(url)
        if u.scheme not in ("mqtt", "tcp", ""):
            raise ValueError(f"unsupported broker URL scheme {u.scheme!r} (use mqtt://host:port)")
        return cls(
            u.hostname or "127.0.0.1",
            u.port or 1883,
            u.username or username,
            u.password or password,
            protocol,
        )


def no_delay(_client: mqtt.Client, _userdata: object, sock: object) -> None:
    """Send small packets (PUBACKs, taps, acks) at once, not after Nagle's algorithm waits
    for the last one to be acknowledged: on loopback that wait is most of the latency."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]


class MqttLink:
    """One paho client, run on paho's own thread; callbacks only hand work over."""

    def __init__(
        self,
        address: BrokerAddress,
        site: str,
        client_id: str,
        status_device: str,
        on_message: Callable[[str, bytes, object], None],
        subscriptions: list[str],
        on_connected: Callable[[], None] = lambda: None,
        manual_ack: bool = True,
    ) -> None:
        self.address = address
        self.site = site
        self._on_message_cb = on_message
        self._subscriptions = subscriptions
        self._on_connected_cb = on_connected
        self._generation = 0
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.fatal: str | None = None
        self.denied: list[str] = []
        self._status_topic = topics.STATUS.full(site, device=status_device)
        v5 = address.protocol == "5"
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            clean_session=None if v5 else False,
            manual_ack=manual_ack,
        )
        self._v5 = v5
        if address.username:
            self.client.username_pw_set(address.username, address.password)
        self.client.will_set(self._status_topic, self._status(False), qos=1, retain=True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(100)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.client.on_socket_open = no_delay

    def _status(self, online: bool) -> bytes:
        return dump(DeviceStatus(online=online, kind="core", ts=datetime.now(UTC)))

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        props = None
        if self._v5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = 24 * 3600
        self.client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=30,
            clean_start=False if self._v5 else mqtt.MQTT_CLEAN_START_FIRST_ONLY,
            properties=props,
        )
        self.client.loop_start()

    def stop(self) -> None:
        if self.connected.is_set():
            info = self.client.publish(self._status_topic, self._status(False), qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()

    # ------------------------------------------------------------ callbacks (paho thread)
    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, rc: object, _p: object = None
    ) -> None:
        if getattr(rc, "is_failure", False):
            reason = str(rc)
            if reason in _FATAL:
                self.fatal = reason
                logger.error("broker refused the connection: %s; not retrying", reason)
                client.disconnect()
                client.loop_stop()
            else:
                logger.warning("broker refused the connection: %s; retrying", reason)
            return
        with self._lock:
            self._generation += 1
        for pattern in self._subscriptions:
            client.subscribe(pattern, qos=1)
        client.publish(self._status_topic, self._status(True), qos=1, retain=True)
        logger.info("connected to %s:%s", self.address.host, self.address.port)
        self.connected.set()
        self._on_connected_cb()

    def _on_disconnect(
        self, _c: mqtt.Client, _u: object, _f: object, rc: object, _p: object = None
    ) -> None:
        self.connected.clear()
        logger.warning("disconnected from broker (%s); reconnecting", rc)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            token = (self._generation, msg.mid, msg.qos)
        self._on_message_cb(msg.topic, bytes(msg.payload), token)

    def _on_publish(
        self, _c: mqtt.Client, _u: object, mid: int, rc: object, _p: object = None
    ) -> None:
        if getattr(rc, "is_failure", False):
            # MQTT v5 makes a denied publish visible: the broker answers "Not authorized".
            self.denied.append(str(rc))
            logger.error("broker refused a publish (mid %s): %s", mid, rc)

    # ------------------------------------------------------------ for the core
    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain)

    def puback(self, token: object) -> None:
        generation, mid, qos = cast(tuple[int, int, int], token)
        with self._lock:
            current = generation == self._generation
        # A PUBACK for a message of an earlier connection would ack the wrong packet.
        if current and qos > 0:
            self.client.ack(mid, qos)
