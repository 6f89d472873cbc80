"""What the desk's cards share: the signed-in advisor and the page's words, running a
command with its refusal told in those words, and the few ways the desk writes a booking,
an operation or a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from nicegui import ui

from board.auth import actor
from board.source import BoardSource
from core.catalogue import operations as operation_catalogue
from core.commands import Command
from core.display.rules import clock_text
from core.display.texts import Lang, Texts, refusal
from core.domain.appointment import Appointment
from core.domain.errors import DomainError
from core.domain.model import Operation
from core.domain.vocabulary import JobType, StaffRole


class Desk:
    """What the desk's parts share: the signed-in person, the page's words, and the way to
    run a command and tell a refusal in those words."""

    def __init__(self, source: BoardSource, user: dict[str, Any], t: Texts, lang: Lang) -> None:
        self.source = source
        self.config = source.config
        self.zone = source.config.zone
        self.user = user
        self.who = actor(user)
        self.t = t
        self.lang = lang
        self.catalogue = operation_catalogue()

    def run(self, command: Command) -> Any:
        """The command's answer; None when it was refused (the refusal is told)."""
        done, err = self.attempt(command)
        if err is not None:
            self.refused(err)
        return done

    def attempt(self, command: Command) -> tuple[Any, DomainError | None]:
        """The command's answer, or the refusal for the caller to tell."""
        try:
            return self.source.run(command, self.who), None
        except DomainError as err:
            return None, err

    def refused(self, err: DomainError) -> None:
        why = refusal(err.code, err.message, self.lang)
        ui.notify(self.t("desk.refused", why=why), type="negative")

    # ------------------------------------------------------------- how things are written
    def today(self) -> date:
        return self.source.now().astimezone(self.zone).date()

    def day_words(self, day: date) -> str:
        return f"{day.isoformat()} {self.t(f'weekday.{day.weekday()}')}"

    def hhmm(self, at: datetime) -> str:
        return f"{at.astimezone(self.zone):%H:%M}"

    def moment(self, at: datetime) -> str:
        """A time as the site reads it, with its date when it is not today's."""
        return clock_text(at, self.zone, self.today())

    def op_name(self, op: Operation) -> str:
        return (op.name_en or op.name) if self.lang == "en" else op.name

    def ops_words(self, ops: Iterable[Operation]) -> str:
        return "、".join(f"{self.op_name(o)} ({o.standard_hours:g} h)" for o in ops)

    def person(self, who: str) -> str:
        names = {u.id: u.name for u in self.config.users}
        return f"{who} {names[who]}" if who in names else who

    def operation_options(self, extra: Iterable[Operation] = ()) -> dict[str, str]:
        """The catalogue's operations with their standard hours, for a select (and those of
        a booking the catalogue does not hold)."""
        options = {
            code: f"{code} {self.op_name(op.to_operation())} ({op.standard_hours:g} h)"
            for code, op in self.catalogue.items()
        }
        for op in extra:
            options.setdefault(op.code, f"{op.code} {self.op_name(op)} ({op.standard_hours:g} h)")
        return options

    def operations_of(
        self, codes: Iterable[str], known: Iterable[Operation] = ()
    ) -> tuple[Operation, ...]:
        """The operations picked, as the booking had them when it had them (its hours)."""
        had = {op.code: op for op in known}
        return tuple(
            had[c] if c in had else self.catalogue[c].to_operation()
            for c in codes
            if c in had or c in self.catalogue
        )

    def job_type_options(self) -> dict[str, str]:
        return {j.value: self.t(f"job_type.{j.value}") for j in JobType}

    def advisors(self) -> dict[str, str]:
        return {u.id: f"{u.id} {u.name}" for u in self.config.users if u.role is StaffRole.ADVISOR}

    def my_advisor(self) -> str | None:
        """The signed-in advisor, or the site's first when someone else books."""
        advisors = self.advisors()
        mine = str(self.user["id"])
        return mine if mine in advisors else next(iter(advisors), None)

    def booking_line(self, appt: Appointment) -> str:
        """A booking in one line: time, car, customer, job type, work and advisor."""
        b = appt.booking
        car = f"{b.vehicle.plate} {b.vehicle.model}".strip()
        return (
            f"{self.hhmm(appt.start)} {car} · {b.customer.name} {b.customer.phone} · "
            f"{self.t('job_type.' + b.job_type.value)} · {self.ops_words(b.operations)} · "
            f"{self.person(b.advisor)}"
        )
