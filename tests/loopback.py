"""An in-process stand-in for the broker, for fast kiosk tests against a real core.

The core publishes into ``RoutingBus``; device links subscribe to it. A ``LoopbackLink``
has the outbox and the replay-on-reconnect rule of the real DeviceLink, with an
``online`` switch instead of a network. The real broker path is covered by the
Mosquitto tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Unpack

from core.contract.sender import EventFields
from devices.outbox import Answer, Outbox, Pending


class RoutingBus:
    def __init__(self) -> None:
        self.retained: dict[str, bytes] = {}
        self.subscribers: dict[str, list[Callable[[bytes], None]]] = {}
        self.acked: list[object] = []
        self._lock = threading.Lock()

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        with self._lock:
            if retain:
                self.retained[topic] = payload
            targets = list(self.subscribers.get(topic, []))
        for deliver in targets:
            deliver(payload)

    def puback(self, token: object) -> None:
        self.acked.append(token)

    def subscribe(self, topic: str, deliver: Callable[[bytes], None]) -> None:
        with self._lock:
            self.subscribers.setdefault(topic, []).append(deliver)
            retained = self.retained.get(topic)
        if retained is not None:
            deliver(retained)

    def unsubscribe(self, topic: str, deliver: Callable[[bytes], None]) -> None:
        with self._lock:
            if deliver in self.subscribers.get(topic, []):
                self.subscribers[topic].remove(deliver)


class LoopbackLink:
    def __init__(
        self,
        bus: RoutingBus,
        to_core: Callable[[str, bytes, object], None],
        site: str,
        device: str,
        state_dir: Path,
        on_answer: Callable[[Answer], None] | None = None,
        on_change: Callable[[], None] | None = None,
        subscriptions: dict[str, Callable[[bytes], None]] | None = None,
    ) -> None:
        self.bus, self.to_core, self.device = bus, to_core, device
        self.outbox = Outbox(state_dir / f"{device}.outbox.sqlite", device)
        self.on_answer, self.on_change = on_answer, on_change
        self.subscriptions = dict(subscriptions or {})
        self.event_topic = f"pitboard/{site}/dev/{device}/event"
        self.ack_topic = f"pitboard/{site}/dev/{device}/ack"
        self._online = False
        self._lock = threading.Lock()

    @property
    def online(self) -> bool:
        return self._online

    def go_online(self) -> None:
        with self._lock:
            self.bus.subscribe(self.ack_topic, self._ack)
            for topic, deliver in self.subscriptions.items():
                self.bus.subscribe(topic, deliver)
            for item in self.outbox.pending():
                self.to_core(self.event_topic, item.payload, None)
            self._online = True
        self._changed()

    def go_offline(self) -> None:
        with self._lock:
            self._online = False
            self.bus.unsubscribe(self.ack_topic, self._ack)
            for topic, deliver in self.subscriptions.items():
                self.bus.unsubscribe(topic, deliver)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _ack(self, payload: bytes) -> None:
        ack = json.loads(payload)
        error = ack.get("error") or {}
        answer = self.outbox.answered(ack["seq"], ack["result"], error.get("code"))
        if answer is not None and self.on_answer is not None:
            self.on_answer(answer)
        self._changed()

    def send(self, type_: str, **fields: Unpack[EventFields]) -> Pending:
        item = self.outbox.add(type_, **fields)
        with self._lock:
            if self._online:
                self.to_core(self.event_topic, item.payload, None)
        self._changed()
        return item
