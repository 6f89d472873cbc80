"""Booking a car at the desk (电话预约), or changing a booking: whom to call, the car, the work
from the catalogue with its standard hours, the job type, the advisor and the day; the
advisor's free reception slots that day as buttons and the day's workshop load beside them.
A day too full is refused in the domain's words, with quieter times to pick instead, or
booked all the same with a reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from nicegui import ui

from board.desk_common import Desk
from core.commands import BookAppointment, ChangeAppointment, Command
from core.display.texts import refusal
from core.domain.appointment import Appointment, Booking, BookingChanges
from core.domain.errors import DomainError, NotASlot, Overbooked, SlotTaken
from core.domain.model import Customer, Operation, Vehicle
from core.domain.vocabulary import JobType
from core.domain.workshop_load import DayLoad, Fill

#: How many days ahead the desk books.
DAYS_AHEAD = 60
#: From this share of a day's capacity booked, its line turns amber.
NEAR_FULL = 0.8
#: Refusals answered with the advisor's quieter times; only a full day may be forced.
OFFER_TIMES_FOR = (Overbooked, SlotTaken, NotASlot)


class BookingForm:
    """The booking card; ``booked`` is told after a booking was made or changed."""

    def __init__(self, desk: Desk, booked: Callable[[], None]) -> None:
        self.desk, self.t, self.booked = desk, desk.t, booked
        self.editing: Appointment | None = None
        self.slot: datetime | None = None
        with ui.card().classes("w-[40rem]"):
            self.title = ui.label(self.t("desk.book")).classes("text-lg font-semibold")
            self.title.mark("booking-title")
            self._who_and_car()
            self._work_and_when()
            self._slots_and_load()
            self._refusal_box()
            with ui.row().classes("w-full gap-2"):
                ui.button(self.t("desk.book_submit"), on_click=lambda: self.submit()).classes(
                    "grow"
                ).mark("book-submit")
                self.abandon = ui.button(self.t("desk.change_abandon"), on_click=self.reset)
                self.abandon.props("flat").mark("book-abandon")
                self.abandon.visible = False
        self.ops.on_value_change(lambda: self.show_load())
        self.advisor.on_value_change(lambda: self.show_slots(keep=False))
        self.day.on_value_change(lambda: self.show_slots(keep=False))
        self.show_slots(keep=False)

    def _who_and_car(self) -> None:
        t = self.t
        with ui.grid(columns=2).classes("w-full gap-2"):
            self.customer = ui.input(t("desk.customer")).mark("book-customer")
            self.phone = ui.input(t("desk.phone")).mark("book-phone")
            self.plate = ui.input(t("desk.plate")).mark("book-plate")
            self.model = ui.input(t("desk.model")).mark("book-model")

    def _work_and_when(self) -> None:
        t, desk = self.t, self.desk
        self.ops = ui.select(
            desk.operation_options(), label=t("desk.operations"), multiple=True, with_input=True
        )
        self.ops.classes("w-full").props("use-chips").mark("book-operations")
        with ui.grid(columns=3).classes("w-full gap-2"):
            self.job_type = ui.select(
                desk.job_type_options(), label=t("desk.job_type"), value=JobType.MAINTENANCE.value
            ).mark("book-job-type")
            self.advisor = ui.select(
                desk.advisors(), label=t("desk.advisor"), value=desk.my_advisor()
            ).mark("book-advisor")
            today = desk.today()
            days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
            self.day = ui.select(
                {d.isoformat(): desk.day_words(d) for d in days},
                label=t("desk.day"),
                value=(today + timedelta(days=1)).isoformat(),
            ).mark("book-day")
        self.requests = ui.input(t("desk.requests")).classes("w-full").mark("book-requests")

    def _slots_and_load(self) -> None:
        ui.label(self.t("desk.slots")).classes("text-sm text-slate-500")
        self.slots_box = ui.row().classes("w-full gap-1").mark("book-slots")
        ui.label(self.t("desk.load")).classes("text-sm text-slate-500")
        self.load_box = ui.column().classes("w-full gap-0").mark("day-load")

    def _refusal_box(self) -> None:
        t = self.t
        with ui.column().classes("w-full gap-1 border rounded p-2 border-red-300") as box:
            self.why = ui.label().classes("text-red-700").mark("booking-refused")
            ui.label(t("desk.quieter")).classes("text-sm text-slate-500")
            self.quieter_box = ui.row().classes("w-full gap-1").mark("quieter")
            with ui.row().classes("items-center gap-2 w-full") as self.forcing:
                self.reason = ui.input(t("desk.force_reason")).classes("grow")
                self.reason.mark("force-reason")
                ui.button(t("desk.force"), on_click=lambda: self.submit(force=True)).props(
                    "color=negative"
                ).mark("force-book")
        self.refusal = box
        box.visible = False

    # ------------------------------------------------------------- the day chosen
    def chosen_day(self) -> date:
        return date.fromisoformat(self.day.value)

    def free(self) -> list[datetime]:
        """The advisor's free slots of the day; a booking being changed keeps its own."""
        advisor = self.advisor.value
        if not advisor:
            return []
        slots = self.desk.source.free_slots(advisor, self.chosen_day())
        own = self.editing
        keeps_own = (
            own is not None
            and own.advisor == advisor
            and own.start not in slots
            and self._day_of(own.start) == self.chosen_day()
            and own.start >= self.desk.source.now()
        )
        return sorted([*slots, own.start]) if keeps_own and own is not None else slots

    def _offer_day(self, day: date) -> None:
        """A day beyond those offered (a quieter time, a booking far ahead) among them."""
        options = dict(self.day.options)
        if day.isoformat() not in options:
            options[day.isoformat()] = self.desk.day_words(day)
            self.day.set_options(options)

    def _day_of(self, at: datetime) -> date:
        return at.astimezone(self.desk.zone).date()

    def show_slots(self, keep: bool = True) -> None:
        """The free slots as buttons, the one picked marked; and the day's load."""
        slots = self.free()
        if not keep or self.slot not in slots:
            self.slot = None
        self.slots_box.clear()
        with self.slots_box:
            if not slots:
                ui.label(self.t("desk.no_slots")).classes("text-slate-500")
            for at in slots:
                picked = at == self.slot
                ui.button(self.desk.hhmm(at), on_click=lambda a=at: self.pick(a)).props(
                    "dense unelevated" if picked else "dense outline"
                ).mark(f"slot-{at.astimezone(self.desk.zone):%H%M}")
        self.show_load()

    def pick(self, at: datetime) -> None:
        self.slot = at
        self.show_slots()

    def show_load(self) -> None:
        """The hours booked on the day against what each team and kind of bay can do, and
        the hours of this booking."""
        load = self.desk.source.day_load(self.chosen_day())
        hours = sum(op.standard_hours for op in self._picked())
        self.load_box.clear()
        with self.load_box:
            for key, what, fill in self._fills(load):
                ui.label(
                    self.t(
                        "desk.load_line",
                        what=what,
                        booked=f"{fill.booked:g}",
                        capacity=f"{fill.capacity:.1f}",
                    )
                ).classes(_fullness(fill, hours)).mark(f"load-{key}")
            ui.label(self.t("desk.load_this", hours=f"{hours:g}")).mark("load-this")

    def _fills(self, load: DayLoad) -> list[tuple[str, str, Fill]]:
        teams = {team.id: team.name for team in self.desk.config.teams}
        out = [(f"team-{team}", teams.get(team, team), f) for team, f in load.teams.items()]
        out += [
            (f"kind-{kind.value}", self.t(f"bay_kind.{kind.value}"), f)
            for kind, f in load.kinds.items()
            if f.capacity > 0 or f.booked > 0
        ]
        return out

    def _picked(self) -> tuple[Operation, ...]:
        known = self.editing.operations if self.editing is not None else ()
        return self.desk.operations_of(self.ops.value or [], known)

    # ------------------------------------------------------------- booking
    def _booking(self) -> Booking | None:
        """The booking as filled in; None (and what is missing told) when it is not whole."""
        t = self.t
        required = [
            ("desk.customer", self.customer.value),
            ("desk.phone", self.phone.value),
            ("desk.plate", self.plate.value),
            ("desk.operations", self.ops.value),
            ("desk.advisor", self.advisor.value),
            ("desk.slots", self.slot),
        ]
        missing = [t(key) for key, value in required if not value]
        if missing or self.slot is None:
            ui.notify(t("desk.missing", what=", ".join(missing)), type="warning")
            return None
        had = self.editing.booking.vehicle if self.editing is not None else Vehicle(plate="")
        return Booking(
            customer=Customer(name=self.customer.value.strip(), phone=self.phone.value.strip()),
            vehicle=replace(
                had, plate=self.plate.value.strip().upper(), model=(self.model.value or "").strip()
            ),
            operations=self._picked(),
            start=self.slot,
            advisor=self.advisor.value,
            job_type=JobType(self.job_type.value),
            requests=(self.requests.value or "").strip(),
        )

    def _command(self, booking: Booking, force: bool, reason: str) -> Command:
        if self.editing is None:
            return BookAppointment(booking, force, reason)
        changes = BookingChanges(
            start=booking.start,
            advisor=booking.advisor,
            operations=booking.operations,
            job_type=booking.job_type,
            requests=booking.requests,
            customer=booking.customer,
            vehicle=booking.vehicle,
        )
        return ChangeAppointment(self.editing.id, changes, force, reason)

    def submit(self, force: bool = False) -> None:
        booking = self._booking()
        if booking is None:
            return
        reason = (self.reason.value or "").strip() if force else ""
        if force and not reason:
            ui.notify(self.t("desk.missing", what=self.t("desk.force_reason")), type="warning")
            return
        done, err = self.desk.attempt(self._command(booking, force, reason))
        if err is not None:
            self._refused(err, booking)
            return
        key = "desk.booked" if self.editing is None else "desk.changed"
        when = f"{done.start.astimezone(self.desk.zone):%Y-%m-%d %H:%M}"
        ui.notify(self.t(key, id=done.id, time=when), type="positive")
        self.reset()
        self.booked()

    def _refused(self, err: DomainError, booking: Booking) -> None:
        """Told in the domain's words; a full day, a taken slot or no slot at all with the
        advisor's quieter times, and a full day with the way to book it all the same."""
        self.desk.refused(err)
        if not isinstance(err, OFFER_TIMES_FOR):
            return
        self.why.text = refusal(err.code, err.message, self.desk.lang)
        excluding = self.editing.id if self.editing is not None else None
        offered = self.desk.source.quieter_times(booking, excluding)
        self.quieter_box.clear()
        with self.quieter_box:
            for at in offered:
                local = at.astimezone(self.desk.zone)
                ui.button(f"{local:%m-%d %H:%M}", on_click=lambda a=at: self.take(a)).props(
                    "dense outline"
                ).mark(f"quieter-{local:%Y%m%d-%H%M}")
        self.forcing.visible = isinstance(err, Overbooked)
        self.refusal.visible = True
        self.show_slots()

    def take(self, at: datetime) -> None:
        """A quieter time offered: its day and slot picked."""
        day = self._day_of(at).isoformat()
        self._offer_day(self._day_of(at))
        self.day.value = day
        self.slot = at
        self.refusal.visible = False
        self.show_slots()

    # ------------------------------------------------------------- changing, starting over
    def load(self, appt: Appointment) -> None:
        """Change this booking: the card filled from it, its slot picked."""
        b = appt.booking
        self.editing = appt
        self.title.text = self.t("desk.change_booking", id=appt.id)
        self.customer.value, self.phone.value = b.customer.name, b.customer.phone
        self.plate.value, self.model.value = b.vehicle.plate, b.vehicle.model
        self.ops.set_options(self.desk.operation_options(b.operations))
        self.ops.value = [op.code for op in b.operations]
        self.job_type.value, self.requests.value = b.job_type.value, b.requests
        self.advisor.value = b.advisor
        self._offer_day(self._day_of(appt.start))
        self.day.value = self._day_of(appt.start).isoformat()
        self.slot = appt.start
        self.abandon.visible = True
        self.refusal.visible = False
        self.show_slots()

    def reset(self) -> None:
        for field in (self.customer, self.phone, self.plate, self.model, self.requests):
            field.value = ""
        self.reason.value = ""
        self.editing, self.slot = None, None
        self.title.text = self.t("desk.book")
        self.ops.set_options(self.desk.operation_options())
        self.ops.value = []
        self.job_type.value = JobType.MAINTENANCE.value
        self.abandon.visible = False
        self.refusal.visible = False
        self.show_slots(keep=False)


def _fullness(fill: Fill, hours: float) -> str:
    """Red when this booking's hours are more than is left, amber when little is left (a
    hint: the domain says whether the booking fits, by the team and the bays its work
    needs)."""
    if fill.room <= 0 or (fill.booked > 0 and fill.room < hours):
        return "text-red-700"
    return "text-amber-700" if fill.booked > NEAR_FULL * fill.capacity else ""
