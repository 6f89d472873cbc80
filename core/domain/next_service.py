"""When the car is due back (下次保养): a time and a distance after this visit, whichever
comes first."""

from __future__ import annotations

import calendar
from datetime import date


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_service(
    delivered: date, mileage_km: int | None, months: int, km: int
) -> tuple[date, int | None]:
    """The date and the odometer reading the next service is due at (no reading when the
    car's mileage was not taken at reception)."""
    return months_after(delivered, months), None if mileage_km is None else mileage_km + km
