"""The appointment book as the boards show it: each day's booked load on the teams and the
kinds of bay (the schedule), and today's expected cars for the welcome board at reception,
which is public: masked plates, the advisor's name, never the customer's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from core.contract.views import DayLoadRow, LoadFill, WelcomeArrival, WelcomeView
from core.domain.appointment import Appointment
from core.domain.privacy import mask_plate
from core.domain.vocabulary import HOLDING_STATES, AppointmentState
from core.domain.workshop import Workshop
from core.domain.workshop_load import Fill

#: On the welcome board: cars still expected, and those here. A cancelled booking or a car
#: not seen is not; a car not seen that comes after all is marked arrived and comes back.
WELCOMED = frozenset(
    {AppointmentState.BOOKED, AppointmentState.ARRIVED, AppointmentState.CHECKED_IN}
)
HERE = frozenset({AppointmentState.ARRIVED, AppointmentState.CHECKED_IN})


def day_loads(ws: Workshop, first: date, days: int) -> list[DayLoadRow]:
    """``days`` days from ``first``: cars booked, and the hours booked on every team and on
    every kind of bay the site has (or that has bookings), against their capacity."""
    rows = []
    for n in range(days):
        day = first + timedelta(days=n)
        load = ws.load_on(day)
        cars = sum(
            1
            for a in ws.appointments.values()
            if a.state in HOLDING_STATES and ws.hours.day_of(a.start) == day
        )
        rows.append(
            DayLoadRow(
                day=day,
                cars=cars,
                teams=[
                    LoadFill(key=t, booked=f.booked, capacity=f.capacity)
                    for t, f in load.teams.items()
                ],
                kinds=[
                    LoadFill(key=k.value, booked=f.booked, capacity=f.capacity)
                    for k, f in load.kinds.items()
                    if f.capacity > 0 or f.booked > 0
                ],
            )
        )
    return rows


def _fill(key: str, fill: Fill) -> LoadFill:
    return LoadFill(key=key, booked=round(fill.booked, 2), capacity=round(fill.capacity, 2))


def welcome(ws: Workshop, now: datetime, advisors: Mapping[str, str]) -> WelcomeView:
    """Today's booked cars by slot: masked plate, model, the advisor's name, here or not."""
    today = ws.hours.day_of(now)
    arrivals = sorted(
        (
            _arrival(a, advisors)
            for a in ws.appointments.values()
            if a.state in WELCOMED and ws.hours.day_of(a.start) == today
        ),
        key=lambda c: (c.at, c.plate),
    )
    return WelcomeView(site=ws.site, updated_at=now, day=today, arrivals=arrivals)


def _arrival(appt: Appointment, advisors: Mapping[str, str]) -> WelcomeArrival:
    vehicle = appt.booking.vehicle
    return WelcomeArrival(
        at=appt.start,
        plate=mask_plate(vehicle.plate),
        model=vehicle.model,
        advisor=advisors.get(appt.advisor, appt.advisor),
        arrived=appt.state in HERE,
    )
