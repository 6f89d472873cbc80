"""The integration API's appointment book: a day's bookings, one booking, booking a car
(refused for a full day or a taken slot with the advisor's next free times offered, or
forced with a reason), changing and cancelling it, the car's arrival and its check-in from
the booking; an advisor's free slots and the day's load."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.api_parts import (
    PROBLEMS,
    CustomerIn,
    Ident,
    OperationIn,
    Problem,
    Reader,
    StrictIn,
    Text,
    VehicleIn,
    Writer,
    card_reader,
    customer_of,
    require_advisor,
    require_ahead,
    require_reach,
    resolve,
    vehicle_of,
)
from core.appointment_book import appointments_on, booked_order, quieter_times
from core.commands import (
    BookAppointment,
    CancelAppointment,
    ChangeAppointment,
    CheckInCar,
    Command,
    MarkArrived,
)
from core.config import key_slots
from core.contract.views import JobCard, OperationLine
from core.domain.appointment import Appointment, Booking, BookingChanges, changed
from core.domain.errors import (
    DomainError,
    InvalidData,
    NotASlot,
    Overbooked,
    SlotTaken,
    UnknownAppointment,
)
from core.domain.vocabulary import AppointmentState, BayKind, JobType
from core.domain.workshop import CheckIn, Workshop
from core.engine import Core

#: A car's booked work: more than this is a typing error (the plan would run for years).
MOST_HOURS = 100.0
#: Refusals a booking is answered with the advisor's next free times for.
OFFER_TIMES_FOR = (Overbooked, SlotTaken, NotASlot)

ADVISOR = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"
Advisor = Annotated[str, Field(pattern=ADVISOR)]
Day = Annotated[date, Query(description="The site's local day, e.g. 2026-11-25")]


def require_sane_work(operations: list[OperationIn] | None) -> None:
    if operations and sum(resolve(op).standard_hours for op in operations) > MOST_HOURS:
        raise InvalidData(f"more than {MOST_HOURS:g} standard hours of work for one car")


class Forcing(StrictIn):
    force: bool = Field(
        default=False,
        description="Book a day already full for the team or the bays all the same; needs a "
        "reason (refused as overbooked without it)",
    )
    reason: str = Field(default="", max_length=200, description="Why, when forced")


class BookingIn(Forcing):
    vehicle: VehicleIn
    customer: CustomerIn = Field(description="Whom to call: name and phone are needed")
    operations: list[OperationIn] = Field(min_length=1, max_length=50)
    start: AwareDatetime = Field(description="A free reception slot of the advisor's")
    advisor: Advisor
    job_type: JobType = JobType.MAINTENANCE
    team: Ident | None = Field(default=None, description="Empty: the team with most room")
    requests: Text = ""


class BookingChangeIn(Forcing):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    start: AwareDatetime | None = None
    advisor: Advisor | None = None
    operations: list[OperationIn] | None = Field(default=None, min_length=1, max_length=50)
    job_type: JobType | None = None
    team: Ident | None = None
    requests: Text | None = None
    customer: CustomerIn | None = None
    vehicle: VehicleIn | None = None


class CancelBookingIn(StrictIn):
    reason: str = Field(min_length=1, max_length=200)


class ArrivedCheckInIn(StrictIn):
    """What reception adds to the booking when the car is checked in."""

    promised_at: AwareDatetime | None = Field(
        default=None, description="Empty: promised from the plan, after its reserved bay time"
    )
    customer_waiting: bool = False
    wash: bool = True
    keep_old_parts: bool = False
    key_tag: Ident | None = None
    key_slot: int | None = Field(default=None, ge=0, le=10_000, description="Key-cabinet hook")
    mileage_km: int | None = Field(default=None, ge=0, le=3_000_000)
    fuel_level: str = Field(default="", max_length=8)


class AppointmentOut(BaseModel):
    """A booking as the dealer system reads it: no customer name or phone."""

    id: str
    state: AppointmentState
    start: datetime
    advisor: str
    team: str | None
    job_type: JobType
    plate: str
    model: str
    operations: list[OperationLine]
    standard_hours: float
    requests: str
    forced: str | None = Field(description="Why it was booked on a day already full")
    booked_at: datetime
    arrived_at: datetime | None
    late: bool
    ro: str | None = Field(description="The repair order it became")
    cancelled_reason: str | None


class BookingRefused(Problem):
    quieter_times: list[datetime] = Field(
        default=[],
        description="The advisor's next free slots on days with room for the work (for "
        "overbooked, slot_taken and not_a_slot)",
    )


class FreeSlots(BaseModel):
    advisor: str
    day: date
    slots: list[datetime]


class Fill(BaseModel):
    booked: float = Field(description="Standard hours booked")
    capacity: float
    room: float


class TeamFill(Fill):
    team: str


class KindFill(Fill):
    kind: BayKind


class DayLoadOut(BaseModel):
    day: date
    teams: list[TeamFill]
    kinds: list[KindFill]


BOOKING_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    409: {"model": BookingRefused, "description": "Refused now (code says why), times offered"},
}


# ------------------------------------------------------------------ to and from the domain
def appointment_out(a: Appointment) -> AppointmentOut:
    b = a.booking
    return AppointmentOut(
        id=a.id,
        state=a.state,
        start=a.start,
        advisor=a.advisor,
        team=a.team,
        job_type=b.job_type,
        plate=b.vehicle.plate,
        model=b.vehicle.model,
        operations=[
            OperationLine(
                code=o.code, name=o.name, name_en=o.name_en, standard_hours=o.standard_hours
            )
            for o in b.operations
        ],
        standard_hours=round(a.standard_hours, 2),
        requests=b.requests,
        forced=a.forced,
        booked_at=a.booked_at,
        arrived_at=a.arrived_at,
        late=a.late,
        ro=a.ro,
        cancelled_reason=a.cancelled_reason,
    )


def booking_of(body: BookingIn) -> Booking:
    return Booking(
        customer=customer_of(body.customer),
        vehicle=vehicle_of(body.vehicle),
        operations=tuple(resolve(op) for op in body.operations),
        start=body.start.astimezone(UTC),  # read back alike from the live book and the store
        advisor=body.advisor,
        job_type=body.job_type,
        team=body.team,
        requests=body.requests,
    )


def changes_of(body: BookingChangeIn) -> BookingChanges:
    ops = None if body.operations is None else tuple(resolve(op) for op in body.operations)
    return BookingChanges(
        start=None if body.start is None else body.start.astimezone(UTC),
        advisor=body.advisor,
        operations=ops,
        job_type=body.job_type,
        team=body.team,
        requests=body.requests,
        customer=None if body.customer is None else customer_of(body.customer),
        vehicle=None if body.vehicle is None else vehicle_of(body.vehicle),
    )


def sane_day(day: date) -> date:
    require_reach(day)
    return day


# ------------------------------------------------------------------ reading the book
def read_appointment(core: Core, ident: str) -> AppointmentOut:
    """A booking from the live book, or from the store once settled and let go."""

    def live(ws: Workshop, _now: datetime) -> AppointmentOut | None:
        appt = ws.appointments.get(ident)
        return None if appt is None else appointment_out(appt)

    found = core.query(live)
    if found is not None:
        return found
    stored = core.store.load_appointment(ident)
    if stored is None:
        raise UnknownAppointment(f"no appointment {ident}")
    return appointment_out(stored)


def day_list(core: Core, day: date, advisor: str | None) -> list[AppointmentOut]:
    """The day's bookings in the order of their slots: the live book holds today's and
    those to come, the store the days before."""
    found = [appointment_out(a) for a in appointments_on(core, day)]
    return [a for a in found if advisor is None or a.advisor == advisor]


def day_load(core: Core, day: date) -> DayLoadOut:
    def read(ws: Workshop, _now: datetime) -> DayLoadOut:
        load = ws.load_on(day)
        return DayLoadOut(
            day=day,
            teams=[
                TeamFill(team=t, booked=f.booked, capacity=f.capacity, room=f.room)
                for t, f in load.teams.items()
            ],
            kinds=[
                KindFill(kind=k, booked=f.booked, capacity=f.capacity, room=f.room)
                for k, f in load.kinds.items()
            ],
        )

    return core.query(read)


def refused(err: DomainError, offered: list[datetime]) -> JSONResponse:
    body = BookingRefused(code=err.code, message=err.message, quieter_times=offered)
    return JSONResponse(body.model_dump(mode="json"), status_code=409)


def order_for(core: Core, ident: str, body: ArrivedCheckInIn) -> CheckIn:
    """The order a booked car is checked in with, filled from its booking."""
    return booked_order(
        core,
        ident,
        body.promised_at,
        body.wash,
        mileage_km=body.mileage_km,
        fuel_level=body.fuel_level,
        customer_waiting=body.customer_waiting,
        keep_old_parts=body.keep_old_parts,
        key_tag=body.key_tag,
        key_slot=body.key_slot,
    )


# ------------------------------------------------------------------ the routes
AppointmentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


def add_appointment_routes(api: FastAPI, core: Core) -> None:
    add_reading_routes(api, core)
    add_booking_routes(api, core)
    add_day_routes(api, core)


def add_reading_routes(api: FastAPI, core: Core) -> None:
    @api.get("/appointments", responses=PROBLEMS, response_model=list[AppointmentOut])
    def list_appointments(
        actor: Reader,
        day: Day,
        advisor: Annotated[
            str | None, Query(pattern=ADVISOR, description="Only this advisor's")
        ] = None,
    ) -> list[AppointmentOut]:
        return day_list(core, sane_day(day), advisor)

    @api.get("/appointments/{appointment}", responses=PROBLEMS, response_model=AppointmentOut)
    def get_appointment(appointment: AppointmentId, actor: Reader) -> AppointmentOut:
        return read_appointment(core, appointment)


def add_booking_routes(api: FastAPI, core: Core) -> None:
    def run(command: Command, actor: str) -> Any:
        return core.run_command(command, actor)

    @api.post(
        "/appointments", status_code=201, responses=BOOKING_PROBLEMS, response_model=AppointmentOut
    )
    def book_appointment(body: BookingIn, actor: Writer) -> Any:
        require_reach(body.start)
        require_advisor(core, body.advisor)
        require_sane_work(body.operations)
        booking = booking_of(body)
        try:
            appt = run(BookAppointment(booking, body.force, body.reason), actor)
        except OFFER_TIMES_FOR as err:
            return refused(err, quieter_times(core, lambda _ws: booking, None))
        return read_appointment(core, appt.id)

    @api.patch(
        "/appointments/{appointment}", responses=BOOKING_PROBLEMS, response_model=AppointmentOut
    )
    def change_appointment(appointment: AppointmentId, body: BookingChangeIn, actor: Writer) -> Any:
        given = {
            f for f in body.model_fields_set - {"force", "reason"} if getattr(body, f) is not None
        }
        if not given:  # a field sent as null changes nothing either
            raise InvalidData("nothing to change")
        require_reach(body.start)
        require_advisor(core, body.advisor)
        require_sane_work(body.operations)
        changes = changes_of(body)
        try:
            run(ChangeAppointment(appointment, changes, body.force, body.reason), actor)
        except OFFER_TIMES_FOR as err:

            def moved(ws: Workshop) -> Booking:
                return changed(ws.appointment(appointment).booking, changes)

            return refused(err, quieter_times(core, moved, appointment))
        return read_appointment(core, appointment)

    add_day_steps(api, core, run)


def add_day_steps(api: FastAPI, core: Core, run: Callable[[Command, str], Any]) -> None:
    card = card_reader(core)

    @api.post(
        "/appointments/{appointment}/cancel", responses=PROBLEMS, response_model=AppointmentOut
    )
    def cancel_appointment(
        appointment: AppointmentId, body: CancelBookingIn, actor: Writer
    ) -> AppointmentOut:
        run(CancelAppointment(appointment, body.reason), actor)
        return read_appointment(core, appointment)

    @api.post(
        "/appointments/{appointment}/arrived", responses=PROBLEMS, response_model=AppointmentOut
    )
    def mark_arrived(appointment: AppointmentId, actor: Writer) -> AppointmentOut:
        run(MarkArrived(appointment), actor)
        return read_appointment(core, appointment)

    @api.post(
        "/appointments/{appointment}/check-in",
        status_code=201,
        responses=PROBLEMS,
        response_model=JobCard,
    )
    def check_in_appointment(
        appointment: AppointmentId, body: ArrivedCheckInIn, actor: Writer
    ) -> JobCard:
        require_ahead(core, body.promised_at)
        order = order_for(core, appointment, body)
        job = run(CheckInCar(order, key_slots(core.config), appointment), actor)
        return card(job.ro)


def add_day_routes(api: FastAPI, core: Core) -> None:
    @api.get("/advisors/{advisor}/free-slots", responses=PROBLEMS, response_model=FreeSlots)
    def free_slots(
        advisor: Annotated[str, Path(pattern=ADVISOR)], day: Day, actor: Reader
    ) -> FreeSlots:
        sane_day(day)
        require_advisor(core, advisor)

        def read(ws: Workshop, now: datetime) -> list[datetime]:
            return ws.free_slots(advisor, day, after=now)  # a slot passed is not bookable

        return FreeSlots(advisor=advisor, day=day, slots=core.query(read))

    @api.get("/workshop-load", responses=PROBLEMS, response_model=DayLoadOut)
    def workshop_load(day: Day, actor: Reader) -> DayLoadOut:
        return day_load(core, sane_day(day))
