"""The site's working time: the stretches of each day the workshop works, and sums over
them. Planned work runs only inside them, so an hour of work begun ten minutes before
closing ends fifty minutes after the next opening."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

Span = tuple[datetime, datetime]

#: How far ahead a sum of working time may reach: a guard against a calendar with no work.
LONGEST_REACH_DAYS = 3660
QUARTER_HOUR = 15 * 60  # seconds
DAYS_KEPT = 10_000  # quarter hours whose local day is kept
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_DAY = timedelta(days=1)
_QUARTER_US = QUARTER_HOUR * 1_000_000


@dataclass(frozen=True)
class WorkingHours:
    """When the workshop works: the same stretches every open day, in the site's zone.

    ``periods`` are local (start, end) times within one day, in order, e.g. 08:00–12:00 and
    13:00–18:30 for a lunch break; ``closed_weekdays`` are days with no work (0 is Monday).
    """

    periods: tuple[tuple[time, time], ...] = ((time(8, 0), time(18, 0)),)
    zone: tzinfo = UTC
    closed_weekdays: frozenset[int] = field(default_factory=frozenset)
    # The days' stretches as worked out, by day, and the local day of each quarter hour:
    # planning asks for the same few of both thousands of times.
    _spans: dict[date, tuple[Span, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _days: dict[int, date] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _spans_in_us: dict[date, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("working hours need at least one period")
        ends = time.min
        for start, end in self.periods:
            if not ends <= start < end:
                raise ValueError(f"working periods must be in order and apart: {self.periods}")
            ends = end
        if set(range(7)) <= self.closed_weekdays:
            raise ValueError("working hours closed on every day of the week")

    def day_of(self, at: datetime) -> date:
        """The local calendar day of ``at``."""
        # Every zone's offset, and every change of it, is on a quarter hour: the local day
        # is the same all through a quarter hour of UTC.
        quarter = int(at.timestamp() // QUARTER_HOUR)
        day = self._days.get(quarter)
        if day is None:
            if len(self._days) > DAYS_KEPT:
                self._days.clear()
            day = self._days[quarter] = at.astimezone(self.zone).date()
        return day

    def spans(self, day: date) -> tuple[Span, ...]:
        """The day's working stretches as instants (UTC), none on a closed day."""
        found = self._spans.get(day)
        if found is None:
            found = self._spans[day] = _day_spans(self, day)
        return found

    def day_length(self, day: date) -> timedelta:
        return sum((end - start for start, end in self.spans(day)), timedelta())

    def next_working(self, at: datetime) -> datetime:
        """``at`` itself when the workshop works then, else the next opening."""
        return self.add(at, timedelta())

    def add(self, start: datetime, work: timedelta) -> datetime:
        """When ``work`` of working time begun at ``start`` is done; with no work, when work
        begun at ``start`` would really begin. In UTC: a zone's datetime adds on its wall
        clock, an hour off over its change."""
        done = self.add_us((start - EPOCH) // MICROSECOND, work // MICROSECOND)
        return EPOCH + done * MICROSECOND

    def add_us(self, at: int, left: int) -> int:
        """``add`` in whole microseconds since the epoch: a plan adds up thousands of these,
        and integers are exact and several times quicker than datetimes."""
        day = self._days.get(at // _QUARTER_US) or self.day_of(EPOCH + at * MICROSECOND)
        for _ in range(LONGEST_REACH_DAYS):
            for begin, end in self._spans_us(day):
                if end <= at:
                    continue
                if begin < at:
                    begin = at
                if begin + left <= end:
                    return begin + left
                left -= end - begin
            day += _DAY
        raise ValueError(f"no working time within {LONGEST_REACH_DAYS} days of {at} µs")

    def _spans_us(self, day: date) -> tuple[tuple[int, int], ...]:
        found = self._spans_in_us.get(day)
        if found is None:
            found = self._spans_in_us[day] = tuple(
                ((b - EPOCH) // MICROSECOND, (e - EPOCH) // MICROSECOND) for b, e in self.spans(day)
            )
        return found

    def phase(self, at: datetime) -> tuple[bool, datetime]:
        """Whether the workshop works at ``at`` (a stretch includes its start, not its
        end), and when that next changes: the stretch's end, or the next opening."""
        day = self.day_of(at)
        for _ in range(LONGEST_REACH_DAYS):
            for begin, end in self.spans(day):
                if at < begin:
                    return False, begin
                if at < end:
                    return True, end
            day += _DAY
        raise ValueError(f"no working time within {LONGEST_REACH_DAYS} days of {at}")

    def stretch(self, at: datetime) -> Span:
        """The working stretch that holds ``at``, its end included (``add`` may end a piece
        of work exactly at closing): ``at`` must be one ``add`` could give."""
        for day in (self.day_of(at), self.day_of(at) - _DAY):
            for begin, end in self.spans(day):
                if begin <= at <= end:
                    return begin, end
        raise ValueError(f"{at} is outside the working time")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from ``start`` to ``end``."""
        total, day = timedelta(), self.day_of(start)
        while day <= self.day_of(end):
            for begin, finish in self.spans(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total


def _day_spans(hours: WorkingHours, day: date) -> tuple[Span, ...]:
    # Instants in UTC: arithmetic on them is real elapsed time, whatever the zone's rules.
    if day.weekday() in hours.closed_weekdays:
        return ()
    spans: list[Span] = []
    for start, end in hours.periods:
        begin, finish = _instant(day, start, hours.zone), _instant(day, end, hours.zone)
        if spans and begin < spans[-1][1]:  # never twice the same time, whatever the zone
            begin = spans[-1][1]
        if begin < finish:  # a period wholly in the skipped hour never happens
            spans.append((begin, finish))
    return tuple(spans)


def _instant(day: date, wall: time, zone: tzinfo) -> datetime:
    """The moment (UTC) the site's clock shows ``wall`` on ``day``: in an hour the clock
    skips going forward, the jump itself, the first moment it shows a later time (Python
    would read such a time an offset later, counting work in the skipped hour after it)."""
    local = datetime.combine(day, wall, zone)
    instant = local.astimezone(UTC)
    shown = local.replace(tzinfo=None)
    if instant.astimezone(zone).replace(tzinfo=None) == shown:
        return instant  # it exists (a repeated hour's first time)
    before = int(local.replace(fold=1).astimezone(UTC).timestamp())  # shows an earlier time
    after = int(instant.timestamp())  # shows a later one; zones jump on whole seconds
    while after - before > 1:
        mid = (before + after) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= shown:
            after = mid
        else:
            before = mid
    return datetime.fromtimestamp(after, UTC)
