"""The core's threads hand the interpreter over less often in a flood than between taps,
and the interval the process set comes back once the flood is over or the core stops."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from core.engine import Core, pacing
from core.engine.pacing import FLOOD_SWITCH, Pacing
from core.store.repository import Store
from tests.helpers import Clock, FakeBus, Kiosk, demo_config
from tests.waiting import wait_until

BETWEEN_TAPS = 0.0005


@pytest.fixture
def intervals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The intervals set, in order (the test process's own left alone)."""
    current = [BETWEEN_TAPS]
    set_to: list[float] = []

    def setswitchinterval(seconds: float) -> None:
        current[0] = seconds
        set_to.append(seconds)

    monkeypatch.setattr(pacing.sys, "getswitchinterval", lambda: current[0])
    monkeypatch.setattr(pacing.sys, "setswitchinterval", setswitchinterval)
    yield set_to


def test_only_a_change_of_pace_sets_the_interval(intervals: list[float]) -> None:
    pace = Pacing(flood=10)
    pace.begin()
    for size in (1, 3, 10, 11, 500, 40, 2, 1, 300):
        pace.batch(size)
    pace.end()
    assert intervals == [FLOOD_SWITCH, BETWEEN_TAPS, FLOOD_SWITCH, BETWEEN_TAPS]


def test_a_process_that_hands_over_seldom_keeps_its_interval_in_a_flood(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_to: list[float] = []
    monkeypatch.setattr(pacing.sys, "getswitchinterval", lambda: 0.02)
    monkeypatch.setattr(pacing.sys, "setswitchinterval", set_to.append)
    pace = Pacing(flood=10)
    pace.begin()
    pace.batch(500)
    assert set_to == [0.02]


def test_the_core_paces_a_flood_then_a_tap(store: Store, intervals: list[float]) -> None:
    bus = FakeBus()
    core = Core(demo_config(), store, bus, Clock())
    kiosk = Kiosk("kiosk-b03", "B03")
    for n in range(30):  # queued before the loop runs: its first batch is a flood
        core.on_message(*kiosk.event("tech.signed_out" if n % 2 else "tech.signed_in"), None)
    core.start()
    try:
        wait_until(lambda: len(bus.acks("kiosk-b03")) == 30, "the flood's acks")
        assert intervals == [FLOOD_SWITCH]
        core.on_message(*kiosk.event("tech.signed_in"), None)
        wait_until(lambda: len(bus.acks("kiosk-b03")) == 31, "the tap's ack")
        assert intervals == [FLOOD_SWITCH, BETWEEN_TAPS]
    finally:
        core.stop()
    assert sys.getswitchinterval() > 0  # the test process's own was never touched
