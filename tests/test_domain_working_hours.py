"""Working time: work runs inside the site's working stretches, over breaks, nights and
closed days. Pure domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.working_hours import WorkingHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours(
    periods=((time(8, 0), time(12, 0)), (time(13, 0), time(18, 30))),
    zone=SHANGHAI,
    closed_weekdays=frozenset({6}),  # Sunday
)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the week of Monday 23 November 2026, Shanghai time."""
    return datetime(2026, 11, 22 + day, hour, minute, tzinfo=SHANGHAI)


def test_work_stops_for_lunch_and_the_night() -> None:
    assert HOURS.add(local(1, 9), timedelta(hours=2)) == local(1, 11)
    assert HOURS.add(local(1, 11), timedelta(hours=2)) == local(1, 14)
    assert HOURS.add(local(1, 18), timedelta(hours=1)) == local(2, 8, 30)


def test_work_skips_a_closed_day() -> None:
    saturday = local(6, 18)
    assert HOURS.add(saturday, timedelta(hours=1)) == local(8, 8, 30)  # Monday after


def test_outside_working_time_work_begins_at_the_next_opening() -> None:
    assert HOURS.next_working(local(1, 6)) == local(1, 8)
    assert HOURS.next_working(local(1, 12, 30)) == local(1, 13)
    assert HOURS.next_working(local(1, 10)) == local(1, 10)
    assert HOURS.next_working(local(1, 18, 30)) == local(2, 8)


def test_a_day_has_its_working_length_and_a_closed_day_none() -> None:
    assert HOURS.day_length(date(2026, 11, 24)) == timedelta(hours=9.5)
    assert HOURS.day_length(date(2026, 11, 29)) == timedelta()


def test_working_hours_that_cannot_be_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkingHours(periods=((time(13, 0), time(18, 0)), (time(8, 0), time(12, 0))))
    with pytest.raises(ValueError):
        WorkingHours(periods=((time(18, 0), time(8, 0)),))
    with pytest.raises(ValueError):
        WorkingHours(closed_weekdays=frozenset(range(7)))


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=0, max_value=60 * 40),
)
def test_the_working_time_between_start_and_end_is_the_work_added(
    start: datetime, minutes: int
) -> None:
    work = timedelta(minutes=minutes)
    end = HOURS.add(start, work)
    assert end >= start
    assert HOURS.between(start, end) == work
    assert HOURS.next_working(start) <= end


