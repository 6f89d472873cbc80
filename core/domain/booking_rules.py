"""The numbers bookings are taken by: the reception's slots and buffer, the grace before a
car counts as not coming, how much of a technician's day turns into standard hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta


@dataclass(frozen=True)
class BookingRules:
    reception_opens: time = time(8, 0)
    reception_closes: time = time(17, 0)
    #: Each advisor takes one car per slot.
    slot: timedelta = timedelta(minutes=15)
    #: Every n-th slot of the day is kept free for walk-ins and overruns (0: none).
    buffer_every: int = 4
    #: A car this long after its slot is a no-show; arriving later, it is late.
    no_show_grace: timedelta = timedelta(minutes=15)
    #: The share of a technician's working hours that turns into standard hours.
    efficiency: float = 0.85
    #: From the reception slot to the car on the lift: where its bay's reserved time begins.
    to_bay: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.slot <= timedelta() or self.reception_closes <= self.reception_opens:
            raise ValueError("reception needs slots and hours in which to take them")
        if self.buffer_every < 0 or self.buffer_every == 1:
            raise ValueError("buffer_every is 0 (no buffer) or 2 and more")
        if not 0 < self.efficiency <= 2 or self.no_show_grace < timedelta():
            raise ValueError("efficiency in (0, 2], a grace of no less than nothing")

    def is_buffer(self, index: int) -> bool:
        """Whether the day's slot number ``index`` (from 0) is kept free."""
        return self.buffer_every > 0 and (index + 1) % self.buffer_every == 0
