"""The parts counter's live board (配件/领料) as its page reads it: the bays' requests still
to act on, oldest first, with bay, repair order, car and items; and those handed out
lately, so a request marked ready by mistake is still in sight.

Not published on MQTT: only the staff page the core serves shows it (made in
core/parts_views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.contract.views import PartsLine


@dataclass(frozen=True)
class CounterRequest:
    """A request as the parts counter lists it."""

    ro: str
    bay: str
    plate: str
    model: str
    advisor: str
    request: PartsLine


@dataclass(frozen=True)
class PartsBoard:
    at: datetime
    #: Requested, picking or not in stock: oldest first.
    waiting: tuple[CounterRequest, ...]
    #: Ready or delivered in the last hours, newest first.
    served: tuple[CounterRequest, ...]
