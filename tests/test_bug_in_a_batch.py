"""A fault of the core's own in a batch (a bug, not the database): the workshop is read
again from the store, so nothing the failed batch changed in memory is believed; the
batch's items are handled again one by one; the one that fails alone is refused
``internal_error`` under its number, so the device goes on with its next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import core.engine.batch as batch_module
from core.config import bays_from_config, technicians_from_config
from core.contract.messages import Event
from core.engine import Core
from core.store.repository import Store
from tests.held_loop import HeldLoop, Wire
from tests.helpers import Clock, Kiosk, demo_config
from tests.waiting import wait_until


@pytest.fixture
def running(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Core, Wire, HeldLoop]]:
    wire = Wire()
    core = Core(demo_config(), store, wire, Clock())
    core.start()
    loop = HeldLoop(core, monkeypatch)
    yield core, wire, loop
    loop.release()
    core.stop()


def a_bug_at(monkeypatch: pytest.MonkeyPatch, seq: int) -> None:
    """The event numbered ``seq`` is applied to the workshop, then the core fails on it."""
    real = batch_module.apply_event

    def apply(ws: Any, event: Event) -> None:
        real(ws, event)
        if event.envelope.seq == seq:
            raise RuntimeError("a bug in the core")

    monkeypatch.setattr(batch_module, "apply_event", apply)


def stored_bay(core: Core, tech: str) -> str | None:
    """Where the store says the technician is signed in."""
    cfg = core.config
    ws = core.store.load_workshop(bays_from_config(cfg), technicians_from_config(cfg))
    return ws.tech_state(tech).bay


def test_a_bug_amid_a_batch_refuses_its_one_event_and_applies_the_others_once(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the bug is logged
    core, wire, loop = running
    a_bug_at(monkeypatch, 2)
    k = Kiosk("kiosk-b03", "B03")
    loop.hold()
    core.stop_straight()  # every tap queued: the three are one batch
    for tech in ("T001", "T002", "T003"):
        core.on_message(*k.event("tech.signed_in", tech=tech), token=tech)
    loop.release()
    wait_until(lambda: len(wire.acks) == 3, what="three answers")
    assert [(seq, result) for seq, result, _ in wire.acks] == [
        (1, "applied"),
        (2, "rejected"),
        (3, "applied"),
    ]
    assert core.store.inbox_results("kiosk-b03") == [
        (1, "applied", None),
        (2, "rejected", "internal_error"),
        (3, "applied", None),
    ]
    assert sorted(str(t) for t in wire.pubacks) == ["T001", "T002", "T003"]
    # T002's sign-in, applied in memory before the bug, is not believed: memory is the store.
    signed = {t: core.ws.tech_state(t).bay for t in ("T001", "T002", "T003")}
    assert signed == {"T001": "B03", "T002": None, "T003": "B03"}
    assert {t: stored_bay(core, t) for t in signed} == signed
    core.on_message(*k.event("tech.signed_in", tech="T002"), token=None)  # #4: the kiosk goes on
    wait_until(lambda: len(wire.acks) == 4, what="the next tap answered")
    assert wire.acks[-1][:2] == (4, "applied")
    assert any(r.exc_info for r in caplog.records), "the bug is in the log, with its trace"


def test_a_lone_tap_a_bug_fails_on_is_refused_and_what_it_did_in_memory_undone(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, _ = running
    a_bug_at(monkeypatch, 1)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T001"), token="t1")  # applied as it came
    wait_until(lambda: len(wire.acks) == 1, what="the tap answered")
    assert wire.acks[0][:2] == (1, "rejected")
    assert core.ws.tech_state("T001").bay is None and stored_bay(core, "T001") is None
    core.on_message(*k.event("tech.signed_in", tech="T001"), token="t2")
    wait_until(lambda: len(wire.acks) == 2, what="the next tap answered")
    assert wire.acks[-1][:2] == (2, "applied")
    assert core.ws.tech_state("T001").bay == "B03"


def bug_in_the_next_answer(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    real, failures = core.step.answer, [1]

    def answer(out: Any) -> None:
        if failures:
            failures.pop()
            raise RuntimeError("a bug after the commit")
        real(out)

    monkeypatch.setattr(core.step, "answer", answer)


def test_a_bug_after_a_batch_was_stored_does_it_no_second_time(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, loop = running
    bug_in_the_next_answer(core, monkeypatch)
    k = Kiosk("kiosk-b03", "B03")
    signin = k.event("tech.signed_in", tech="T001")
    loop.hold()
    core.stop_straight()
    core.on_message(*signin, token="t1")
    loop.release()
    wait_until(lambda: wire.pubacks == ["t1"], what="the stored tap let go by the broker")
    assert wire.acks == []  # its answer was lost to the bug
    assert core.store.inbox_results("kiosk-b03") == [(1, "applied", None)]
    assert core.ws.tech_state("T001").bay == "B03"
    core.on_message(*signin, token="t1 again")  # the kiosk, unanswered, sends it again
    wait_until(lambda: len(wire.acks) == 1, what="the repeat answered")
    assert wire.acks[0][:2] == (1, "duplicate")
    assert core.store.inbox_results("kiosk-b03") == [(1, "applied", None)]


def test_a_tap_applied_as_it_came_and_stored_before_a_bug_is_answered_by_the_loop(
    running: tuple[Core, Wire, HeldLoop],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    core, wire, _ = running
    bug_in_the_next_answer(core, monkeypatch)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T001"), token="t1")
    wait_until(lambda: len(wire.acks) == 1, what="an answer after the store was read again")
    assert wire.acks[0][:2] == (1, "duplicate")  # stored once: the kiosk takes it as applied
    assert core.store.inbox_results("kiosk-b03") == [(1, "applied", None)]
    assert core.ws.tech_state("T001").bay == "B03"
