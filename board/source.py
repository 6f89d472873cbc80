"""What the boards need from the core: views to show, a way to act, and a few queries.

The pages see the workshop only through this; the core provides it (core/board_source.py),
tests may provide their own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from core.commands import Command
from core.config import SiteConfig
from core.contract.views import DayLoadRow, DispatchView, LoungeCar, LoungeView, WelcomeView
from core.domain.access import ApiToken, BoardSession, Scope
from core.domain.model import Job
from core.domain.reports import Report


class Access(Protocol):
    """Board sessions, API tokens and their lines in the audit log (core/access.py)."""

    def open_session(self, user: str, role: str, address: str) -> str: ...

    def session(self, session_id: str, touch: bool = True) -> BoardSession | None:
        """The session while it is live; ``touch`` counts this as a use of it."""
        ...

    def sessions(self) -> list[BoardSession]: ...

    def end_session(self, session_id: str, by: str) -> bool: ...

    def create_token(self, name: str, scope: Scope, by: str) -> tuple[ApiToken, str]:
        """A new token and the token itself, which is shown this once."""
        ...

    def token(self, secret: str) -> ApiToken | None: ...

    def tokens(self) -> list[ApiToken]: ...

    def revoke_token(self, token_id: str, by: str) -> bool: ...

    def note(self, type_: str, source: str, **payload: Any) -> None: ...

    def log(self, limit: int = 50) -> list[dict[str, Any]]: ...


class BoardSource(Protocol):
    config: SiteConfig

    @property
    def access(self) -> Access: ...

    def lounge(self) -> LoungeView | None: ...

    def dispatch(self) -> DispatchView | None: ...

    def welcome(self) -> WelcomeView | None:
        """Today's booked cars for the welcome board at reception."""
        ...

    def schedule(self, days: int) -> list[DayLoadRow]:
        """The booked load of ``days`` days from today, on every team and kind of bay."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (from any thread) whenever newer views exist; returns the
        function that stops it."""
        ...

    def run(self, command: Command, actor: str) -> Any:
        """The command path every device event takes too: validated, audit-logged, applied."""
        ...

    def now(self) -> datetime: ...

    def live_jobs(self) -> list[Job]:
        """Copies of the jobs in the building."""
        ...

    def awaiting_follow_up(self, since: datetime) -> list[Job]:
        """Cars delivered since ``since`` whose follow-up call is still to be made (from
        storage: delivered cars have left the live workshop), oldest first."""
        ...

    def job(self, ro: str) -> Job | None:
        """A copy of one job, live or closed."""
        ...

    def car_status(self, token: str) -> LoungeCar | None: ...

    def timeline(self, ro: str) -> list[dict[str, Any]]:
        """The audit log of one repair order and its prints, in order."""
        ...

    def vehicle_history(self, plate: str) -> list[Job]: ...

    def report(self, start: datetime, end: datetime) -> Report:
        """The department's figures for [start, end), added up by the database."""
        ...

    def store_problem(self) -> str | None:
        """Why the core cannot store what it is sent right now, or None."""
        ...

    def recent_prints(self) -> list[tuple[str, str, str, str | None]]:
        """(print id, document, state, preview URL) of the newest prints."""
        ...
