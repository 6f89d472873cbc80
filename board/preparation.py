"""Preparing the day before (预约准备): the next day's bookings, the work they ask for
added up so that parts can be got ready, and the calls to confirm them with what each came
to — confirmed, no answer, rescheduled (the booking card opens on it) or cancelled (the
booking is cancelled with it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from nicegui import ui

from board.desk_common import Desk
from core.commands import CancelAppointment, RecordConfirmationCall
from core.domain.appointment import Appointment
from core.domain.model import Operation
from core.domain.vocabulary import HOLDING_STATES, AppointmentState, CallOutcome

#: How many days ahead the preparation may look.
DAYS_AHEAD = 7


@dataclass(frozen=True)
class WorkNeeded:
    """One operation the day's bookings ask for: how many cars, how many hours."""

    operation: Operation
    cars: int
    hours: float


def work_needed(bookings: Iterable[Appointment]) -> list[WorkNeeded]:
    """The operations the bookings still holding their time ask for, most asked first."""
    tally: dict[str, tuple[Operation, int, float]] = {}
    for appt in bookings:
        if appt.state not in HOLDING_STATES:
            continue
        for op in appt.operations:
            _, cars, hours = tally.get(op.code, (op, 0, 0.0))
            tally[op.code] = (op, cars + 1, hours + op.standard_hours)
    rows = [WorkNeeded(op, cars, hours) for op, cars, hours in tally.values()]
    return sorted(rows, key=lambda w: (-w.cars, w.operation.code))


class Preparation:
    """The next day's bookings, the work they need and the calls to confirm them;
    ``reschedule`` opens the booking card on a booking the customer moved."""

    def __init__(self, desk: Desk, reschedule: Callable[[Appointment], None]) -> None:
        self.desk, self.t, self.reschedule = desk, desk.t, reschedule
        self._shown: object = None
        today = desk.today()
        days = [today + timedelta(days=n) for n in range(1, DAYS_AHEAD + 1)]
        with ui.card().classes("w-full"):
            with ui.row().classes("items-center gap-4"):
                ui.label(self.t("desk.prepare")).classes("text-lg font-semibold")
                self.day = ui.select(
                    {d.isoformat(): desk.day_words(d) for d in days}, value=days[0].isoformat()
                ).mark("prepare-day")
            ui.label(self.t("desk.parts")).classes("text-sm text-slate-500")
            self.work_box = ui.column().classes("w-full gap-0").mark("prepare-work")
            ui.label(self.t("desk.calls")).classes("text-sm text-slate-500")
            self.calls_box = ui.column().classes("w-full gap-1").mark("prepare-calls")
        self.day.on_value_change(lambda: self.refresh(force=True))

    def chosen_day(self) -> date:
        return date.fromisoformat(self.day.value)

    def refresh(self, force: bool = False) -> None:
        bookings = self.desk.source.appointments_on(self.chosen_day())
        signature = [(a.id, a.state, a.booking, len(a.calls)) for a in bookings]
        if signature == self._shown and not force:
            return
        self._shown = signature
        self._work(bookings)
        self.calls_box.clear()
        with self.calls_box:
            if not bookings:
                ui.label(self.t("desk.nothing_booked")).classes("text-slate-500")
            for appt in bookings:
                self._call_row(appt)

    def _work(self, bookings: list[Appointment]) -> None:
        self.work_box.clear()
        with self.work_box:
            for need in work_needed(bookings):
                op = need.operation
                ui.label(
                    self.t(
                        "desk.work_line",
                        code=op.code,
                        name=self.desk.op_name(op),
                        cars=need.cars,
                        hours=f"{need.hours:g}",
                    )
                ).mark(f"prepare-op-{op.code}")

    def _call_row(self, appt: Appointment) -> None:
        t = self.t
        with ui.row().classes("items-center gap-2 w-full").mark(f"call-{appt.id}"):
            ui.label(self.desk.booking_line(appt)).classes("grow")
            ui.label(self.last_call(appt)).classes("text-sm text-slate-500").mark(
                f"last-call-{appt.id}"
            )
            if appt.state is not AppointmentState.BOOKED:
                ui.label(t(f"appointment.{appt.state.value}")).classes("text-slate-500")
                return
            outcome = (
                ui.select(
                    {o.value: t(f"call_outcome.{o.value}") for o in CallOutcome},
                    value=CallOutcome.CONFIRMED.value,
                )
                .classes("w-32")
                .mark(f"call-outcome-{appt.id}")
            )
            note = ui.input(t("desk.call_note")).classes("w-40").mark(f"call-note-{appt.id}")
            ui.button(
                t("desk.record"),
                on_click=lambda a=appt, o=outcome, n=note: self.record(a, o.value, n.value or ""),
            ).props("dense").mark(f"call-record-{appt.id}")

    def last_call(self, appt: Appointment) -> str:
        if not appt.calls:
            return self.t("desk.not_called")
        call = appt.calls[-1]
        at = call.at.astimezone(self.desk.zone)
        return self.t(
            "desk.last_call", outcome=self.t(f"call_outcome.{call.outcome.value}"), at=f"{at:%H:%M}"
        )

    def record(self, appt: Appointment, outcome: str, note: str) -> None:
        """The call's outcome; a booking given up is cancelled with it, one moved opens on
        the booking card."""
        t, chosen = self.t, CallOutcome(outcome)
        if self.desk.run(RecordConfirmationCall(appt.id, chosen, note.strip())) is None:
            return
        if chosen is CallOutcome.CANCELLED:
            reason = note.strip() or t("desk.cancelled_on_call")
            if self.desk.run(CancelAppointment(appt.id, reason)) is not None:
                ui.notify(t("desk.cancelled", id=appt.id), type="positive")
        else:
            ui.notify(t("desk.call_recorded", id=appt.id), type="positive")
        self.refresh()
        if chosen is CallOutcome.RESCHEDULED:
            self.reschedule(appt)
