"""A stand-in for head office's hub, as the group contract has it: a feed message is
applied when it starts at or before ``upto + 1`` (what it already holds is skipped),
refused when it starts past it, and either way answered with the hub's ``upto``."""

from __future__ import annotations

import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.broker import MosquittoBroker
from core.contract import topics
from core.contract.group import GroupAck, GroupFeed


class StandInHub:
    def __init__(self, site: str = "demo") -> None:
        self.site = site
        self.upto = 0
        #: Every fact applied, in the order applied: (seq, kind).
        self.applied: list[tuple[int, str]] = []
        #: The first seq of every message received (repeats included).
        self.received: list[int] = []
        self.silent = False
        self._lock = threading.Lock()

    def receive(self, payload: bytes) -> bytes | None:
        """The answer to a feed message (None while silent)."""
        feed = GroupFeed.model_validate_json(payload)
        with self._lock:
            self.received.append(feed.facts[0].seq)
            if self.silent:
                return None
            if feed.facts[0].seq <= self.upto + 1:
                for fact in feed.facts:
                    if fact.seq == self.upto + 1:
                        self.applied.append((fact.seq, fact.data.kind))
                        self.upto = fact.seq
            ack = GroupAck(v=1, site=feed.site, upto=self.upto)
        return ack.model_dump_json().encode()


class MqttHub:
    """The stand-in hub on a real broker: a plain paho client that reads the site's feed
    and answers on its ack topic after reading."""

    def __init__(self, broker: MosquittoBroker, hub: StandInHub, user: str = "core") -> None:
        self.hub = hub
        self.feed = topics.GROUP_FEED.full(hub.site)
        self.ack = topics.GROUP_ACK.full(hub.site)
        self.ready = threading.Event()
        self.c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"t-hub-{time.monotonic_ns()}",
            protocol=mqtt.MQTTv5,
        )
        self.c.username_pw_set(user, broker.passwords[user])
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = lambda *_a: self.ready.set()
        self.c.on_message = self._on_message
        self.c.connect("127.0.0.1", broker.port)
        self.c.loop_start()
        assert self.ready.wait(10), "the stand-in hub did not subscribe"

    def _on_connect(self, c: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if not rc.is_failure:
            c.subscribe(self.feed, qos=1)

    def _on_message(self, _c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
        answer = self.hub.receive(bytes(m.payload))
        if answer is not None:
            self.c.publish(self.ack, answer, qos=1)

    def send(self, payload: bytes) -> None:
        """Something on the ack topic as anyone with the right to write there could."""
        self.c.publish(self.ack, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()
