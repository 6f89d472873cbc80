"""The promise offered at check-in, from the plan: the car's work goes where a bay of its
kind is free soonest, after the work queued there and around the booked cars' time, in
working hours; then the checks, the wash if wanted and a margin. A full workshop promises
later than an empty one; a booked car is promised from its reserved time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from .bay_needs import bay_hours, needed_kind
from .eta import FINAL_QC, LEADER_CHECK, PROMISE_MARGIN, WASH, on_grid
from .model import Bay, BayKind, Operation
from .plan import Plan, fit, plan_workshop
from .vocabulary import STATION_KINDS
from .working_hours import WorkingHours
from .workshop_state import WorkshopState


def after_the_bay(wash: bool) -> timedelta:
    """From the bay work done to the car ready: the checks, and the wash if wanted."""
    return LEADER_CHECK + FINAL_QC + (WASH if wash else timedelta())


def soonest_bay_done(
    plan: Plan, bays: Iterable[Bay], kind: BayKind, work: timedelta, hours: WorkingHours
) -> tuple[str | None, datetime]:
    """The bay of the kind that would finish ``work`` added to its queue soonest, and when
    (any work bay when the site has none of the kind; no bay at all: from now)."""
    work_bays = [b for b in bays if b.kind not in STATION_KINDS]
    fitting = [b for b in work_bays if b.kind is kind] or work_bays
    best: tuple[str | None, datetime] = (None, hours.add(plan.now, work))
    for bay in sorted(fitting, key=lambda b: b.id):
        cursor = plan.free_from.get(bay.id, plan.now)
        _, end = fit(cursor, work, plan.reserved_on(bay.id), hours)
        if best[0] is None or end < best[1]:
            best = (bay.id, end)
    return best


def load_aware_promise(
    plan: Plan,
    bays: Iterable[Bay],
    kind: BayKind,
    standard_hours: float,
    wash: bool,
    hours: WorkingHours,
) -> datetime:
    """The promise for a car with this much work of this kind, given the plan: its bay work
    done where soonest, the checks, the wash, a margin, on the reception's grid."""
    _, done = soonest_bay_done(plan, bays, kind, timedelta(hours=standard_hours), hours)
    return _promised(done, wash, hours)


def promise_at_check_in(
    ws: WorkshopState,
    operations: Iterable[Operation],
    wash: bool,
    now: datetime,
    appointment: str | None = None,
) -> datetime:
    """The promise to offer a car at reception, from the workshop's plan at ``now``: a booked
    car's from the end of its reserved time (the plan keeps that time for it)."""
    plan = plan_workshop(ws, now)
    reserved = plan.reserved.get(appointment or "")
    if reserved is not None:
        return _promised(max(reserved.end, now), wash, ws.hours)
    ops = list(operations)
    work = sum(bay_hours(ops, ws.operation_kinds).values())
    kind = needed_kind(ops, ws.operation_kinds)
    return load_aware_promise(plan, ws.bays.values(), kind, work, wash, ws.hours)


def planned_ready(
    plan: Plan, washes: Mapping[str, bool], hours: WorkingHours
) -> dict[str, datetime]:
    """When each planned job should be ready: its planned end, the checks and the wash."""
    return {
        ro: hours.add(block.end, after_the_bay(washes.get(ro, False)))
        for ro, block in plan.jobs.items()
    }


def _promised(bay_done: datetime, wash: bool, hours: WorkingHours) -> datetime:
    ready = hours.add(bay_done, after_the_bay(wash) + PROMISE_MARGIN)
    return on_grid(ready.astimezone(hours.zone))
