"""The reception's slots: each advisor takes one car per slot over the reception's hours,
and every n-th slot stays free as a buffer for walk-ins and overruns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .appointment import Appointment
from .booking_rules import BookingRules
from .errors import NotASlot, SlotTaken
from .vocabulary import HOLDING_STATES
from .working_hours import WorkingHours


@dataclass(frozen=True)
class Slot:
    start: datetime
    buffer: bool


def reception_slots(day: date, rules: BookingRules, hours: WorkingHours) -> list[Slot]:
    """The day's slots in order, buffers marked; none on a day the workshop is closed."""
    if day.weekday() in hours.closed_weekdays:
        return []
    start = datetime.combine(day, rules.reception_opens, hours.zone).astimezone(UTC)
    closes = datetime.combine(day, rules.reception_closes, hours.zone).astimezone(UTC)
    out: list[Slot] = []
    while start + rules.slot <= closes:
        out.append(Slot(start, rules.is_buffer(len(out))))
        start += rules.slot
    return out


def taken_slots(
    advisor: str, appointments: Iterable[Appointment], excluding: str | None = None
) -> set[datetime]:
    """The slots an advisor's bookings hold (cancelled ones and no-shows hold none)."""
    return {
        a.start
        for a in appointments
        if a.advisor == advisor and a.state in HOLDING_STATES and a.id != excluding
    }


def free_slots(
    advisor: str,
    day: date,
    appointments: Iterable[Appointment],
    rules: BookingRules,
    hours: WorkingHours,
    after: datetime | None = None,
) -> list[datetime]:
    """An advisor's slots of the day that can still be booked (from ``after`` on)."""
    taken = taken_slots(advisor, appointments)
    return [
        s.start
        for s in reception_slots(day, rules, hours)
        if not s.buffer and s.start not in taken and (after is None or s.start >= after)
    ]


def require_free_slot(
    advisor: str,
    start: datetime,
    appointments: Iterable[Appointment],
    rules: BookingRules,
    hours: WorkingHours,
    excluding: str | None = None,
) -> None:
    """Refuse a time that is not a bookable slot, or one the advisor already has a car in."""
    slots = {s.start: s for s in reception_slots(hours.day_of(start), rules, hours)}
    slot = slots.get(start)
    if slot is None:
        raise NotASlot(f"{start.isoformat()} is not a reception slot")
    if slot.buffer:
        raise NotASlot(f"{start.isoformat()} is a buffer slot, kept free")
    if start in taken_slots(advisor, appointments, excluding):
        raise SlotTaken(f"advisor {advisor} already has a car at {start.isoformat()}")
