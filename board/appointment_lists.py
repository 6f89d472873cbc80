"""Today's bookings on the desk, by time: where each stands (arrived, late, not come,
checked in), and from a booked car the steps of the day — it is here, check it in (the
check-in card filled from the booking), change it, cancel it with a reason."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from board.desk_common import Desk
from core.commands import CancelAppointment, MarkArrived
from core.domain.appointment import Appointment
from core.domain.vocabulary import AppointmentState

_A = AppointmentState
#: The steps each state of a booking offers at the desk.
STEPS: dict[AppointmentState, tuple[str, ...]] = {
    _A.BOOKED: ("arrived", "check-in", "change", "cancel"),
    _A.ARRIVED: ("check-in", "cancel"),
    _A.NO_SHOW: ("arrived", "check-in"),  # it came after all: late
    _A.CHECKED_IN: (),
    _A.CANCELLED: (),
}
STEP_WORDS = {
    "arrived": "desk.mark_arrived",
    "check-in": "desk.check_in_booked",
    "change": "desk.change",
    "cancel": "desk.cancel",
}


class CancelDialog:
    """Cancelling a booking asks why."""

    def __init__(self, desk: Desk, cancelled: Callable[[], None]) -> None:
        self.desk, self.cancelled = desk, cancelled
        self.appointment = ""
        t = desk.t
        with ui.dialog() as self.dialog, ui.card():
            self.title = ui.label().classes("text-lg")
            self.reason = ui.input(t("desk.cancel_reason")).classes("w-80").mark("cancel-reason")
            with ui.row():
                ui.button(t("desk.cancel_confirm"), on_click=self.confirm).props(
                    "color=negative"
                ).mark("cancel-confirm")
                ui.button(t("desk.back"), on_click=self.dialog.close).props("flat")

    def open(self, appt: Appointment) -> None:
        self.appointment = appt.id
        self.title.text = self.desk.t("desk.cancel_title", line=self.desk.booking_line(appt))
        self.reason.value = ""
        self.dialog.open()

    def confirm(self) -> None:
        t = self.desk.t
        reason = (self.reason.value or "").strip()
        if not reason:
            ui.notify(t("desk.missing", what=t("desk.cancel_reason")), type="warning")
            return
        if self.desk.run(CancelAppointment(self.appointment, reason)) is None:
            return
        ui.notify(t("desk.cancelled", id=self.appointment), type="positive")
        self.dialog.close()
        self.cancelled()


class TodayBookings:
    """Today's bookings by time; ``check_in`` fills the check-in card from one, ``change``
    opens the booking card on one."""

    def __init__(
        self,
        desk: Desk,
        check_in: Callable[[str], None],
        change: Callable[[Appointment], None],
    ) -> None:
        self.desk, self.t = desk, desk.t
        self.check_in, self.change = check_in, change
        self._shown: object = None
        self.cancel = CancelDialog(desk, self.refresh)
        with ui.card().classes("w-full"):
            ui.label(self.t("desk.today")).classes("text-lg font-semibold")
            self.box = ui.column().classes("w-full gap-1").mark("today")

    def refresh(self) -> None:
        """Redrawn only when a booking of the day changed."""
        today = self.desk.source.appointments_on(self.desk.today())
        signature = [(a.id, a.state, a.late, a.start, a.ro, a.booking) for a in today]
        if signature == self._shown:
            return
        self._shown = signature
        self.box.clear()
        with self.box:
            if not today:
                ui.label(self.t("desk.no_bookings")).classes("text-slate-500")
            for appt in today:
                self._row(appt)

    def _row(self, appt: Appointment) -> None:
        with ui.row().classes("items-center gap-2 w-full").mark(f"booking-{appt.id}"):
            ui.label(self.desk.booking_line(appt)).classes("grow")
            ui.label(self.standing(appt)).classes(_colour(appt)).mark(f"standing-{appt.id}")
            for step in STEPS[appt.state]:
                ui.button(
                    self.t(STEP_WORDS[step]), on_click=lambda s=step, a=appt: self.take(s, a)
                ).props("dense flat" if step in ("change", "cancel") else "dense").mark(
                    f"{step}-{appt.id}"
                )
            if appt.ro is not None:
                ui.link(appt.ro, f"/orders/{appt.ro}")

    def standing(self, appt: Appointment) -> str:
        """Where the booking stands, in words: late when it came after its slot's grace."""
        words = self.t(f"appointment.{appt.state.value}")
        if appt.late:
            words += f" · {self.t('desk.late')}"
        if appt.arrived_at is not None:
            words += f" {self.desk.hhmm(appt.arrived_at)}"
        return words

    def take(self, step: str, appt: Appointment) -> None:
        if step == "arrived":
            if self.desk.run(MarkArrived(appt.id)) is not None:
                ui.notify(self.t("desk.marked_arrived", id=appt.id), type="positive")
            self.refresh()
        elif step == "check-in":
            self.check_in(appt.id)
        elif step == "change":
            self.change(appt)
        else:
            self.cancel.open(appt)


def _colour(appt: Appointment) -> str:
    if appt.state is _A.NO_SHOW or appt.late:
        return "text-red-700"
    if appt.state in (_A.ARRIVED, _A.CHECKED_IN):
        return "text-emerald-700"
    return "text-slate-500"
