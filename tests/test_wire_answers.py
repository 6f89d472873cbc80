"""What a device is told: a refused event never stalls its sequence, and a repeat says what
became of the first, also after a restart of the core."""

from __future__ import annotations

from core.contract.messages import make_event
from core.engine import Core
from core.store.repository import Store
from tests.helpers import T0, Clock, FakeBus, Kiosk, checked_in_and_dispatched, demo_config, settle

TOPIC = "pitboard/demo/dev/kiosk-b03/event"


def test_an_event_refused_for_its_source_does_not_stall_the_device(
    core: Core, bus: FakeBus
) -> None:
    ro = checked_in_and_dispatched(core)
    # Published by kiosk-b03 but claiming to be kiosk-b04: refused, and #1 is used up.
    stranger = make_event("kiosk-b04", 1, "tech.signed_in", T0, bay="B03", tech="T002")
    core.on_message(TOPIC, stranger, token=None)
    k = Kiosk("kiosk-b03", "B03", start_seq=2)
    for type_, kw in [("tech.signed_in", {}), ("job.started", {"job": ro})]:
        core.on_message(*k.event(type_, tech="T002", **kw), token=None)
    settle(core, bus, 3)
    answers = [(a["seq"], a["result"]) for a in bus.acks("kiosk-b03")]
    assert answers == [(1, "rejected"), (2, "applied"), (3, "applied")]
    assert bus.acks("kiosk-b03")[0]["error"]["code"] == "source_mismatch"
    assert core.counters.held == 0


def test_a_repeat_of_a_refused_event_is_refused_again_with_its_code(
    store: Store, bus: FakeBus, clock: Clock
) -> None:
    core = Core(demo_config(), store, bus, clock)
    core.start()
    k = Kiosk("kiosk-b03", "B03")
    refused = k.event("job.started", job="RO-NOT-HERE")
    signed_in = k.event("tech.signed_in")
    try:
        # The repeat in the same batch as the first, and again in a later one.
        for topic, payload in (refused, refused, signed_in):
            core.on_message(topic, payload, token=None)
        settle(core, bus, 3)
        core.on_message(*refused, token=None)
        core.on_message(*signed_in, token=None)
        settle(core, bus, 5)
    finally:
        core.stop()
    again = Core(demo_config(), store, bus, clock)  # the core restarted: the store answers
    again.start()
    try:
        core_acks = len(bus.acks("kiosk-b03"))
        again.on_message(*refused, token=None)
        again.on_message(*signed_in, token=None)
        settle(again, bus, core_acks + 2)
    finally:
        again.stop()
    answers = [
        (a["seq"], a["result"], (a["error"] or {}).get("code")) for a in bus.acks("kiosk-b03")
    ]
    assert answers == [
        (1, "rejected", "unknown_job"),
        (1, "rejected", "unknown_job"),
        (2, "applied", None),
        (1, "rejected", "unknown_job"),
        (2, "duplicate", None),
        (1, "rejected", "unknown_job"),
        (2, "duplicate", None),
    ]
    assert [(s, r) for s, r, _ in store.inbox_results("kiosk-b03")] == [
        (1, "rejected"),
        (2, "applied"),
    ]
