"""The appointment book as the pages and the API read it: a day's bookings (today's and
those to come from the live book, earlier days' from the store), what to offer when a day
is full, and the order a booked car is checked in with, promised from the plan."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from core.domain.appointment import Appointment, Booking
from core.domain.errors import DomainError, UnknownAppointment
from core.domain.promise import promise_at_check_in
from core.domain.workshop import CheckIn, Workshop, booked_check_in
from core.engine import Core


def appointments_on(core: Core, day: date) -> list[Appointment]:
    """Copies of the day's bookings in the order of their slots, every state."""

    def live(ws: Workshop, now: datetime) -> list[Appointment] | None:
        if day < ws.hours.day_of(now):
            return None
        on_day = [a for a in ws.appointments.values() if ws.hours.day_of(a.start) == day]
        return copy.deepcopy(sorted(on_day, key=lambda a: (a.start, a.id)))

    found = core.query(live)
    return core.store.appointments_on(day) if found is None else found


def quieter_times(
    core: Core, booking: Callable[[Workshop], Booking], excluding: str | None
) -> list[datetime]:
    """What to offer instead: the advisor's next free slots on days with room."""

    def read(ws: Workshop, _now: datetime) -> list[datetime]:
        try:
            return ws.quieter_times(booking(ws), excluding=excluding)
        except DomainError:  # the booking names what the book cannot place at all
            return []

    return core.query(read)


def booked_order(
    core: Core,
    ident: str,
    promised_at: datetime | None = None,
    wash: bool = True,
    **reception: Any,
) -> CheckIn:
    """The order a booked car is checked in with, filled from its booking: promised from
    the plan after its reserved bay time unless ``promised_at``; ``reception`` is what the
    desk adds as CheckIn names it (the key, waiting…), the car's ``mileage_km`` and
    ``fuel_level`` as read at reception among it."""
    mileage = reception.pop("mileage_km", None)
    fuel = reception.pop("fuel_level", "")

    def build(ws: Workshop, now: datetime) -> CheckIn:
        appt = ws.appointments.get(ident) or core.store.load_appointment(ident)
        if appt is None:
            raise UnknownAppointment(f"no appointment {ident}")
        promised = promised_at or promise_at_check_in(ws, appt.operations, wash, now, appt.id)
        booked = appt.booking.vehicle
        vehicle = replace(
            booked,
            mileage_km=booked.mileage_km if mileage is None else mileage,
            fuel_level=fuel or booked.fuel_level,
        )
        return booked_check_in(
            appt,
            promised,
            vehicle=vehicle,
            wash_requested=wash,
            public_token=secrets.token_urlsafe(16),
            **reception,
        )

    return core.query(build)
