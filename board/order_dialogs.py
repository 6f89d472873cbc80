"""The advisor's changes to an order from their board: a new promise agreed on a call to the
customer, the work of an approved finding or more work the customer asked for added from the
catalogue, the order cancelled with a reason. Each is a command of the core, audited; a
refusal is told in words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from nicegui import ui

from board.desk_common import Desk
from core.commands import AddFindingWork, Cancel, RecordPromiseCall, UpdateOrder
from core.contract.advisor_board import AdvisorCar
from core.domain.model import JobStatus
from core.domain.vocabulary import BAY_STATUSES
from core.domain.workshop import OrderChanges

#: Where more work may still go on a car: waiting for its bay or at it (as the domain says).
TAKES_WORK = BAY_STATUSES | {JobStatus.CHECKED_IN}


def promise_at(day: str, hhmm: str, zone: ZoneInfo) -> datetime:
    """The local day (yyyy-mm-dd) and time (hh:mm) typed in; ValueError when they are not."""
    hour, minute = (int(x) for x in hhmm.strip().split(":"))
    return datetime.combine(date.fromisoformat(day.strip()), time(hour, minute), tzinfo=zone)


class OrderDialogs:
    """One dialog, filled for the change asked for; ``changed`` redraws the board."""

    def __init__(self, desk: Desk, changed: Callable[[], None]) -> None:
        self.desk = desk
        self.t = desk.t
        self.changed = changed
        self.dialog = ui.dialog()

    def _open(self, title: str) -> ui.card:
        self.dialog.clear()
        with self.dialog:
            card = ui.card().classes("w-[30rem]")
        with card:
            ui.label(title).classes("text-lg")
        self.dialog.open()
        return card

    def promise(self, car: AdvisorCar) -> None:
        """The call to the customer and the promise agreed on it."""
        t, zone = self.t, self.desk.zone
        shown = (car.predicted_at or car.promised_at).astimezone(zone)
        with self._open(f"{t('mycars.record_call')} · {car.ro} {car.plate}"):
            ui.label(f"{car.customer} {car.phone}")
            day = ui.input(t("mycars.promise_day"), value=shown.date().isoformat())
            day.mark("promise-day")
            at = ui.input(t("mycars.promise_time"), value=f"{shown:%H:%M}").mark("promise-time")
            note = ui.input(t("mycars.call_note")).classes("w-full").mark("promise-note")
            ui.button(
                t("mycars.save_promise"),
                on_click=lambda: self._promise(car, day.value, at.value, note.value or ""),
            ).mark("promise-submit")

    def _promise(self, car: AdvisorCar, day: str, hhmm: str, note: str) -> None:
        if self._done_already():
            return
        try:
            when = promise_at(day, hhmm, self.desk.zone)
        except ValueError:
            ui.notify(self.t("mycars.bad_time"), type="negative")
            return
        if self.desk.run(RecordPromiseCall(car.ro, when, note)) is None:
            return
        ui.notify(self.t("mycars.promise_saved", at=self.desk.moment(when)), type="positive")
        self._done()

    def add_work(self, car: AdvisorCar) -> None:
        """Catalogue operations for the work of a finding the customer approved."""
        t = self.t
        with self._open(f"{t('mycars.add_work')} · {car.ro} {car.plate}"):
            finding = ui.select(
                dict(car.approved), value=car.approved[0][0], label=t("mycars.finding")
            ).classes("w-full")
            finding.mark("work-finding")
            ops = ui.select(
                self.desk.operation_options(), multiple=True, label=t("mycars.operations")
            ).classes("w-full")
            ops.mark("work-operations")
            ui.button(
                t("mycars.add_work"),
                on_click=lambda: self._add(car, finding.value, list(ops.value or [])),
            ).mark("work-submit")

    def _add(self, car: AdvisorCar, finding_id: str, codes: list[str]) -> None:
        if self._done_already():
            return
        if not codes:
            ui.notify(self.t("desk.missing", what=self.t("mycars.operations")), type="warning")
            return
        work = self.desk.operations_of(codes)
        if self.desk.run(AddFindingWork(car.ro, finding_id, work)) is None:
            return
        ui.notify(self.t("mycars.work_added", ro=car.ro), type="positive")
        self._done()

    def more_work(self, car: AdvisorCar) -> None:
        """Catalogue operations the customer asked for while the car is in (a call, a word
        at the desk): added to the order, planned and shown at its bay."""
        t = self.t
        with self._open(f"{t('mycars.more_work')} · {car.ro} {car.plate}"):
            ops = ui.select(
                self.desk.operation_options(),
                multiple=True,
                with_input=True,
                label=t("mycars.operations"),
            ).classes("w-full")
            ops.props("use-chips").mark("more-operations")
            ui.button(
                t("mycars.more_work"), on_click=lambda: self._more(car, list(ops.value or []))
            ).mark("more-submit")

    def _more(self, car: AdvisorCar, codes: list[str]) -> None:
        if self._done_already():
            return
        if not codes:
            ui.notify(self.t("desk.missing", what=self.t("mycars.operations")), type="warning")
            return
        changes = OrderChanges(add_operations=tuple(self.desk.operations_of(codes)))
        if self.desk.run(UpdateOrder(car.ro, changes)) is None:
            return
        ui.notify(self.t("mycars.work_added", ro=car.ro), type="positive")
        self._done()

    def cancel(self, car: AdvisorCar) -> None:
        t = self.t
        with self._open(f"{t('mycars.cancel')} · {car.ro} {car.plate}"):
            reason = ui.input(t("mycars.cancel_reason")).classes("w-full").mark("cancel-reason")
            ui.button(
                t("mycars.cancel"),
                on_click=lambda: self._cancel(car, reason.value or ""),
            ).props("color=negative").mark("cancel-submit")

    def _cancel(self, car: AdvisorCar, reason: str) -> None:
        if self._done_already():
            return
        if self.desk.run(Cancel(car.ro, reason)) is None:
            return
        ui.notify(self.t("mycars.cancelled", ro=car.ro), type="positive")
        self._done()

    def _done(self) -> None:
        self.dialog.close()
        self.changed()

    def _done_already(self) -> bool:
        """A second click of a button whose first click did the change and closed the
        dialog: not done twice (a double click added the same work twice)."""
        return not self.dialog.value
