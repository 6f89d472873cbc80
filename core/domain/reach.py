"""How far from now a time given to the workshop may lie: far enough for any promise, not so
far that the site's calendar, or the database, cannot hold it."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import InvalidData

FIRST = datetime(2000, 1, 1, tzinfo=UTC)
END = datetime(2101, 1, 1, tzinfo=UTC)


def require_reach(at: datetime, what: str) -> None:
    """Refuse ``at`` outside the years 2000 – 2100 (in UTC): a mistake, not a plan. A year 1
    or 9999 whose offset takes it out of the calendar in UTC is refused the same way."""
    try:
        inside = FIRST <= at.astimezone(UTC) < END
    except (OverflowError, ValueError):
        inside = False
    if not inside:
        raise InvalidData(f"{what} {at.isoformat()} is not between 2000 and 2100")
