"""The check-in card (接车): the car and its customer, the operations and the job type, a
promise from the plan, the customer's wishes and the key tag. A booked car's card comes
filled from its booking."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime

from nicegui import ui

from board.desk_common import Desk
from board.walkaround_page import RECORDERS, walkaround_path
from core.commands import CheckInCar
from core.config import key_slots
from core.domain.appointments import booking_of_car
from core.domain.model import Customer, FindingState, Job, Operation, Vehicle
from core.domain.plates import names_one_car
from core.domain.vocabulary import FUEL_LEVELS, OPEN_STATUSES, JobType, StaffRole
from core.domain.workshop import MAX_REQUESTS, CheckIn


def declined_before(history: list[Job]) -> list[str]:
    """Recommendations the customer declined on earlier visits, newest first."""
    return [
        f"{job.checked_in_at:%Y-%m-%d} {f.title}"
        for job in history
        for f in job.findings
        if f.state is FindingState.DECLINED
    ]


def still_in(plate: str, history: list[Job]) -> str | None:
    """The order of the car's ``history`` still open in the workshop, if the plate names
    one car (a second 无牌 car is another car)."""
    if not names_one_car(plate):
        return None
    return next((j.ro for j in history if j.status in OPEN_STATUSES), None)


#: Seconds after a check-in in which a click on the emptied card is its double click's second.
DOUBLE_CLICK = 1.5


class CheckInForm:
    """The check-in card; ``checked_in`` is told after a car was checked in."""

    def __init__(self, desk: Desk, checked_in: Callable[[], None]) -> None:
        self.desk = desk
        self.t = desk.t
        self.checked_in = checked_in
        #: The booking being checked in, and its operations as booked (None: a walk-in).
        self.appointment: str | None = None
        self.booked_ops: tuple[Operation, ...] = ()
        self.booked_advisor = ""
        #: When the last car was checked in from this card (time.monotonic()).
        self._checked_in_at = -DOUBLE_CLICK
        #: The site's advisors (none: the site keeps them in its dealer system only).
        self.advisors = {
            u.id: f"{u.name} ({u.id})" for u in desk.config.users if u.role is StaffRole.ADVISOR
        }
        with ui.card().classes("w-[36rem]"):
            ui.label(self.t("desk.check_in")).classes("text-lg font-semibold")
            self._booking_banner()
            self._car_and_customer()
            self._operations()
            self._wishes()
            ui.button(self.t("desk.submit"), on_click=self.submit).classes("w-full").mark(
                "check-in"
            )
            # The car just checked in is walked around with its customer next.
            self.walk_link = ui.link("", "#").mark("walk-around-next")
            self.walk_link.visible = False
        self.ops.on_value_change(self.suggest)
        self.wash.on_value_change(self.suggest)
        self.plate.on("blur", self.look_up)
        self.suggest()

    def _booking_banner(self) -> None:
        with ui.row().classes("items-center gap-2 w-full") as self.banner:
            self.banner_text = ui.label().classes("grow text-sky-700").mark("from-booking")
            ui.button(self.t("desk.walk_in"), on_click=self._clear).props("flat dense").mark(
                "walk-in"
            )
        self.banner.visible = False

    def _car_and_customer(self) -> None:
        t = self.t
        with ui.grid(columns=2).classes("w-full gap-2"):
            self.customer = ui.input(t("desk.customer")).mark("customer")
            self.phone = ui.input(t("desk.phone")).mark("phone")
            self.plate = ui.input(t("desk.plate")).mark("plate")
            self.vin = ui.input(t("desk.vin")).mark("vin")
            self.model = ui.input(t("desk.model")).mark("model")
            self.colour = ui.input(t("desk.colour")).mark("colour")
            self.mileage = ui.number(t("desk.mileage"), min=0, format="%d").mark("mileage")
            self.fuel = ui.select(
                {f: t(f"fuel.{f}") for f in FUEL_LEVELS},
                label=t("desk.fuel"),
                value="1/2",
            ).mark("fuel")

    def _operations(self) -> None:
        self.ops = (
            ui.select(
                self.desk.operation_options(),
                label=self.t("desk.operations"),
                multiple=True,
                with_input=True,
            )
            .classes("w-full")
            .props("use-chips")
            .mark("operations")
        )
        # A car that turns up unbooked most often has something wrong: a repair unless said.
        self.job_type = (
            ui.select(
                self.desk.job_type_options(),
                label=self.t("desk.job_type"),
                value=JobType.REPAIR.value,
            )
            .classes("w-48")
            .mark("job-type")
        )

    def _wishes(self) -> None:
        t = self.t
        self.requests = ui.textarea(t("desk.requests")).classes("w-full").mark("requests")
        self.requests.props(f"maxlength={MAX_REQUESTS} counter")  # a ticket prints them
        self.history = ui.label().classes("text-amber-700 text-sm whitespace-pre-line")
        self.history.mark("history")
        with ui.row().classes("items-center gap-4"):
            self.waiting = ui.checkbox(t("desk.waiting")).mark("waiting")
            self.wash = ui.checkbox(t("desk.wash"), value=True).mark("wash")
            self.old_parts = ui.checkbox(t("desk.old_parts")).mark("old-parts")
        with ui.row().classes("items-center gap-4 w-full"):
            self.promised = ui.input(t("desk.promised")).mark("promised")
            self.key_tag = ui.input(t("desk.key_tag")).mark("key-tag")
            # Whose car it is: a foreman or manager covering the desk checks it in for one.
            self.advisor = ui.select(
                self.advisors, label=t("desk.advisor"), value=self._own_advisor()
            ).classes("w-40")
            self.advisor.mark("advisor").visible = bool(self.advisors)

    def _own_advisor(self) -> str | None:
        """The one at the desk, when they are one of the site's advisors."""
        me = str(self.desk.user["id"])
        return me if me in self.advisors else None

    # ------------------------------------------------------------- a booked car
    def fill_from_booking(self, appointment: str) -> None:
        """The card filled from the booking: its customer, car, work, job type and wishes,
        and the promise the plan gives the booked car."""
        order = self.desk.source.booked_order(appointment, bool(self.wash.value))
        self.appointment, self.booked_ops = appointment, order.operations
        self.booked_advisor = order.advisor
        if order.advisor in self.advisors:
            self.advisor.value = order.advisor
        v, c = order.vehicle, order.customer
        self.customer.value, self.phone.value = c.name, c.phone
        self.plate.value, self.vin.value = v.plate, v.vin
        self.model.value, self.colour.value = v.model, v.colour
        self.mileage.value = v.mileage_km
        self.ops.set_options(self.desk.operation_options(order.operations))
        self.ops.value = [op.code for op in order.operations]
        self.job_type.value = order.job_type.value
        self.requests.value = order.requests
        self.banner_text.text = self.t("desk.from_booking", id=appointment)
        self.banner.visible = True
        self._show_promise(order.promised_at)
        self.look_up()

    # ------------------------------------------------------------- the promise and history
    def suggest(self) -> None:
        """A promise from the plan: a booked car's after its reserved bay time, a walk-in's
        where a bay of its work's kind is free soonest."""
        source, wash = self.desk.source, bool(self.wash.value)
        if self.appointment is not None:
            when = source.booked_order(self.appointment, wash).promised_at
        else:
            when = source.promise(self._picked(), wash)
        self._show_promise(when)

    def _show_promise(self, when: datetime) -> None:
        self.promised.value = when.astimezone(self.desk.zone).strftime("%Y-%m-%d %H:%M")

    def _picked(self) -> tuple[Operation, ...]:
        return self.desk.operations_of(self.ops.value or [], self.booked_ops)

    def look_up(self) -> None:
        """Once the plate is typed: whether the car is still in the workshop, and what the
        customer declined on its earlier visits."""
        number = (self.plate.value or "").strip().upper()
        if not number:
            self.history.text = ""
            return
        if self.appointment is None:  # a booked customer at the desk unannounced
            today = self.desk.source.appointments_on(self.desk.today())
            booked = booking_of_car(number, today)
            if booked is not None:
                self.fill_from_booking(booked.id)  # its customer, car, work and advisor
                ui.notify(self.t("desk.booked_today", id=booked.id), type="info")
                return
        history = self.desk.source.vehicle_history(number)
        declined = declined_before(history)
        lines = [f"{self.t('desk.history')}: {'; '.join(declined[:5])}"] if declined else []
        here = still_in(number, history)
        if here is not None:  # its check-in would be refused: say why before it is typed
            lines.insert(0, self.t("desk.in_workshop", ro=here))
        self.history.text = "\n".join(lines)

    # ------------------------------------------------------------- checking in
    def _missing(self) -> list[str]:
        required = [
            ("desk.plate", self.plate.value),
            ("desk.operations", self.ops.value),
            ("desk.promised", self.promised.value),
        ]
        if self.advisors:
            required.append(("desk.advisor", self.advisor.value))
        return [self.t(key) for key, field in required if not field]

    def _order(self, promised_at: datetime) -> CheckIn:
        desk = self.desk
        return CheckIn(
            vehicle=Vehicle(
                plate=self.plate.value.strip().upper(),
                model=(self.model.value or "").strip(),
                colour=(self.colour.value or "").strip(),
                vin=(self.vin.value or "").strip().upper(),
                mileage_km=int(self.mileage.value) if self.mileage.value is not None else None,
                fuel_level=self.fuel.value or "",
            ),
            customer=Customer(
                name=(self.customer.value or "").strip(), phone=(self.phone.value or "").strip()
            ),
            operations=self._picked(),
            promised_at=promised_at.replace(tzinfo=desk.zone),
            # A booked car stays its advisor's, whoever is at the desk when it comes.
            advisor=self.advisor.value or self.booked_advisor or desk.user["id"],
            requests=(self.requests.value or "").strip(),
            customer_waiting=bool(self.waiting.value),
            wash_requested=bool(self.wash.value),
            keep_old_parts=bool(self.old_parts.value),
            key_tag=(self.key_tag.value or "").strip() or None,
            # The pickup card's QR leads here: unguessable.
            public_token=secrets.token_urlsafe(16),
            job_type=JobType(self.job_type.value or JobType.REPAIR.value),
        )

    def submit(self) -> None:
        t = self.t
        if not self.plate.value and time.monotonic() - self._checked_in_at < DOUBLE_CLICK:
            return  # the second click of a double click: its car is in, the card empty
        missing = self._missing()
        if missing:
            ui.notify(t("desk.missing", what=", ".join(missing)), type="warning")
            return
        try:
            when = datetime.strptime(self.promised.value.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            ui.notify(t("desk.missing", what=t("desk.promised")), type="warning")
            return
        if when.replace(tzinfo=self.desk.zone) <= self.desk.source.now():
            ui.notify(t("desk.promise_passed"), type="warning")  # a date typed wrong
            return
        order = self._order(when)
        plate = order.vehicle.plate
        here = still_in(plate, self.desk.source.vehicle_history(plate))
        if here is not None:  # refused: said with the order the car has
            ui.notify(self.t("desk.in_workshop", ro=here), type="warning")
            return
        command = CheckInCar(order, key_slots(self.desk.config), self.appointment)
        job = self.desk.run(command)
        if job is None:
            return
        self._checked_in_at = time.monotonic()
        ui.notify(t("desk.checked_in", ro=job.ro, slot=job.key_slot or "—"), type="positive")
        self.walk_link.text = f"{t('walk.open')} {job.ro} {job.vehicle.plate}"
        self.walk_link.props["href"] = walkaround_path(job.ro)
        self.walk_link.visible = self.desk.user["role"] in RECORDERS
        self._clear()
        self.checked_in()

    def _clear(self) -> None:
        fields = (
            self.customer,
            self.phone,
            self.plate,
            self.vin,
            self.model,
            self.colour,
            self.requests,
            self.key_tag,
        )
        for field in fields:
            field.value = ""
        self.appointment, self.booked_ops, self.booked_advisor = None, (), ""
        self.advisor.value = self._own_advisor()
        self.banner.visible = False
        self.ops.set_options(self.desk.operation_options())
        self.ops.value = []
        self.job_type.value = JobType.REPAIR.value
        self.mileage.value = None
        self.history.text = ""
