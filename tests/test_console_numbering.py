"""A console sent to by hand (numbering = "rising"): any number above its last is its next,
a repeat is a repeat, an older number is refused; a kiosk's numbering stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import ConfigError, parse_config
from core.contract.messages import make_event
from core.contract.numbering import Numbering
from core.engine import Core
from core.engine.batch import RISING_LIMIT
from core.engine.items import Counters
from core.engine.sequence import Place, SequenceKeeper
from core.store.repository import Store
from tests.helpers import DEMO_SITE, T0, Clock, FakeBus, Kiosk, demo_config, settle

KIOSK, CONSOLE = "kiosk-b03", "console-b03"
NOW = 1_764_000_000  # `date +%s` on the day the console is used


def keeper(last: dict[str, int]) -> SequenceKeeper:
    keeper = SequenceKeeper(last, Counters(), rising=frozenset({CONSOLE}))
    keeper.begin()
    return keeper


@pytest.mark.parametrize(
    ("seq", "place"),
    [
        (NOW + 1, Place.NEXT),  # the next second
        (NOW + 3600, Place.NEXT),  # an hour later: the numbers between are skipped
        (NOW, Place.HAD),  # the same number again: a repeat
        (NOW - 60, Place.HAD),  # older: never its next
        (1, Place.HAD),
    ],
)
def test_a_console_takes_any_number_above_its_last_as_next(seq: int, place: Place) -> None:
    assert keeper({CONSOLE: NOW}).place(CONSOLE, seq) is place


def test_a_console_starts_anywhere() -> None:
    assert keeper({}).place(CONSOLE, NOW) is Place.NEXT


@pytest.mark.parametrize(
    ("seq", "place"),
    [(6, Place.NEXT), (8, Place.AHEAD), (5, Place.HAD), (2, Place.HAD)],
)
def test_a_kiosk_beside_it_still_waits_for_a_gap(seq: int, place: Place) -> None:
    assert keeper({KIOSK: 5, CONSOLE: NOW}).place(KIOSK, seq) is place


def test_a_kiosk_with_no_number_yet_starts_at_1() -> None:
    k = keeper({CONSOLE: NOW})
    assert k.place(KIOSK, 1) is Place.NEXT
    assert k.place(KIOSK, NOW + 1) is Place.AHEAD, "a console's numbers are no kiosk's"


def test_the_number_a_console_used_is_where_it_stands_once_committed() -> None:
    counters = Counters()
    k = SequenceKeeper({CONSOLE: NOW}, counters, rising=frozenset({CONSOLE}))
    k.begin()
    k.take(CONSOLE, NOW + 10, "applied", None, datetime_of(NOW + 10), "d1")
    assert k.place(CONSOLE, NOW + 5) is Place.HAD  # skipped: below the number just used
    assert k.place(CONSOLE, NOW + 10) is Place.HAD
    assert k.place(CONSOLE, NOW + 11) is Place.NEXT
    k.begin()  # the batch did not commit: the console stands where it stood
    assert k.place(CONSOLE, NOW + 5) is Place.NEXT
    k.take(CONSOLE, NOW + 10, "applied", None, datetime_of(NOW + 10), "d1")
    k.commit()
    k.begin()
    assert k.place(CONSOLE, NOW + 5) is Place.HAD
    assert (counters.held, k.skips(CONSOLE), k.skips(KIOSK)) == (0, True, False)


def datetime_of(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# ------------------------------------------------------------------ through the core
def tap(seq: int, seconds: int = 0, tech: str = "T002", **kw: Any) -> tuple[str, bytes]:
    """A sign-in at bay 3 as the console sends it, ``seconds`` after T0."""
    ts = T0 + timedelta(seconds=seconds)
    payload = make_event(CONSOLE, seq, "tech.signed_in", ts, bay="B03", tech=tech, **kw)
    return f"pitboard/demo/dev/{CONSOLE}/event", payload


def answers(bus: FakeBus) -> list[tuple[int, str, str | None]]:
    return [(a["seq"], a["result"], (a["error"] or {}).get("code")) for a in bus.acks(CONSOLE)]


def test_the_same_line_a_second_later_is_applied_and_a_repeat_is_a_duplicate(
    core: Core, bus: FakeBus, store: Store
) -> None:
    first, later = tap(NOW), tap(NOW + 1, seconds=1)
    for message in (first, later, later, first):
        core.on_message(*message, token=None)
    settle(core, bus, 4, CONSOLE)
    assert answers(bus) == [
        (NOW, "applied", None),
        (NOW + 1, "applied", None),
        (NOW + 1, "duplicate", None),
        (NOW, "duplicate", None),
    ]
    assert core.counters.held == 0
    assert core.ws.tech_states["T002"].signed_in_at == T0 + timedelta(seconds=1)
    assert len(store.audit_events(CONSOLE)) == 2


def test_an_older_number_is_refused_and_changes_nothing_also_after_a_restart(
    store: Store, bus: FakeBus, clock: Clock
) -> None:
    core = Core(demo_config(), store, bus, clock)
    core.start()
    try:
        core.on_message(*tap(NOW + 60, seconds=60), token=None)
        core.on_message(*tap(NOW + 30, seconds=30, tech="T003"), token=None)  # skipped
        core.on_message(*tap(NOW + 60, seconds=60, tech="T003"), token=None)  # other bytes
        settle(core, bus, 3, CONSOLE)
        assert getattr(core.ws.tech_states.get("T003"), "bay", None) is None
    finally:
        core.stop()
    again = Core(demo_config(), store, bus, clock)  # the store answers now
    again.start()
    try:
        again.on_message(*tap(NOW + 30, seconds=30, tech="T003"), token=None)
        again.on_message(*tap(NOW + 60, seconds=60), token=None)
        again.on_message(*tap(NOW + 90, seconds=90, tech="T003"), token=None)
        settle(again, bus, 6, CONSOLE)
        assert again.ws.tech_states["T003"].bay == "B03"
    finally:
        again.stop()
    assert answers(bus) == [
        (NOW + 60, "applied", None),
        (NOW + 30, "rejected", "seq_taken"),
        (NOW + 60, "rejected", "seq_taken"),
        (NOW + 30, "rejected", "seq_taken"),
        (NOW + 60, "duplicate", None),
        (NOW + 90, "applied", None),
    ]
    assert [a["next_seq"] for a in bus.acks(CONSOLE)][1:4] == [NOW + 61] * 3


def test_a_number_past_a_consoles_limit_is_refused_without_being_used_up(
    core: Core, bus: FakeBus, store: Store
) -> None:
    """A typo of a number, or the contract's very last one, would otherwise leave a console
    that may only rise with no number to send next, for good."""
    for seq in (RISING_LIMIT + 1, 2**63 - 1):
        core.on_message(*tap(seq), token=None)
    core.on_message(*tap(NOW), token=None)  # the console goes on from where it was
    settle(core, bus, 3, CONSOLE)
    assert answers(bus) == [
        (RISING_LIMIT + 1, "rejected", "invalid_envelope"),
        (2**63 - 1, "rejected", "invalid_envelope"),
        (NOW, "applied", None),
    ]
    assert store.inbox_results(CONSOLE) == [(NOW, "applied", None)]
    broken = tap(2**63 - 1)[1].replace(b"tech.signed_in", b"tech.signed_inn")
    core.on_message(f"pitboard/demo/dev/{CONSOLE}/event", broken, token=None)  # no event
    settle(core, bus, 4, CONSOLE)
    assert answers(bus)[-1] == (2**63 - 1, "rejected", "unknown_event_type")
    assert store.inbox_results(CONSOLE) == [(NOW, "applied", None)]  # not used up either
    core.on_message(*tap(RISING_LIMIT, seconds=1), token=None)  # the limit itself: its last
    settle(core, bus, 5, CONSOLE)
    assert answers(bus)[-1] == (RISING_LIMIT, "applied", None)


def test_a_kiosk_at_the_same_bay_still_waits_for_its_gap(core: Core, bus: FakeBus) -> None:
    kiosk = Kiosk(KIOSK, "B03")
    signed_in, signed_out = kiosk.event("tech.signed_in"), kiosk.event("tech.signed_out")
    core.on_message(*signed_out, token="early")  # #2 overtook #1
    core.on_message(*tap(NOW), token=None)
    settle(core, bus, 1, CONSOLE)
    assert bus.acks(KIOSK) == [] and core.counters.held == 1
    core.on_message(*signed_in, token=None)
    core.on_message(*signed_out, token=None)
    settle(core, bus, 2, KIOSK)
    assert [(a["seq"], a["result"]) for a in bus.acks(KIOSK)] == [(1, "applied"), (2, "applied")]


# ------------------------------------------------------------------ the configuration
def test_no_kiosk_process_taps_as_a_console(tmp_path: Path) -> None:
    from kiosk.app import kiosk_device

    cfg = demo_config()
    console = next(k for k in cfg.kiosks if k.device == CONSOLE)
    first = cfg.model_copy(update={"kiosks": [console, *cfg.kiosks]})  # listed first at B03
    assert console.numbering is Numbering.RISING
    assert kiosk_device(first, "B03") == KIOSK
    assert first.rising_numbered == frozenset({CONSOLE})
    alone = cfg.model_copy(update={"kiosks": [console]})
    with pytest.raises(ValueError, match="no kiosk is configured at bay 'B03'"):
        kiosk_device(alone, "B03")


def test_a_numbering_that_is_not_one_is_refused() -> None:
    text = DEMO_SITE.read_text(encoding="utf-8").replace(
        'numbering = "rising"', 'numbering = "clock"'
    )
    with pytest.raises(ConfigError, match=r"kiosks\.\d+\.numbering"):
        parse_config(text)
