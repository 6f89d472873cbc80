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
from core.contract.views import DispatchView, LoungeCar, LoungeView
from core.domain.model import Job
from core.domain.reports import Report


class BoardSource(Protocol):
    config: SiteConfig

    def lounge(self) -> LoungeView | None: ...

    def dispatch(self) -> DispatchView | None: ...

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
