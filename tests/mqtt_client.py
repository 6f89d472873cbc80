"""A plain MQTT v5 client on a real broker, as a device or a screen would be (paho alone,
none of Pitboard's own connection code), for the tests against Mosquitto."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.broker import MosquittoBroker
from tests.waiting import wait_until


class Client:
    """A plain MQTT v5 client, as a device or a screen would be."""

    def __init__(
        self,
        broker: MosquittoBroker,
        user: str | None,
        password: str | None = None,
        subscribe: str | list[tuple[str, int]] | None = None,
        client_id: str | None = None,
        keep_session: bool = False,
    ) -> None:
        self.messages: list[tuple[str, Any]] = []
        self.results: dict[int, Any] = {}
        self.connect_rc: Any = None
        self.subscribed: list[Any] = []
        #: For each connection made, whether the broker still had this client's session.
        self.sessions_present: list[bool] = []
        self._cv = threading.Condition()
        self.c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"t-{user}-{time.monotonic_ns()}",
            protocol=mqtt.MQTTv5,
        )
        if user is not None:
            self.c.username_pw_set(
                user, password if password is not None else broker.passwords[user]
            )
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_publish = self._on_publish
        self.c.on_subscribe = self._on_subscribe
        self.subscribe = subscribe
        if keep_session:
            # The broker keeps the subscription, and what arrives while this client is away,
            # for an hour: across its own reconnects and the broker's restarts.
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
            self.c.connect("127.0.0.1", broker.port, clean_start=False, properties=props)
        else:
            self.c.connect("127.0.0.1", broker.port)
        self.c.loop_start()
        with self._cv:
            self._cv.wait_for(lambda: self.connect_rc is not None, 10)
            if subscribe and not self.connect_rc.is_failure:
                # Messages sent from now on are this client's: its subscription is in place.
                self._cv.wait_for(lambda: bool(self.subscribed), 10)

    def _on_connect(self, c: mqtt.Client, _u: Any, flags: Any, rc: Any, _p: Any = None) -> None:
        if self.subscribe and not rc.is_failure:
            c.subscribe(self.subscribe, qos=1)
        with self._cv:
            if not rc.is_failure:
                self.sessions_present.append(bool(flags.session_present))
            self.connect_rc = rc
            self._cv.notify_all()

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, rcs: Any, _p: Any = None) -> None:
        with self._cv:
            self.subscribed.append(rcs)
            self._cv.notify_all()

    def _on_message(self, _c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
        with self._cv:
            self.messages.append((m.topic, json.loads(m.payload) if m.payload else None))
            self._cv.notify_all()

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, rc: Any, _p: Any = None) -> None:
        with self._cv:
            self.results[mid] = rc
            self._cv.notify_all()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> Any:
        info = self.c.publish(topic, payload, qos=1, retain=retain)
        with self._cv:
            self._cv.wait_for(lambda: info.mid in self.results, 10)
            return self.results[info.mid]

    def wait(self, pred: Any, timeout: float = 10) -> bool:
        """Until ``pred`` holds for the messages received so far."""

        def seen() -> bool:
            with self._cv:
                return bool(pred(list(self.messages)))

        return bool(wait_until(seen, "the messages awaited", timeout=timeout))

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()