ZONES = [
    SHANGHAI,
    ZoneInfo("Asia/Kathmandu"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("America/New_York"),
]

HOURS_IN = {zone: WorkingHours(zone=zone) for zone in ZONES}


@given(
    at=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_the_local_day_is_the_zones_own_at_any_offset_and_change_of_it(
    at: datetime, zone: ZoneInfo
) -> None:
    hours = HOURS_IN[zone]  # one for all the examples: the days it remembers pile up
    assert hours.day_of(at) == at.astimezone(zone).date()
    nearby = at + timedelta(minutes=(at.microsecond % 7) * 5)
    assert hours.day_of(nearby) == nearby.astimezone(zone).date()


def test_the_local_day_turns_at_a_quarter_past_in_kathmandu() -> None:
    hours = WorkingHours(zone=ZoneInfo("Asia/Kathmandu"))  # UTC+5:45: midnight is 18:15 UTC
    before, after = (datetime(2026, 11, 24, 18, m, tzinfo=UTC) for m in (10, 20))
    assert (hours.day_of(before), hours.day_of(after)) == (date(2026, 11, 24), date(2026, 11, 25))


def _added_by_the_calendar(hours: WorkingHours, start: datetime, work: timedelta) -> datetime:
    """The sum walked in datetimes, stretch by stretch: what ``add`` must come to (in UTC,
    where adding is elapsed time, not the wall clock's)."""
    start = start.astimezone(UTC)
    day, left = start.astimezone(hours.zone).date(), work
    while True:
        for begin, end in hours.spans(day):
            if end <= start:
                continue
            begin = max(begin, start)
            if begin + left <= end:
                return begin + left
            left -= end - begin
        day += timedelta(days=1)


NEW_YORK_HOURS = WorkingHours(
    periods=((time(1, 30), time(2, 45)), (time(7, 0), time(19, 0))),  # over the clock change
    zone=ZoneInfo("America/New_York"),
    closed_weekdays=frozenset({5, 6}),
)


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    work=st.timedeltas(min_value=timedelta(), max_value=timedelta(hours=60)),
    hours=st.sampled_from([HOURS, NEW_YORK_HOURS]),
    zone=st.sampled_from([UTC, SHANGHAI, ZoneInfo("America/New_York")]),
)
def test_a_sum_of_working_time_is_the_calendars_to_the_microsecond(
    start: datetime, work: timedelta, hours: WorkingHours, zone: ZoneInfo
) -> None:
    start = start.astimezone(zone)
    assert hours.add(start, work) == _added_by_the_calendar(hours, start, work)
    assert hours.next_working(start) == _added_by_the_calendar(hours, start, timedelta())


#: Zones whose clocks go forward at a time a workshop might open or close: by an hour at
#: 02:00 (New York, Berlin), by half an hour (Lord Howe), at midnight (Havana, Santiago).
GAP_ZONES = [
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("America/Havana"),
    ZoneInfo("America/Santiago"),
]


@st.composite
def quarter_hour_periods(draw: st.DrawFn) -> tuple[tuple[time, time], ...]:
    """One to three working periods in order, on quarter hours, the night's likely."""
    night = st.integers(0, 14)  # up to 03:30, where clocks go forward
    marks = draw(
        st.lists(st.one_of(night, st.integers(0, 95)), min_size=2, max_size=6, unique=True)
    )
    marks = sorted(marks)[: len(marks) // 2 * 2]
    quarter = [time(m // 4, m % 4 * 15) for m in marks]
    return tuple(zip(quarter[::2], quarter[1::2], strict=True))


@given(
    periods=quarter_hour_periods(),
    zone=st.sampled_from(GAP_ZONES),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
)
def test_a_days_stretches_are_in_order_and_apart_across_a_clock_change(
    periods: tuple[tuple[time, time], ...], zone: ZoneInfo, day: date
) -> None:
    """On the day a clock goes forward, a period that ends in the hour it skips must not
    reach over the next one: work would be counted twice there (the plan's sums, a day's
    open hours) and a forecast's stretch would be two at once."""
    hours = WorkingHours(periods=periods, zone=zone)
    change = _clock_change_near(zone, day)
    start, end = (datetime.combine(change, t, zone).utcoffset() for t in (time(0), time(23, 59)))
    if start is not None and end is not None and end > start:  # forward: no hour twice
        assert hours.day_length(change) == _really_worked(hours, change)
    for moved in (day, change):
        spans = hours.spans(moved)
        assert all(b < e for b, e in spans), spans
        assert all(e <= nb for (_, e), (nb, _) in pairwise(spans)), spans
        if spans:
            first, last = spans[0][0], spans[-1][1]
            assert hours.between(first, last) == hours.day_length(moved)
            assert hours.add(first, hours.day_length(moved)) == last


def _clock_change_near(zone: ZoneInfo, day: date) -> date:
    """The first day from ``day`` on whose offset at its end differs from at its start."""
    for n in range(400):
        d = day + timedelta(days=n)
        start = datetime.combine(d, time(0, 0), zone)
        end = datetime.combine(d, time(23, 59), zone)
        if start.utcoffset() != end.utcoffset():
            return d
    return day


def test_a_period_ending_in_the_skipped_hour_does_not_reach_over_the_next() -> None:
    """New York goes from 02:00 to 03:00 on 2026-03-08: a night shift's end at 02:30 is
    read as 03:30, after the next period's 03:00."""
    hours = WorkingHours(
        periods=((time(0, 0), time(2, 30)), (time(3, 0), time(6, 0))),
        zone=ZoneInfo("America/New_York"),
    )
    spans = hours.spans(date(2026, 3, 8))
    assert [(b.hour, b.minute, e.hour, e.minute) for b, e in spans] == [
        (5, 0, 7, 0),  # 02:30 never shows: the shift ends at the jump, 03:00 EDT
        (7, 0, 10, 0),
    ]


@pytest.mark.parametrize(
    ("periods", "worked"),
    [
        (((1, 0, 2, 30), (4, 0, 6, 0)), timedelta(hours=3)),  # 01:00 - the jump, 04:00 - 06:00
        (((0, 0, 2, 0), (2, 30, 4, 0), (20, 0, 23, 59)), timedelta(hours=6, minutes=59)),
        (((2, 30, 3, 15),), timedelta(minutes=15)),  # from the jump to 03:15
    ],
)
def test_a_day_the_clock_goes_forward_works_the_hours_that_really_pass(
    periods: tuple[tuple[int, int, int, int], ...], worked: timedelta
) -> None:
    """Berlin goes from 02:00 to 03:00 on 2026-03-29: a period starting or ending in that
    hour starts or ends at the jump, neither an hour late nor dropped."""
    wall = tuple((time(a, b), time(c, d)) for a, b, c, d in periods)
    hours = WorkingHours(periods=wall, zone=ZoneInfo("Europe/Berlin"))
    assert hours.day_length(date(2026, 3, 29)) == worked == _really_worked(hours, date(2026, 3, 29))


def _really_worked(hours: WorkingHours, day: date) -> timedelta:
    """Minute by real minute, those whose wall time on ``day`` lies in a period."""
    first = datetime.combine(day, time(0, 0), hours.zone).astimezone(UTC) - timedelta(hours=3)
    minutes = 0
    for n in range(30 * 60):
        wall = (first + timedelta(minutes=n)).astimezone(hours.zone)
        if wall.date() == day and any(a <= wall.time() < b for a, b in hours.periods):
            minutes += 1
    return timedelta(minutes=minutes)
