"""A misbehaving client: the spare tablet at a bay, on plain paho with none of Pitboard's
device code. It sends its events in bursts, shuffled, some twice, repeats old ones the core
has answered long ago, and sends whatever is unanswered again every second in a new order.
Its technician signs in and out in turn, so the core can apply each event only in order.
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.contract.messages import make_event

RESEND_EVERY = 1.0


class MisbehavingTablet:
    def __init__(
        self, port: int, site: str, device: str, bay: str, tech: str, password: str, seed: str
    ) -> None:
        self.site, self.device, self.bay, self.tech = site, device, bay, tech
        self.events: dict[int, bytes] = {}
        self.sent: dict[int, tuple[str, datetime]] = {}  # seq → (type, ts)
        self.answers: dict[int, str] = {}  # seq → first answer: applied | duplicate | rejected
        self.duplicates_sent = 0
        self.reordered_bursts = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._topic = f"pitboard/{site}/dev/{device}/event"
        self._ack_topic = f"pitboard/{site}/dev/{device}/ack"
        self.c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"soak-{device}",
            protocol=mqtt.MQTTv5,
        )
        self.c.username_pw_set(device, password)
        self.c.reconnect_delay_set(1, 2)
        self.c.on_connect = self._connected
        self.c.on_message = self._message
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        self._thread = threading.Thread(target=self._resend, name="tablet", daemon=True)
        self._thread.start()

    def _connected(self, c: mqtt.Client, *_: Any) -> None:
        c.subscribe(self._ack_topic, qos=1)

    def _message(self, _c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
        try:
            ack = json.loads(m.payload)
            seq, result = int(ack["seq"]), str(ack["result"])
        except (ValueError, KeyError, TypeError):
            return
        with self._lock:
            self.answers.setdefault(seq, result)

    def _publish(self, seqs: list[int]) -> None:
        for seq in seqs:
            self.c.publish(self._topic, self.events[seq], qos=1)

    def burst(self, size: int) -> None:
        """``size`` new events in a shuffled order, some twice, and an old one again."""
        with self._lock:
            first = len(self.events) + 1
            for seq in range(first, first + size):
                kind = "tech.signed_in" if seq % 2 else "tech.signed_out"
                ts = datetime.now(UTC)
                self.events[seq] = make_event(
                    self.device, seq, kind, ts, bay=self.bay, tech=self.tech
                )
                self.sent[seq] = (kind, ts)
            new = list(range(first, first + size))
            order = new + self._rng.sample(new, k=self._rng.randint(1, size))
            old = [s for s in self.answers if s < first]
            order += self._rng.sample(old, k=min(len(old), self._rng.randint(0, 2)))
            self._rng.shuffle(order)
            self.duplicates_sent += len(order) - size
            self.reordered_bursts += int(order[:size] != new)
        self._publish(order)

    def unanswered(self) -> list[int]:
        with self._lock:
            return [s for s in self.events if s not in self.answers]

    def _resend(self) -> None:
        while not self._stop.wait(RESEND_EVERY):
            waiting = self.unanswered()
            self._rng.shuffle(waiting)
            self._publish(waiting)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.c.disconnect()
        self.c.loop_stop()


def wait_answered(tablet: MisbehavingTablet, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while tablet.unanswered():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
