"""Appointments (预约): a car booked for a reception slot with an advisor, the work asked
for, and where the booking stands until the car is checked in, cancelled or not seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .errors import InvalidData
from .model import Customer, Operation, Vehicle
from .vocabulary import AppointmentState, CallOutcome, JobType


@dataclass(frozen=True)
class Booking:
    """What the advisor takes down when a customer books."""

    customer: Customer
    vehicle: Vehicle
    operations: tuple[Operation, ...]
    start: datetime  # the reception slot the customer comes at
    advisor: str
    job_type: JobType = JobType.MAINTENANCE
    team: str | None = None  # whose hours it is booked on; None: the team with most room
    requests: str = ""
    id: str | None = None  # None: numbered by the day it is booked

    @property
    def standard_hours(self) -> float:
        return sum(op.standard_hours for op in self.operations)


@dataclass(frozen=True)
class BookingChanges:
    """What may change on a booking; None leaves it as it is."""

    start: datetime | None = None
    advisor: str | None = None
    operations: tuple[Operation, ...] | None = None
    job_type: JobType | None = None
    team: str | None = None
    requests: str | None = None
    customer: Customer | None = None
    vehicle: Vehicle | None = None


@dataclass(frozen=True)
class ConfirmationCall:
    """The advisor's call the day before: whether the customer is coming as booked."""

    outcome: CallOutcome
    by: str  # who called
    at: datetime
    note: str = ""


@dataclass
class Appointment:
    id: str
    booking: Booking
    booked_at: datetime
    team: str | None  # whose day's hours it counts against
    state: AppointmentState = AppointmentState.BOOKED
    forced: str | None = None  # why it was booked on a day already full
    arrived_at: datetime | None = None
    late: bool = False  # arrived after the slot and its grace: still checked in
    ro: str | None = None  # the repair order it became
    cancelled_reason: str | None = None
    #: The calls made to confirm it, oldest first.
    calls: list[ConfirmationCall] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.booking.start

    @property
    def advisor(self) -> str:
        return self.booking.advisor

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self.booking.operations

    @property
    def standard_hours(self) -> float:
        return self.booking.standard_hours


def changed(booking: Booking, changes: BookingChanges) -> Booking:
    """The booking with the changes made."""
    return Booking(
        customer=changes.customer or booking.customer,
        vehicle=changes.vehicle or booking.vehicle,
        operations=booking.operations if changes.operations is None else changes.operations,
        start=changes.start or booking.start,
        advisor=booking.advisor if changes.advisor is None else changes.advisor,
        job_type=changes.job_type or booking.job_type,
        team=changes.team or booking.team,
        requests=booking.requests if changes.requests is None else changes.requests,
        id=booking.id,
    )


def require_complete(booking: Booking) -> None:
    """A booking names the car, whom to call and the advisor, and asks for some work."""
    if not booking.vehicle.plate.strip():
        raise InvalidData("a booking needs the car's plate")
    if not booking.customer.name.strip() or not booking.customer.phone.strip():
        raise InvalidData("a booking needs the customer's name and phone")
    if not booking.advisor.strip():
        raise InvalidData("a booking needs a service advisor")
    if not booking.operations:
        raise InvalidData("a booking asks for at least one operation")
    for op in booking.operations:
        if op.standard_hours < 0:
            raise InvalidData(f"operation {op.code} has negative standard hours")
    if booking.start.tzinfo is None:
        raise InvalidData("a booking's time needs its time zone")
