"""Booked cars for the page tests: the core on a clock of its own (a Tuesday morning in
Shanghai, reception open), so the day still has slots to book, and bookings put into its
domain workshop with ``book``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.domain.appointment import Booking
from core.domain.model import Customer, Operation, Vehicle
from core.domain.workshop import Workshop as DomainWorkshop
from tests.kiosk_env import Workshop

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 8, 40, tzinfo=SHANGHAI)
#: What a booking's customer gives, which no public screen may show.
CUSTOMER = Customer(name="李女士", phone="13900139000")
VIN = "LSVNV000000000001"


def book(
    shop: Workshop,
    plate: str,
    advisor: str = "SA01",
    days: int = 0,
    hours: float = 1.0,
    force: bool = False,
) -> str:
    """A car booked in the advisor's next free slot, ``days`` after today (on a full day
    only ``force``d); its id."""

    def booked(ws: DomainWorkshop, now: datetime) -> str:
        day = ws.hours.day_of(now) + timedelta(days=days)
        slot = ws.free_slots(advisor, day, after=now)[0]
        booking = Booking(
            customer=CUSTOMER,
            vehicle=Vehicle(plate=plate, model="大众 帕萨特", vin=VIN),
            operations=(Operation("M010", "小保养", hours, "Minor service"),),
            start=slot,
            advisor=advisor,
        )
        return ws.book(booking, now, force=force, reason="老客户" if force else "").id

    return str(shop.core.query(booked))
