"""Appointments in storage: a row per booking, with the columns a day's list, an advisor's
day and the bookings still open are found by, and the whole domain object in ``doc``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from core.domain.appointment import Appointment
from core.domain.vocabulary import AppointmentState, JobStatus

from .codec import appointment_from_doc, appointment_to_doc
from .tables import AppointmentRow, JobRow

#: Bookings still waiting for their car: kept in the live workshop whatever their day.
OPEN_STATES = (AppointmentState.BOOKED.value, AppointmentState.ARRIVED.value)


def appointment_row(site: str, appt: Appointment, day: date, now: datetime) -> dict[str, Any]:
    """The row of an appointment whose slot is on the site's local ``day``."""
    return {
        "site": site,
        "id": appt.id,
        "day": day,
        "starts_at": appt.start,
        "advisor": appt.advisor,
        "state": appt.state.value,
        "plate": appt.booking.vehicle.plate,
        "ro": appt.ro,
        "updated_at": now,
        "doc": appointment_to_doc(appt),
    }


def live_appointments(conn: Connection, site: str, today: date | None) -> list[Appointment]:
    """What the live workshop holds of the book: every appointment from ``today`` on; from
    before, those still booked or arrived (a no-show the core was not running to see, a car
    still at reception) and those checked in whose car still waits for dispatch (its bay time
    is still held). Given None, every appointment."""
    a = AppointmentRow
    query = select(a.doc).where(a.site == site)
    if today is not None:
        waiting = select(JobRow.ro).where(
            JobRow.site == site, JobRow.status == JobStatus.CHECKED_IN.value
        )
        query = query.where(
            or_(
                a.day >= today,
                a.state.in_(OPEN_STATES),
                and_(a.state == AppointmentState.CHECKED_IN.value, a.ro.in_(waiting)),
            )
        )
    return [appointment_from_doc(d) for d in conn.execute(query).scalars()]


def appointments_on(conn: Connection, site: str, day: date) -> list[Appointment]:
    """The day's appointments, every state, in the order of their slots."""
    a = AppointmentRow
    docs = conn.execute(
        select(a.doc).where(a.site == site, a.day == day).order_by(a.starts_at, a.id)
    ).scalars()
    return [appointment_from_doc(d) for d in docs]


def stored_appointment(conn: Connection, site: str, ident: str) -> Appointment | None:
    doc = conn.execute(
        select(AppointmentRow.doc).where(AppointmentRow.site == site, AppointmentRow.id == ident)
    ).scalar_one_or_none()
    return None if doc is None else appointment_from_doc(doc)
