"""The lounge when nobody taps: what the clock alone changes (a car over its time, its
prediction moving minute by minute) reaches the lounge's screens without waiting for the
next tap somewhere in the workshop."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Any

from core.commands import CheckInCar, Dispatch
from core.engine import Core, Incoming, WebCommand
from core.store.repository import Store
from tests.helpers import T0, Clock, FakeBus, Kiosk, demo_config, order


def lounge_times(bus: FakeBus) -> dict[str, str | None]:
    """Each car's predicted time on the lounge last sent."""
    return {c["plate"]: c["predicted_at"] for c in bus.last("view/lounge")["cars"]}


def lounges_sent(bus: FakeBus) -> int:
    return sum(1 for topic, *_ in bus.published if topic.endswith("view/lounge"))


def loop_between_taps(core: Core, bus: FakeBus, clock: Clock, site_seconds: float) -> int:
    """What the core's loop does while no tap comes, for ``site_seconds`` of the site's
    clock: it waits as long as the core says, then does its own work. How many lounges it
    sent meanwhile."""
    before, end = lounges_sent(bus), clock.now.timestamp() + site_seconds
    for _ in range(10_000):
        core.step.refresh()
        left = end - clock.now.timestamp()
        if left <= 0:
            return lounges_sent(bus) - before
        due = core.step.seconds_to_lounge()
        clock.advance(seconds=left if due is None else min(left, max(due, 0.001)))
    raise AssertionError("the loop never came to the end")


def test_a_car_over_its_time_moves_on_the_lounge_with_no_tap(store: Store) -> None:
    clock, bus = Clock(T0), FakeBus()
    core = Core(demo_config(), store, bus, clock)
    checked = Future[Any]()
    core.step.process([WebCommand(CheckInCar(order(hours=1.0)), "advisor:SA01", checked)])
    ro = checked.result(0).ro
    core.step.process([WebCommand(Dispatch(ro, "B03"), "foreman:F001", Future())])
    k = Kiosk("kiosk-b03", "B03")
    tapped = [k.event("tech.signed_in", tech="T002"), k.event("job.started", job=ro, tech="T002")]
    for topic, payload in tapped:
        core.step.process([Incoming(topic, payload, None, T0)])
    at_start = lounge_times(bus)
    plate = next(iter(at_start))
    # An hour and a half on, nobody having tapped: the car is half an hour over its time, so
    # it cannot be ready before now; the lounge must not still say an hour ago.
    sent = loop_between_taps(core, bus, clock, 90 * 60)
    shown, first = lounge_times(bus)[plate], at_start[plate]
    assert shown is not None and first is not None
    assert datetime.fromisoformat(shown) > datetime.fromisoformat(first) + timedelta(minutes=29)
    # Its progress bar's fifty steps through its hour, then its minute once a minute: what
    # the screen shows changes that often, and nothing is sent more often than that.
    assert 70 <= sent <= 90, sent
