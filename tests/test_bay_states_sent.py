"""A bay's state goes out when what it shows changed, not when only its time did: the
retained state already says it (steps that cancel out within a batch, a reconnect)."""

from __future__ import annotations

from datetime import timedelta

from core.contract.messages import dump
from core.engine.device_health import DeviceHealth
from core.engine.items import Counters
from core.engine.view_publisher import ViewPublisher, without_time
from tests.helpers import T0, FakeBus, demo_config, domain_workshop, order

CONFIG = demo_config()


def states_sent(bus: FakeBus) -> list[bytes]:
    return [p for t, p, _, _ in bus.published if t.endswith("/bay/B01/state")]


def test_a_state_that_shows_the_same_at_a_later_time_is_not_sent_again() -> None:
    ws = domain_workshop()
    bus = FakeBus()
    views = ViewPublisher(CONFIG, bus, DeviceHealth(CONFIG), Counters(), lambda: T0)
    views.send_states(views.make_states(ws, T0, {"B01"}))
    later = T0 + timedelta(seconds=5)
    views.send_states(views.make_states(ws, later, {"B01"}))
    assert len(states_sent(bus)) == 1

    ro = ws.check_in(order(), later).ro
    ws.dispatch(ro, "B01", later)
    views.send_states(views.make_states(ws, later, {"B01"}))
    assert len(states_sent(bus)) == 2  # a car in its queue now
    views.send_states(views.make_states(ws, later, {"B01"}), force=True)
    assert len(states_sent(bus)) == 3  # the broker may have lost it: sent whatever it shows


def test_the_time_is_taken_out_of_the_text_itself() -> None:
    """The text the state is sent as, less its time: not the model written again."""
    ws = domain_workshop()
    views = ViewPublisher(CONFIG, FakeBus(), DeviceHealth(CONFIG), Counters(), lambda: T0)
    ((state, text),) = views.make_states(ws, T0, {"B01"}).states
    timeless = without_time(state, text)
    assert b'"updated_at":null' not in timeless  # the model written again would say so
    assert b"updated_at" not in timeless and len(timeless) < len(text)
    moved = state.model_copy(update={"updated_at": T0 + timedelta(minutes=1)})
    assert without_time(moved, dump(moved)) == timeless
