"""The boards' window on the core: its views, its command path and a few queries."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from core import appointment_book
from core.appointment_views import day_loads
from core.commands import Command
from core.config import SiteConfig
from core.contract.advisor_board import AdvisorBoard
from core.contract.help_board import HelpBoard
from core.contract.parts_board import PartsBoard
from core.contract.views import DayLoadRow, DispatchView, LoungeCar, LoungeView, WelcomeView
from core.domain.aftercare_report import AftercareReport, aftercare_report
from core.domain.appointment import Appointment, Booking
from core.domain.help_report import HelpReport, help_report
from core.domain.model import OPEN_STATUSES, Job, Operation, WalkAround
from core.domain.promise import promise_at_check_in
from core.domain.reports import Report
from core.domain.vocabulary import BayKind
from core.domain.workshop import CheckIn
from core.domain.workshop_load import DayLoad
from core.engine import Core
from core.prints import previews
from core.working_day import open_hours

#: Reports added up at once, by pages and the API together: each holds one of the store's
#: connections, which the core's writer draws on too (a resent tap looks up its inbox
#: mark there); more asking wait here, not for a connection.
REPORTS_AT_ONCE = 2
_adding_up = threading.BoundedSemaphore(REPORTS_AT_ONCE)


def site_report(core: Core, start: datetime, end: datetime) -> Report:
    """The period's figures, added up by the database on the caller's thread (a page's, the
    API's): no job documents are loaded and the core's thread is not asked."""
    config = core.config
    with _adding_up:
        return core.store.report(
            start,
            end,
            core.clock(),
            config.zone,
            [b.id for b in config.bays if b.kind not in (BayKind.QC, BayKind.WASH)],
            open_hours(config.site.opens_at, config.site.shift_ends, config.site.breaks),
        )


class CoreBoardSource:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.config: SiteConfig = core.config
        self.access = core.access

    def lounge(self) -> LoungeView | None:
        return self.core.lounge

    def dispatch(self) -> DispatchView | None:
        return self.core.dispatch_view

    def welcome(self) -> WelcomeView | None:
        return self.core.welcome

    def advisors(self) -> AdvisorBoard | None:
        return self.core.advisors

    def parts(self) -> PartsBoard | None:
        return self.core.parts

    def help(self) -> HelpBoard | None:
        return self.core.help

    def help_report(self, start: datetime, end: datetime) -> HelpReport:
        return help_report(self.core.store.help_times(start, end))

    def schedule(self, days: int) -> list[DayLoadRow]:
        return self.core.query(lambda ws, now: day_loads(ws, ws.hours.day_of(now), days))

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        def on_views() -> None:
            listener()

        self.core.view_listeners.append(on_views)

        def stop() -> None:
            if on_views in self.core.view_listeners:
                self.core.view_listeners.remove(on_views)

        return stop

    def run(self, command: Command, actor: str) -> Any:
        return self.core.run_command(command, actor)

    def now(self) -> datetime:
        return self.core.clock()

    def live_jobs(self) -> list[Job]:
        # Copied on the writer's thread: the pages never hold the live objects.
        # Those that left today are kept for the Gantt: not in the building any more.
        return self.core.query(
            lambda ws, _now: copy.deepcopy(
                [j for j in ws.jobs.values() if j.status in OPEN_STATUSES]
            )
        )

    def job(self, ro: str) -> Job | None:
        live = self.core.query(lambda ws, _now: copy.deepcopy(ws.jobs.get(ro)))
        return live if live is not None else self.core.store.load_job(ro)

    def car_status(self, token: str) -> LoungeCar | None:
        return self.core.query(lambda ws, now: self.core.projector.car_status(ws, token, now))

    def open_complaints(self) -> list[Job]:
        return self.core.store.open_complaints()

    def walkarounds(self, ro: str) -> list[WalkAround]:
        return self.core.store.walkarounds(ro)

    def aftercare(self, start: datetime, end: datetime) -> AftercareReport:
        store = self.core.store
        return aftercare_report(store.aftercare_calls(start, end), len(store.open_complaints()))

    def delivered(self, token: str) -> bool:
        return self.core.store.delivered_with_token(token)

    def timeline(self, ro: str) -> list[dict[str, Any]]:
        entries = [
            {
                "at": e["at"],
                "kind": e["kind"],
                "source": e["source"],
                "type": e["type"],
                "bay": e["bay"],
                "payload": e["payload"] or {},
            }
            for e in self.core.store.audit_trail(ro)
        ]
        for p in self.core.store.print_history(ro):
            entries.append(
                {
                    "at": p["created_at"],
                    "kind": "print",
                    "source": p["printer"],
                    "type": f"print.{p['document']}",
                    "bay": None,
                    "payload": {"state": p["state"], "reason": p["reason"]},
                }
            )
        entries.sort(key=lambda e: e["at"])
        return entries

    def vehicle_history(self, plate: str) -> list[Job]:
        return self.core.store.jobs_of_vehicle(plate)

    def awaiting_follow_up(self, since: datetime) -> list[Job]:
        return self.core.store.awaiting_follow_up(since)

    def report(self, start: datetime, end: datetime) -> Report:
        return site_report(self.core, start, end)

    def store_problem(self) -> str | None:
        return self.core.store_problem

    def recent_prints(self) -> list[tuple[str, str, str, str | None]]:
        return previews(self.config, self.core.store.recent_prints())

    # ------------------------------------------------------------- the appointment book
    def appointments_on(self, day: date) -> list[Appointment]:
        return appointment_book.appointments_on(self.core, day)

    def free_slots(self, advisor: str, day: date) -> list[datetime]:
        # A slot passed is not bookable.
        return self.core.query(lambda ws, now: ws.free_slots(advisor, day, after=now))

    def day_load(self, day: date) -> DayLoad:
        return self.core.query(lambda ws, _now: ws.load_on(day))

    def quieter_times(self, booking: Booking, excluding: str | None = None) -> list[datetime]:
        return appointment_book.quieter_times(self.core, lambda _ws: booking, excluding)

    def booked_order(self, appointment: str, wash: bool) -> CheckIn:
        return appointment_book.booked_order(self.core, appointment, None, wash)

    def promise(self, operations: Sequence[Operation], wash: bool) -> datetime:
        return self.core.query(lambda ws, now: promise_at_check_in(ws, operations, wash, now))
