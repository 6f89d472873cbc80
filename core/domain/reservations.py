"""Bay time reserved for booked cars: from a little after the reception slot, as long as
the booked work, on a bay of the kind that work needs, of its team where it has one. The
plan keeps queued work out of these blocks; the schedule shows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .appointment import Appointment
from .bay_needs import OperationKinds, bay_hours, needed_kind
from .booking_rules import BookingRules
from .model import Bay, BayKind, JobStatus
from .vocabulary import AppointmentState
from .working_hours import WorkingHours
from .workshop_state import WorkshopState


@dataclass(frozen=True)
class Reservation:
    appointment: str
    kind: BayKind
    team: str | None
    bay: str | None  # None: no bay of its kind is free then; held on its team
    start: datetime
    end: datetime
    work: timedelta  # the booked work: working time from start to end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def reserve_bays(
    appointments: Iterable[Appointment],
    bays: Mapping[str, Bay],
    kinds: OperationKinds,
    rules: BookingRules,
    hours: WorkingHours,
) -> list[Reservation]:
    """A block for each appointment with bay work, in the order of their slots (the first
    booked first on a tie), each on the first bay of its kind free for the whole block."""
    out: list[Reservation] = []
    on_bay: dict[str, list[Reservation]] = {}
    ordered = sorted(bays.values(), key=lambda b: b.id)
    for appt in sorted(appointments, key=lambda a: (a.start, a.booked_at, a.id)):
        work = timedelta(hours=sum(bay_hours(appt.operations, kinds).values()))
        if work <= timedelta():
            continue
        start = hours.next_working(_arrival(appt) + rules.to_bay)
        end = hours.add(start, work)
        kind = needed_kind(appt.operations, kinds)
        bay = next(
            (
                b.id
                for b in _candidates(ordered, kind, appt.team)
                if not any(r.overlaps(start, end) for r in on_bay.get(b.id, []))
            ),
            None,
        )
        reservation = Reservation(appt.id, kind, appt.team, bay, start, end, work)
        out.append(reservation)
        if bay is not None:
            on_bay.setdefault(bay, []).append(reservation)
    return out


def workshop_reservations(ws: WorkshopState) -> list[Reservation]:
    """The workshop's reservations: for booked cars not yet here or not yet checked in,
    and for those checked in but not yet dispatched (in a queue, a car is planned as work)."""
    global _last
    waiting = [a for a in ws.appointments.values() if holds_bay_time(ws, a)]
    # The plan is made again after every tap; the booked cars' blocks change only when a
    # booking, an arrival or the bays do. What they are made from, as values (appointments
    # change in place): the same values give the same blocks.
    key = (
        tuple((a.id, a.booking, a.booked_at, a.team, a.arrived_at) for a in waiting),
        tuple((b.id, b.kind, b.team) for b in ws.bays.values()),
        tuple(ws.operation_kinds.items()),
        ws.booking_rules,
        ws.hours,
    )
    last = _last
    if last is not None and last[0] == key:
        return list(last[1])
    made = reserve_bays(waiting, ws.bays, ws.operation_kinds, ws.booking_rules, ws.hours)
    _last = (key, tuple(made))
    return made


_last: tuple[object, tuple[Reservation, ...]] | None = None


def holds_bay_time(ws: WorkshopState, appt: Appointment) -> bool:
    if appt.state in (AppointmentState.BOOKED, AppointmentState.ARRIVED):
        return True
    if appt.state is AppointmentState.CHECKED_IN and appt.ro is not None:
        job = ws.jobs.get(appt.ro)
        return job is not None and job.status is JobStatus.CHECKED_IN
    return False


def _arrival(appt: Appointment) -> datetime:
    """When the car is at reception: its slot, or later when it came late."""
    if appt.arrived_at is not None and appt.arrived_at > appt.start:
        return appt.arrived_at
    return appt.start


def _candidates(ordered: list[Bay], kind: BayKind, team: str | None) -> list[Bay]:
    """Bays of the kind, the team's own first, each group in the order of their ids."""
    fitting = [b for b in ordered if b.kind is kind]
    return [b for b in fitting if b.team == team] + [b for b in fitting if b.team != team]
