"""The demo's booked cars: what the advisors take down on the phone for a day — a car, a
customer, a service or a small repair at a general bay, in one of an advisor's free slots
early enough in the day for a bay to take the car before the last intake."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.catalogue import likely_job_type, operations
from core.domain.appointment import Booking
from core.domain.model import Customer, Vehicle
from core.domain.vocabulary import BayKind

#: The last slot the demo books: a car that comes then is at a bay before the day's last
#: intake, even when it waits for one.
LAST_BOOKED = time(14, 30)
#: Work the demo's customers book: servicing and the repairs of a general bay, up to two
#: hours each.
BOOKED_WORK = ("M010", "M020", "M031", "M050", "B010", "B020", "E030", "A010", "T020")
MODELS = ["别克 GL8", "丰田 凯美瑞", "大众 帕萨特", "本田 雅阁", "日产 轩逸", "奥迪 A6L"]
PROVINCES = ["京A", "京N", "沪A", "粤B", "浙A"]
NAMES = ["张先生", "李女士", "王先生", "赵女士", "刘先生", "陈女士"]


def demo_bookings(
    free: Mapping[str, list[datetime]], count: int, zone: ZoneInfo, rnd: random.Random
) -> list[Booking]:
    """``count`` bookings (fewer when the advisors have fewer free slots) in the advisors'
    ``free`` slots of one day up to ``LAST_BOOKED``, by time."""
    offered = [
        (at, advisor)
        for advisor, slots in sorted(free.items())
        for at in slots
        if at.astimezone(zone).time() <= LAST_BOOKED
    ]
    picked = sorted(rnd.sample(offered, min(count, len(offered))))
    catalogue = operations()
    work = [c for c in BOOKED_WORK if catalogue[c].bay_kind == BayKind.GENERAL]
    out = []
    for at, advisor in picked:
        codes = [rnd.choice(work)]
        out.append(
            Booking(
                customer=Customer(name=rnd.choice(NAMES), phone=f"139{rnd.randrange(10**8):08d}"),
                vehicle=Vehicle(
                    plate=f"{rnd.choice(PROVINCES)}{rnd.randint(10000, 99999)}",
                    model=rnd.choice(MODELS),
                ),
                operations=tuple(catalogue[c].to_operation() for c in codes),
                start=at,
                advisor=advisor,
                job_type=likely_job_type(codes),
            )
        )
    return out
