"""The working day a moment belongs to, and the Gantt's stretch of it, at every hour."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from core.working_day import gantt_window, working_day

ZONE = ZoneInfo("Asia/Shanghai")
OPENS, ENDS = time(8, 0), [time(12, 0), time(18, 30)]


def local(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=ZONE)


def test_the_night_belongs_to_the_evening_before_until_halfway_to_opening() -> None:
    # closed 18:30 → 08:00: halfway is 01:15
    assert working_day(local(5, 0, 30), OPENS, ENDS, ZONE) == date(2026, 12, 4)
    assert working_day(local(5, 1, 14), OPENS, ENDS, ZONE) == date(2026, 12, 4)
    assert working_day(local(5, 1, 16), OPENS, ENDS, ZONE) == date(2026, 12, 5)
    assert working_day(local(5, 23, 50), OPENS, ENDS, ZONE) == date(2026, 12, 5)


def test_a_night_shift_ending_after_midnight_keeps_its_night() -> None:
    ends = [time(2, 0)]  # open 08:00 to 02:00 the next morning; halfway to opening is 05:00
    assert working_day(local(5, 1, 30), OPENS, ends, ZONE) == date(2026, 12, 4)
    assert working_day(local(5, 4, 59), OPENS, ends, ZONE) == date(2026, 12, 4)
    assert working_day(local(5, 5, 1), OPENS, ends, ZONE) == date(2026, 12, 5)
    start, end = gantt_window(local(5, 1, 30), OPENS, ends, ZONE)
    assert (start, end) == (local(4, 7, 30), local(5, 4, 0))


def test_at_half_past_midnight_the_gantt_still_shows_the_evening() -> None:
    start, end = gantt_window(local(5, 0, 30), OPENS, ENDS, ZONE)
    assert start == local(4, 7, 30) and end == local(5, 3, 0)


def test_in_working_hours_the_gantt_is_the_day_padded_and_the_last_three_hours() -> None:
    assert gantt_window(local(5, 10, 40), OPENS, ENDS, ZONE) == (local(5, 7, 0), local(5, 19, 0))


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_the_last_three_hours_and_the_next_two_are_always_on_the_gantt(moment: datetime) -> None:
    now = moment.replace(tzinfo=UTC)
    start, end = gantt_window(now, OPENS, ENDS, ZONE)
    assert start <= now - timedelta(hours=3) and end >= now + timedelta(hours=2)
    assert end - start <= timedelta(hours=26)
