"""Which working day a moment belongs to, and the stretch of it the dispatch board's Gantt
spans: the same answer for the core that cuts the bars and the board that draws them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MARGIN = timedelta(minutes=30)
LOOK_BACK = timedelta(hours=3)
LOOK_AHEAD = timedelta(hours=3)  # from the hour begun: at least the next two


def _closing(day: date, opens: time, ends: Sequence[time], zone: ZoneInfo) -> datetime:
    last = max(ends, default=time(18, 0))
    closes = datetime.combine(day, last, zone)
    # A last shift ending at or before opening time ends after midnight (a night shift).
    return closes + timedelta(days=1) if last <= opens else closes


def working_day(now: datetime, opens: time, ends: Sequence[time], zone: ZoneInfo) -> date:
    """The day whose work ``now`` belongs to. The night belongs to the evening before it
    until halfway between closing and the next opening: at 00:30 the foreman still looks
    at the day that just ended, at 07:00 at the one about to begin."""
    local = now.astimezone(zone)
    yesterday = local.date() - timedelta(days=1)
    closed = _closing(yesterday, opens, ends, zone)
    reopens = datetime.combine(local.date(), opens, zone)
    if reopens <= closed:  # open round the clock: the calendar decides
        return local.date()
    return yesterday if local < closed + (reopens - closed) / 2 else local.date()


def gantt_window(
    now: datetime, opens: time, ends: Sequence[time], zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """From opening to the last shift end of the working day, padded, and always at least
    the last three hours and the next two, so the work at hand is on the board at any hour."""
    day = working_day(now, opens, ends, zone)
    start = datetime.combine(day, opens, zone) - MARGIN
    end = _closing(day, opens, ends, zone) + MARGIN
    hour = now.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    return min(start, hour - LOOK_BACK), max(end, hour + LOOK_AHEAD)


def day_periods(opens: time, ends: Sequence[time]) -> list[tuple[time, time]]:
    """The local stretches of a calendar day the workshop works, in order: from opening to
    the last shift end; a last shift ending at or before opening ends after midnight, so the
    day holds the night's end too (midnight to it), and one ending at the opening time
    itself works round the clock."""
    last = max(ends, default=time(18, 0))
    if last > opens:
        return [(opens, last)]
    if last == time(0, 0) or opens == time(0, 0):
        return [(opens, time.max)]
    return [(time(0, 0), last), (opens, time.max)]


def open_hours(
    opens: time, ends: Sequence[time], breaks: Sequence[tuple[time, time]] = ()
) -> float:
    """How long a bay is open on a working day: from opening to the last shift's end (past
    midnight for a night shift), its breaks left out."""

    def hours(at: time) -> float:
        return 24.0 if at == time.max else at.hour + at.minute / 60

    open_ = sum(hours(end) - hours(start) for start, end in day_periods(opens, ends))
    shut = sum(hours(end) - hours(start) for start, end in breaks)
    return max(0.0, open_ - shut)
