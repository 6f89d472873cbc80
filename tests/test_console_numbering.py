"""A console sent to by hand (numbering = "rising"): any number above its last is its next,
a repeat is a repeat, an older number is refused; a kiosk's numbering stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.engine.items import Counters
from core.engine.sequence import Place, SequenceKeeper

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
