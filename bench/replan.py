"""Re-planning a large workshop: 60 bays, 400 jobs in their queues, 150 booked cars.

    python3 tasks.py bench replan [--bays 60] [--jobs 400] [--bookings 150] [--rounds 100]
                                  [--tap-to-view [--rate 100] [--events 1000]]

Builds the workshop in the pure domain (no core, no store): bays of every kind in six
teams, a job on every lift and the rest queued, cars booked over the next days. Then, round
after round, one job moves to another bay and the whole plan is made again from the
workshop (each job's remaining hours, the booked cars' reserved time, every bay's queue in
working hours), as after any change. Prints the time per re-plan (target: under 10 ms)
and, apart, the time of the plan alone from queues already read.

With ``--tap-to-view``, then its effect on tap → view in the same run (bench/replan_taps.py):
the same taps on the same site once with an empty workshop and once with the 400 jobs and
150 booked cars, each beside the raw publish → subscribe round trip.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from bench.common import machine, summary
from core.catalogue import bay_kinds, operations
from core.domain.appointment import Booking
from core.domain.errors import DomainError
from core.domain.model import Bay, BayKind, Customer, Role, Technician, Vehicle
from core.domain.plan import plan_bays, plan_workshop, queued_work
from core.domain.reservations import workshop_reservations
from core.domain.working_hours import WorkingHours
from core.domain.workshop import CheckIn, Workshop

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=ZONE)
TEAMS = ["A", "B", "C", "D", "E", "F"]
KINDS = [BayKind.ALIGNMENT] * 4 + [BayKind.BODY] * 3 + [BayKind.PAINT] * 3


def workshop(bays: int, site: str = "bench") -> Workshop:
    """``bays`` bays (the first ten special), six teams, two technicians a bay."""
    kinds = KINDS + [BayKind.GENERAL] * max(0, bays - len(KINDS))
    site_bays = [
        Bay(f"B{n:03d}", f"{n}号工位", kinds[n], TEAMS[n % len(TEAMS)]) for n in range(bays)
    ]
    techs = [
        Technician(f"T{n:03d}", f"技师{n}", TEAMS[n % len(TEAMS)], frozenset({Role.TECHNICIAN}))
        for n in range(2 * bays)
    ]
    return Workshop(
        site=site,
        bays={b.id: b for b in site_bays},
        technicians={t.id: t for t in techs},
        operation_kinds=bay_kinds(),
        hours=WorkingHours(
            periods=((clock(8, 0), clock(12, 0)), (clock(13, 0), clock(18, 30))), zone=ZONE
        ),
    )


def fill(ws: Workshop, jobs: int, rnd: random.Random, now: datetime = NOW) -> None:
    """``jobs`` cars checked in and dispatched to bays their work suits, the first on each
    bay started an hour before ``now``."""
    by_kind: dict[BayKind, list[str]] = {}
    for b in ws.bays.values():
        by_kind.setdefault(b.kind, []).append(b.id)
    catalogue = [o for o in operations().values() if o.bay_kind != "wash"]
    started = now - timedelta(hours=1)
    for n in range(jobs):
        op = rnd.choice(catalogue)
        order = CheckIn(
            vehicle=Vehicle(plate=f"京A{n:05d}"),
            customer=Customer(name="客户", phone="13800000000"),
            operations=(op.to_operation(),),
            promised_at=now + timedelta(hours=4),
        )
        job = ws.check_in(order, started)
        bay = rnd.choice(by_kind[BayKind(op.bay_kind)])
        ws.dispatch(job.ro, bay, started)
        if len(ws.bay_queue(bay)) == 1:
            tech = next(t for t in ws.technicians if ws.tech_state(t).bay is None)
            ws.sign_in(tech, bay, started)
            ws.start(job.ro, tech, bay, started)


def book(ws: Workshop, bookings: int, rnd: random.Random, now: datetime = NOW) -> int:
    """Up to ``bookings`` cars booked in the advisors' free slots over the coming days."""
    catalogue = [o for o in operations().values() if o.bay_kind != "wash"]
    advisors = [f"SA{n:02d}" for n in range(1, 5)]
    booked, day = 0, now.date()
    while booked < bookings:
        day += timedelta(days=1)
        for advisor in advisors:
            for start in ws.free_slots(advisor, day):
                if booked >= bookings:
                    break
                ops = tuple(o.to_operation() for o in rnd.sample(catalogue, rnd.choice([1, 2])))
                wanted = Booking(
                    customer=Customer(name="客户", phone="13900000000"),
                    vehicle=Vehicle(plate=f"沪B{booked:05d}"),
                    operations=ops,
                    start=start,
                    advisor=advisor,
                )
                try:
                    ws.book(wanted, now)
                    booked += 1
                except DomainError:
                    continue  # that day is full for its kind of bay: the next slot
    return booked


def rounds(ws: Workshop, n: int, rnd: random.Random) -> tuple[list[float], list[float]]:
    """Per round, a queued job moves to another bay of its kind; then the whole re-plan,
    and the plan alone from the queues as read."""
    whole: list[float] = []
    alone: list[float] = []
    for i in range(n):
        now = NOW + timedelta(minutes=i)
        waiting = [j for j in ws.jobs.values() if j.status.value == "dispatched"]
        job = rnd.choice(waiting)
        kind = ws.bays[job.bay or ""].kind
        others = [b.id for b in ws.bays.values() if b.kind is kind and b.id != job.bay]
        ws.dispatch(job.ro, rnd.choice(others), now)
        began = time.perf_counter()
        plan_workshop(ws, now)
        whole.append(time.perf_counter() - began)
        queues, reserved = queued_work(ws, now), workshop_reservations(ws)
        began = time.perf_counter()
        plan_bays(queues, reserved, now, ws.hours)
        alone.append(time.perf_counter() - began)
    return whole, alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bays", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--bookings", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument(
        "--tap-to-view",
        action="store_true",
        help="then tap -> view on an empty workshop and on this one, in the same run",
    )
    parser.add_argument("--rate", type=float, default=100.0, help="taps per second")
    parser.add_argument("--events", type=int, default=1000, help="taps per workshop")
    args = parser.parse_args()
    rnd = random.Random(7)
    ws = workshop(args.bays)
    fill(ws, args.jobs, rnd)
    booked = book(ws, args.bookings, rnd)
    plan = plan_workshop(ws, NOW)
    print(machine())
    lifted = sum(j.status.value == "in_progress" for j in ws.jobs.values())
    placed = sum(b.bay is not None for b in plan.reserved.values())
    print(
        f"{args.bays} bays, {len(ws.jobs)} jobs ({lifted} on the lift), "
        f"{booked} bookings ({placed} on a bay)"
    )
    whole, alone = rounds(ws, args.rounds, rnd)
    print(f"re-plan from the workshop: {summary(whole)}  (target p50 < 10 ms)")
    print(f"plan alone, queues read:   {summary(alone)}")
    if args.tap_to_view:
        from bench.replan_taps import compare

        compare(args.bays, args.jobs, args.bookings, args.rate, args.events)


if __name__ == "__main__":
    main()
