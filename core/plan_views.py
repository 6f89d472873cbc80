"""The plan (排班) as the boards show it: every dispatched job's planned bar, and the time
reserved on the bays for booked cars within the Gantt's window."""

from __future__ import annotations

from datetime import datetime

from core.contract.views import PlannedBar, ReservedBlock
from core.domain.appointment import Appointment
from core.domain.plan import Block, Plan
from core.domain.privacy import mask_plate


def _minute(ts: datetime) -> datetime:
    # To the minute, as the board reads it: between two taps a plan stays the same, so the
    # job parts that carry it are not sent again for a second's drift.
    return ts.replace(second=0, microsecond=0)


def planned_bars(plan: Plan) -> list[PlannedBar]:
    """Each job of a bay's queue as planned, by bay, start and RO."""
    # Made from the plan's own values, which need no checking: hundreds on a big board.
    bars = [
        PlannedBar.model_construct(
            bay=b.bay, ro=b.ro, start=_minute(b.start), end=_minute(b.end), pinned=b.pinned
        )
        for b in plan.jobs.values()
        if b.bay is not None and b.ro is not None
    ]
    bars.sort(key=lambda b: (b.bay, b.start, b.ro))
    return bars


def reserved_blocks(
    plan: Plan, appointments: dict[str, Appointment], since: datetime, until: datetime
) -> list[ReservedBlock]:
    """The booked cars' time on a bay that falls within [since, until), by bay, start and
    appointment. Time held on a team with no bay of its kind free is on no bay's row."""
    out = []
    for ident, block in plan.reserved.items():
        appt = appointments.get(ident)
        if block.bay is None or appt is None or not (block.start < until and block.end > since):
            continue
        out.append(_reserved(block, block.bay, appt))
    out.sort(key=lambda b: (b.bay, b.start, b.appointment))
    return out


def _reserved(block: Block, bay: str, appt: Appointment) -> ReservedBlock:
    vehicle = appt.booking.vehicle
    return ReservedBlock.model_construct(
        appointment=appt.id,
        bay=bay,
        start=_minute(block.start),
        end=_minute(block.end),
        booked_at=appt.start,
        plate=mask_plate(vehicle.plate),
        model=vehicle.model,
        state=appt.state,
    )
