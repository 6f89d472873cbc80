"""What the kiosk pages and the dispatch board know of screen pairings (core/pairings.py
keeps them): a pairing, a code, a refusal, and the book both sides use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True)
class Pairing:
    id: str
    bay: str
    paired_at: datetime
    paired_by: str  # who made the code (foreman:F001)
    client: str  # the address and browser that used it
    last_seen: datetime | None = None


@dataclass(frozen=True)
class PairingCode:
    code: str
    bay: str
    expires_at: datetime
    made_by: str


@dataclass(frozen=True)
class Refusal:
    why: Literal["wrong", "wait"]
    wait: int = 0  # seconds before this address may try again


class PairingBook(Protocol):
    #: The key the pairing cookies are signed with.
    key: str

    def new_code(self, bay: str, by: str) -> PairingCode: ...

    def open_codes(self) -> list[PairingCode]: ...

    def pairings(self) -> list[Pairing]: ...

    def revoke(self, pairing_id: str, by: str) -> bool: ...

    def redeem(self, code: str, address: str, client: str) -> Pairing | Refusal: ...

    def active(self, pairing_id: str, bay: str) -> bool: ...

    def seen(self, pairing_id: str) -> None: ...

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]: ...
