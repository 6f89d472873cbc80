"""A core whose loop can be held where it waits for work, the broker side that records
each ack with the thread that published it, and a kiosk's tap handed to the core as the
MQTT thread hands it: for the tests of taps applied on the thread that read them."""

from __future__ import annotations

import json
import threading

import pytest

from core.engine import Core
from tests.helpers import Kiosk


class Wire:
    """The broker side: each ack and the thread that published it."""

    def __init__(self) -> None:
        self.acks: list[tuple[int, str, str]] = []
        self.pubacks: list[object] = []

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if topic.endswith("/ack"):
            ack = json.loads(payload)
            self.acks.append((ack["seq"], ack["result"], threading.current_thread().name))

    def puback(self, token: object) -> None:
        self.pubacks.append(token)

    def send_now(self) -> None:
        pass


class HeldLoop:
    """The core's loop stopped where it waits for work, holding no turn: what is queued
    stays queued until ``release``."""

    def __init__(self, core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
        self.core = core
        self.entered, self.go = threading.Event(), threading.Event()
        self.go.set()
        real = core._queue.wait

        def wait(timeout: float) -> None:
            if not self.go.is_set():
                self.entered.set()
                self.go.wait(10)
            real(timeout)

        monkeypatch.setattr(core._queue, "wait", wait)

    def hold(self) -> None:
        self.entered.clear()
        self.go.clear()
        self.core._queue.poke()  # out of the wait it is in, into the held one
        assert self.entered.wait(10), "the loop did not come to its wait"

    def release(self) -> None:
        self.go.set()


def tap(core: Core, kiosk: Kiosk, type_: str = "tech.signed_in", token: object = None) -> None:
    topic, payload = kiosk.event(type_, tech="T001")
    core.on_message(topic, payload, token)
