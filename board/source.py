"""What the boards need from the core: views to show, a way to act, and a few queries.

The pages see the workshop only through this; the core provides it (core/board_source.py),
tests may provide their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from core.commands import Command
from core.config import SiteConfig
from core.contract.advisor_board import AdvisorBoard
from core.contract.help_board import HelpBoard
from core.contract.parts_board import PartsBoard
from core.contract.views import DayLoadRow, DispatchView, LoungeCar, LoungeView, WelcomeView
from core.domain.access import ApiToken, BoardSession, Scope
from core.domain.aftercare_report import AftercareReport
from core.domain.appointment import Appointment, Booking
from core.domain.help_report import HelpReport
from core.domain.model import Job, Operation, WalkAround
from core.domain.reports import Report
from core.domain.workshop import CheckIn
from core.domain.workshop_load import DayLoad


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

    def advisors(self) -> AdvisorBoard | None:
        """The advisors' own cars and notices (我的车辆)."""
        ...

    def parts(self) -> PartsBoard | None:
        """The parts counter's queue of the bays' parts requests (领料)."""
        ...

    def help(self) -> HelpBoard | None:
        """The help calls (安灯) not yet closed."""
        ...

    def help_report(self, start: datetime, end: datetime) -> HelpReport:
        """The period's help calls per kind: response and resolution times (p50, p90)."""
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

    def open_complaints(self) -> list[Job]:
        """The cars with a complaint case not yet resolved, the earliest answer due first."""
        ...

    def walkarounds(self, ro: str) -> list[WalkAround]:
        """The order's signed walk-arounds, the earliest first: the last is the order's."""
        ...

    def aftercare(self, start: datetime, end: datetime) -> AftercareReport:
        """The follow-up calls of the cars delivered from ``start`` until ``end``."""
        ...

    def car_status(self, token: str) -> LoungeCar | None: ...

    def delivered(self, token: str) -> bool:
        """Whether the car of this pickup card has been handed over (from storage)."""
        ...

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

    # ------------------------------------------------------------- the appointment book
    def appointments_on(self, day: date) -> list[Appointment]:
        """Copies of the day's bookings (the site's local day), every state, by slot."""
        ...

    def free_slots(self, advisor: str, day: date) -> list[datetime]:
        """The advisor's reception slots of the day still to be booked (none passed, no
        buffer)."""
        ...

    def day_load(self, day: date) -> DayLoad:
        """The standard hours booked on the day against what each team and kind of bay can
        do."""
        ...

    def quieter_times(self, booking: Booking, excluding: str | None = None) -> list[datetime]:
        """The advisor's next free slots on days with room for the booking's work
        (``excluding`` the booking itself, when it is one being moved)."""
        ...

    def booked_order(self, appointment: str, wash: bool) -> CheckIn:
        """The order a booked car is checked in with, filled from its booking and promised
        from the plan."""
        ...

    def promise(self, operations: Sequence[Operation], wash: bool) -> datetime:
        """The promise for a car with this work walking in now, from the plan."""
        ...
