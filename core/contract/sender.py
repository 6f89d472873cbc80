"""What sends events on a device's behalf: a kiosk's or the bridge's link (or a test's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)


class EventSender(Protocol[T_co]):
    """``send`` returns what the sender keeps of the event (the outbox entry)."""

    def send(
        self,
        type_: str,
        *,
        bay: str | None = None,
        job: str | None = None,
        tech: str | None = None,
        data: dict[str, Any] | None = None,
        ts: datetime | None = None,
    ) -> T_co: ...
