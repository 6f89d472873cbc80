"""The demo site's bays and people in a bare domain workshop that takes bookings: its
working hours (08:00–12:00, 13:00–17:00 Shanghai time), the catalogue's bay kinds, and
builders for bookings. Pure domain."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.catalogue import bay_kinds
from core.domain.appointment import Booking
from core.domain.model import Customer, Operation, Vehicle
from core.domain.working_hours import WorkingHours
from core.domain.workshop import Workshop
from tests.helpers import domain_workshop

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours(periods=((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))), zone=SHANGHAI)
#: "Now" in these tests: Tuesday 24 November 2026, 09:00 in Shanghai (T0 of tests.helpers).
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)

SERVICE = Operation("M010", "小保养", 1.0, "Minor service")
ALIGNMENT = Operation("T010", "四轮定位", 1.0, "Four-wheel alignment")


def local(hour: int, minute: int = 0, days: int = 1) -> datetime:
    """``hour``:``minute`` in Shanghai, ``days`` after NOW's day (tomorrow by default)."""
    day = NOW.date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def scheduled_workshop() -> Workshop:
    ws = domain_workshop()
    ws.hours = HOURS
    ws.operation_kinds = bay_kinds()
    return ws


def booking(start: datetime, advisor: str = "SA01", *ops: Operation, **kw: Any) -> Booking:
    return Booking(
        customer=kw.pop("customer", Customer(name="李女士", phone="13900139000")),
        vehicle=Vehicle(plate=kw.pop("plate", "沪A88888"), model="大众 帕萨特"),
        operations=ops or (SERVICE,),
        start=start,
        advisor=advisor,
        **kw,
    )


def hours_of(hours: float) -> Operation:
    """General work of ``hours`` standard hours."""
    return Operation("R010", "更换正时皮带", hours, "Replace timing belt")
