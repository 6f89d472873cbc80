"""Who may use the boards and the API: board sessions and API tokens, and the rules for
when they hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Scope(StrEnum):
    """What an API token may do: read for dashboards, write for the dealer system."""

    READ = "read"
    WRITE = "write"

    def allows(self, needed: Scope) -> bool:
        # A dealer system that writes orders reads them back too.
        return self is Scope.WRITE or needed is Scope.READ


@dataclass(frozen=True)
class BoardSession:
    """One person signed in to the boards in one browser."""

    id: str
    user: str
    address: str
    started_at: datetime
    seen_at: datetime
    ended_at: datetime | None = None

    def live(self, now: datetime, idle: timedelta, longest: timedelta) -> bool:
        """Not ended, used within ``idle`` and begun within ``longest``."""
        return (
            self.ended_at is None and now - self.seen_at < idle and now - self.started_at < longest
        )


@dataclass(frozen=True)
class ApiToken:
    """A token as listed: never the token itself, which only its holder has."""

    id: str
    name: str
    scope: Scope
    created_at: datetime
    revoked_at: datetime | None = None
