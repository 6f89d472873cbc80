"""The time a job is to start from, as the foreman gives it on the dispatch board: where it
was dropped along a bay's lane of the Gantt, or typed as HH:MM of a day chosen (today,
tomorrow, or a day of the week to come)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: A time dropped on the Gantt is taken to this many minutes: a pixel is a minute or two.
STEP_MINUTES = 5
_HH_MM = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*$")


def dropped_at(window: tuple[datetime, datetime], fraction: object) -> datetime | None:
    """The moment at ``fraction`` (0 the lane's left edge, 1 its right) of the Gantt's
    ``window``, to the step; None for a drop off the lane (on the bay's name, say)."""
    if isinstance(fraction, bool) or not isinstance(fraction, int | float):
        return None
    if not 0.0 <= fraction <= 1.0:
        return None
    start, end = window
    minutes = (end - start).total_seconds() / 60 * fraction
    stepped = round(minutes / STEP_MINUTES) * STEP_MINUTES
    return start + timedelta(minutes=stepped)


def start_at(
    typed: str | None, now: datetime, zone: ZoneInfo, on: date | None = None
) -> datetime | None:
    """``typed`` as "HH:MM" on the day ``on`` (today when None), in the site's zone; None
    when nothing was typed. Raises ValueError for anything else."""
    if typed is None or not typed.strip():
        return None
    found = _HH_MM.match(typed)
    if found is None:
        raise ValueError(typed)
    clock = time(int(found.group(1)), int(found.group(2)))  # ValueError past 23:59
    return datetime.combine(on or now.astimezone(zone).date(), clock, tzinfo=zone)
