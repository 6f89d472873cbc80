"""Booked cars for the desk's tests: a booking as a customer gives it on the phone, made
through the core's command path, or put straight into the core's book as if made the day
before (for a day already under way)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.catalogue import operations
from core.commands import BookAppointment
from core.domain.appointment import Booking
from core.domain.model import Customer, Vehicle
from core.domain.vocabulary import JobType
from core.domain.workshop import Workshop
from core.engine import Core

CUSTOMER = Customer(name="王先生", phone="13800138000")


def phoned(start: datetime, plate: str = "京B67890", advisor: str = "SA01", **kw: Any) -> Booking:
    """A minor service (M010) booked for ``start`` with ``advisor`` (the catalogue's
    ``codes`` or the ``operations`` given instead)."""
    return Booking(
        customer=kw.pop("customer", CUSTOMER),
        vehicle=Vehicle(plate=plate, model="别克 GL8", vin="LSGUA84L0FE000001"),
        operations=kw.pop("operations", None)
        or tuple(operations()[c].to_operation() for c in kw.pop("codes", ["M010"])),
        start=start,
        advisor=advisor,
        job_type=kw.pop("job_type", JobType.MAINTENANCE),
        requests=kw.pop("requests", "顺便看一下空调"),
        **kw,
    )


def first_free(core: Core, days: int, advisor: str = "SA01") -> datetime:
    """The advisor's first free slot ``days`` after today (the core's today)."""

    def read(ws: Workshop, now: datetime) -> datetime:
        return ws.free_slots(advisor, ws.hours.day_of(now) + timedelta(days=days), after=now)[0]

    return core.query(read)


def book(core: Core, days: int = 1, plate: str = "京B67890", **kw: Any) -> str:
    """A car booked by phone in the advisor's first free slot ``days`` from today; its id."""
    advisor = kw.pop("advisor", "SA01")
    booking = phoned(first_free(core, days, advisor), plate, advisor, **kw)
    return str(core.run_command(BookAppointment(booking), f"advisor:{advisor}").id)


def booked_yesterday(core: Core, plate: str = "京B67890", advisor: str = "SA01") -> str:
    """A car booked the day before for today's first reception slot, whatever the time
    now; its id."""

    def put(ws: Workshop, now: datetime) -> str:
        slots = ws.free_slots(advisor, ws.hours.day_of(now))
        return ws.book(phoned(slots[0], plate, advisor), now - timedelta(days=1)).id

    return str(core.query(put))
