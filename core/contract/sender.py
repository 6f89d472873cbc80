"""What sends events on a device's behalf: a kiosk's or the bridge's link (or a test's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypedDict, TypeVar, Unpack

T_co = TypeVar("T_co", covariant=True)


class EventFields(TypedDict, total=False):
    """The envelope fields a device fills in besides its own name and number."""

    bay: str | None
    job: str | None
    tech: str | None
    data: dict[str, Any] | None
    ts: datetime | None


class EventSender(Protocol[T_co]):
    """``send`` returns what the sender keeps of the event (the outbox entry)."""

    def send(self, type_: str, **fields: Unpack[EventFields]) -> T_co: ...
