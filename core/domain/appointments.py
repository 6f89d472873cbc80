"""The appointment book: booking a car, changing and cancelling the booking, the car's
arrival (late or not) and the no-show; the reception's slots and the day's load decide
what may be booked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from . import events as ev
from .appointment import (
    Appointment,
    Booking,
    BookingChanges,
    ConfirmationCall,
    changed,
    require_complete,
)
from .bay_needs import bay_hours, needed_kind
from .errors import IllegalTransition, InvalidData, Overbooked, UnknownAppointment
from .plates import names_one_car, plate_key
from .reception_slots import free_slots, require_free_slot
from .reservations import holds_bay_time
from .vocabulary import AppointmentState, CallOutcome
from .workshop_load import Capacity, DayLoad, day_load, overfilled, roomiest_team
from .workshop_state import WorkshopState

_A = AppointmentState
#: Where an appointment may go from each state (a change keeps it booked).
TRANSITIONS: dict[AppointmentState, frozenset[AppointmentState]] = {
    _A.BOOKED: frozenset({_A.ARRIVED, _A.NO_SHOW, _A.CANCELLED, _A.CHECKED_IN}),
    _A.NO_SHOW: frozenset({_A.ARRIVED, _A.CHECKED_IN}),  # it came after all: late
    _A.ARRIVED: frozenset({_A.CHECKED_IN, _A.CANCELLED}),
    _A.CHECKED_IN: frozenset(),
    _A.CANCELLED: frozenset(),
}


def booking_of_car(plate: str, bookings: Iterable[Appointment]) -> Appointment | None:
    """The first of ``bookings`` of the car with this plate (however it is typed) that may
    still be checked in (awaited, arrived, or a no-show that came after all); None for a
    plate that names no one car."""
    if not names_one_car(plate):
        return None
    key = plate_key(plate)
    waiting = [
        a
        for a in bookings
        if _A.CHECKED_IN in TRANSITIONS[a.state] and plate_key(a.booking.vehicle.plate) == key
    ]
    return min(waiting, key=lambda a: (a.start, a.id), default=None)


class AppointmentBook(WorkshopState):
    # ------------------------------------------------------------- lookups
    def appointment(self, appointment_id: str) -> Appointment:
        try:
            return self.appointments[appointment_id]
        except KeyError:
            raise UnknownAppointment(f"no appointment {appointment_id}") from None

    def capacity(self) -> Capacity:
        return Capacity(self.bays, self.technicians, self.hours, self.booking_rules.efficiency)

    def load_on(self, day: date, excluding: str | None = None) -> DayLoad:
        """The standard hours booked on the day, by team and by kind of bay, and room left."""
        return day_load(
            day, self.appointments.values(), self.capacity(), self.operation_kinds, excluding
        )

    def free_slots(self, advisor: str, day: date, after: datetime | None = None) -> list[datetime]:
        return free_slots(
            advisor, day, self.appointments.values(), self.booking_rules, self.hours, after
        )

    # ------------------------------------------------------------- booking
    def book(
        self, booking: Booking, at: datetime, *, force: bool = False, reason: str = ""
    ) -> Appointment:
        """Book a car (预约) in an advisor's free slot on a day with room for its work;
        on a full day only ``force``d, with a ``reason`` kept on the appointment."""
        if booking.id is not None and booking.id in self.appointments:
            raise InvalidData(f"appointment {booking.id} already exists")
        require_complete(booking)
        self._require_ahead(booking.start, at)
        team, forced = self._place(booking, None, force, reason)
        numbered = booking.id is None
        ident = booking.id or self._appointment_number(at)
        appt = Appointment(id=ident, booking=booking, booked_at=at, team=team, forced=forced)
        self.appointments[ident] = appt
        self._record(
            ev.AppointmentBooked(appointment=ident, numbered=numbered, forced=forced, at=at)
        )
        return appt

    def change_appointment(
        self,
        appointment_id: str,
        changes: BookingChanges,
        at: datetime,
        *,
        force: bool = False,
        reason: str = "",
    ) -> Appointment:
        """Change a booking still to come. Its slot is checked again when the time or the
        advisor changes, the day's room when the day, the work or the team does."""
        appt = self._in_state(appointment_id, {_A.BOOKED}, "change")
        new = changed(appt.booking, changes)
        require_complete(new)
        if (new.start, new.advisor) != (appt.start, appt.advisor):
            self._require_ahead(new.start, at)
            self._require_slot(new, appt.id)
        team, forced = appt.team, appt.forced
        if self._loads_differently(appt, new):
            team, forced = self._place(new, appt.id, force, reason)
        appt.booking, appt.team, appt.forced = new, team, forced
        self._record(ev.AppointmentChanged(appointment=appt.id, forced=forced, at=at))
        return appt

    def cancel_appointment(self, appointment_id: str, reason: str, at: datetime) -> Appointment:
        appt = self._moving(appointment_id, _A.CANCELLED, "cancel")
        appt.state, appt.cancelled_reason = _A.CANCELLED, reason
        self._record(ev.AppointmentCancelled(appointment=appt.id, reason=reason, at=at))
        return appt

    def record_call(
        self, appointment_id: str, outcome: CallOutcome, note: str, by: str, at: datetime
    ) -> Appointment:
        """The call to confirm a booking still to come, and what it came to. The call only
        says so: a booking the customer moved or gave up is changed or cancelled as well."""
        if outcome not in set(CallOutcome):
            raise InvalidData(f"no call outcome {outcome!r}")
        appt = self._in_state(appointment_id, {_A.BOOKED}, "record a call for")
        call = ConfirmationCall(CallOutcome(outcome), by, at, note.strip())
        appt.calls.append(call)
        self._record(
            ev.ConfirmationCallRecorded(appointment=appt.id, outcome=call.outcome.value, at=at)
        )
        return appt

    # ------------------------------------------------------------- the day itself
    def awaited_booking(self, plate: str, at: datetime) -> Appointment | None:
        """The day's booking of the car with this plate still to be checked in: a booked
        customer checked in at the desk as a walk-in is still the booked one."""
        day = self.hours.day_of(at)
        return booking_of_car(
            plate, (a for a in self.appointments.values() if self.hours.day_of(a.start) == day)
        )

    def mark_arrived(self, appointment_id: str, at: datetime) -> Appointment:
        """The booked car is here: late when after its slot and the grace (it is still
        checked in), also when it was already counted as a no-show."""
        appt = self._moving(appointment_id, _A.ARRIVED, "mark as arrived")
        appt.state, appt.arrived_at = _A.ARRIVED, at
        appt.late = at > appt.start + self.booking_rules.no_show_grace
        self._record(ev.AppointmentArrived(appointment=appt.id, late=appt.late, at=at))
        return appt

    def _booked_car_checked_in(self, appt: Appointment, ro: str, at: datetime) -> None:
        """The booked car became a repair order (the order is open: this cannot fail)."""
        if appt.state is not _A.ARRIVED:
            self.mark_arrived(appt.id, at)
        appt.state, appt.ro = _A.CHECKED_IN, ro
        self._record(ev.AppointmentCheckedIn(appointment=appt.id, ro=ro, at=at))

    def record_no_shows(self, at: datetime) -> list[str]:
        """Every booked car not here once its slot and the grace are over is a no-show;
        returns those appointments."""
        grace = self.booking_rules.no_show_grace
        missed = [
            a for a in self.appointments.values() if a.state is _A.BOOKED and at > a.start + grace
        ]
        for appt in missed:
            appt.state = _A.NO_SHOW
            self._record(ev.AppointmentNoShow(appointment=appt.id, at=at))
        return [a.id for a in missed]

    def next_no_show(self) -> datetime | None:
        """When the first booked car still awaited becomes a no-show (any moment after it)."""
        grace = self.booking_rules.no_show_grace
        due = [a.start + grace for a in self.appointments.values() if a.state is _A.BOOKED]
        return min(due, default=None)

    def let_go_settled(self, before: date) -> list[str]:
        """Let go of the appointments of the days before ``before`` that are settled (the
        store keeps them): those still waiting for their car, or checked in with the car
        not yet dispatched (its bay time is still held), stay. Returns those let go."""
        day = self.hours.day_of
        gone = [
            a.id
            for a in self.appointments.values()
            if day(a.start) < before and not holds_bay_time(self, a)
        ]
        for ident in gone:
            del self.appointments[ident]
        return gone

    def quieter_times(
        self, booking: Booking, count: int = 5, days: int = 14, excluding: str | None = None
    ) -> list[datetime]:
        """The advisor's next free slots, from the booking's time on, on days with room for
        its work: what to offer when the day wished for is full (``excluding`` the booking
        itself, when it is one being moved)."""
        out: list[datetime] = []
        first = self.hours.day_of(booking.start)
        for n in range(days):
            day = first + timedelta(days=n)
            if self._room_for(booking, day, excluding):
                out += self.free_slots(booking.advisor, day, after=booking.start)
            if len(out) >= count:
                break
        return out[:count]

    # ------------------------------------------------------------- the rules
    def _place(
        self, booking: Booking, excluding: str | None, force: bool, reason: str
    ) -> tuple[str | None, str | None]:
        """The team the booking goes on, and why it is booked on a full day (None: it is
        not full). Refuses an incomplete booking, a slot not free and, unforced, a full day."""
        require_complete(booking)
        self._require_slot(booking, excluding)
        load = self.load_on(self.hours.day_of(booking.start), excluding)
        team = self._team_for(booking, load)
        over = overfilled(load, team, bay_hours(booking.operations, self.operation_kinds))
        if not over:
            return team, None
        if not force:
            raise Overbooked(f"{load.day.isoformat()} is full: " + "; ".join(over))
        if not reason.strip():
            raise InvalidData("booking a day that is full needs a reason")
        return team, reason.strip()

    def _team_for(self, booking: Booking, load: DayLoad) -> str | None:
        if booking.team is None:
            kind = needed_kind(booking.operations, self.operation_kinds)
            return roomiest_team(load, kind, self.capacity())
        if booking.team not in load.teams:
            raise InvalidData(f"no team {booking.team}")
        return booking.team

    def _room_for(self, booking: Booking, day: date, excluding: str | None) -> bool:
        load = self.load_on(day, excluding)
        team = self._team_for(booking, load)
        return not overfilled(load, team, bay_hours(booking.operations, self.operation_kinds))

    def _require_slot(self, booking: Booking, excluding: str | None) -> None:
        require_free_slot(
            booking.advisor,
            booking.start,
            self.appointments.values(),
            self.booking_rules,
            self.hours,
            excluding,
        )

    def _loads_differently(self, appt: Appointment, new: Booking) -> bool:
        day = self.hours.day_of
        return (
            day(new.start) != day(appt.start)
            or new.operations != appt.operations
            or (new.team is not None and new.team != appt.team)
        )

    @staticmethod
    def _require_ahead(start: datetime, at: datetime) -> None:
        if start < at:
            raise InvalidData(f"{start.isoformat()} has passed: a booking is for a time to come")

    def _in_state(
        self, appointment_id: str, states: set[AppointmentState], action: str
    ) -> Appointment:
        appt = self.appointment(appointment_id)
        if appt.state not in states:
            raise IllegalTransition(f"cannot {action} {appointment_id}: it is {appt.state.value}")
        return appt

    def _moving(self, appointment_id: str, to: AppointmentState, action: str) -> Appointment:
        states = {s for s, targets in TRANSITIONS.items() if to in targets}
        return self._in_state(appointment_id, states, action)

    def _appointment_number(self, at: datetime) -> str:
        day = self.hours.day_of(at).strftime("%Y%m%d")  # the site's day, as the orders' numbers
        return f"AP-{day}-{self._next('appointment:' + day):04d}"
