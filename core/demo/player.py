"""Workshop days played on the site clock, through the real MQTT path (kiosks and the key
cabinet publish events) and the core's command path (the advisor's and foreman's actions).

Every bay works its cars one after another as a real one does: a job takes about its
standard hours of site time (overruns now and then), pauses for parts, lunch or a
customer's answer, goes through the checks, QC and the wash (one car at a time there) and
is picked up. The advisors book cars ahead by phone (the first morning that day's, each day
the next day's); a booked car comes about its slot (now and then late, now and then not at
all), is marked arrived, checked in from its booking and taken by the next free bay before
any walk-in. A bay takes no car it could not have ready by the evening. The player never
taps what the workshop would refuse: a bay takes cars only while its technician is signed
in, a key hangs on a free hook, a key is taken before its car is delivered. At the end of
the day every technician signs out; the next morning it goes on. One thread plays every bay
in order of site time, so a test can drive it with a clock of its own (``Pace``) and no
real waiting.

One person acts on what their screen shows: the QC inspector passes a car once the bay's
self-check is on the board, the advisor answers a finding once it has reached the desk.
So before a step on another device than the last one (or on the core's command path),
the player waits, for a few real seconds at most, until the last device's events are all
answered; at any speed the core gets the steps of different devices in the order they
were played."""

from __future__ import annotations

import heapq
import logging
import random
import threading
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any, Protocol, runtime_checkable

from core.appointment_book import booked_order
from core.catalogue import CatalogueOperation, findings, likely_job_type, operations, parts_for
from core.commands import (
    AnswerFinding,
    BookAppointment,
    CheckHandover,
    CheckInCar,
    Deliver,
    Dispatch,
    HandOutParts,
    MarkArrived,
    RecordWalkAround,
)
from core.config import SiteConfig
from core.contract import site_clock
from core.contract.events import full_inspection
from core.contract.sender import EventSender
from core.demo.bookings import demo_bookings
from core.demo.walkarounds import demo_sheet
from core.domain.errors import DomainError
from core.domain.handover import all_ticked, handover_gaps
from core.domain.model import Customer, Job, Vehicle
from core.domain.vocabulary import AppointmentState, BayKind, PauseReason, Role, StaffRole
from core.domain.workshop import CheckIn, Workshop
from core.engine import Core

logger = logging.getLogger(__name__)

MODELS = [
    "别克 GL8",
    "别克 君越",
    "丰田 凯美瑞",
    "大众 朗逸",
    "本田 雅阁",
    "日产 轩逸",
    "比亚迪 汉 EV",
    "奥迪 A6L",
]
COLOURS = ["白", "黑", "银", "灰", "蓝", "红"]
PROVINCES = ["京A", "京B", "沪A", "粤B", "浙A", "苏E"]


class KeyCabinet(Protocol):
    """Hooks the demo hangs keys on and takes them from (a simulated cabinet)."""

    @property
    def slots(self) -> int: ...

    def hang(self, tag: str, slot: int) -> None: ...

    def take(self, slot: int) -> None: ...


@dataclass(frozen=True)
class DayCrew:
    """Who works the demo day: the general bays' technicians, the QC station and its
    inspector, the wash bay and its washer, and the findings they may report."""

    techs: dict[str, list[str]]
    qc: str | None
    inspector: str | None
    wash: str | None
    washer: str | None
    finds: list[Any]


@dataclass(frozen=True)
class Car:
    """A car checked in for a bay to take: its order, its key's tag and hook (None: the
    customer kept the key), and its standard hours."""

    ro: str
    tag: str | None
    slot: int | None
    standard: float


#: A bay's play: yields the site time at which it goes on.
Play = Generator[datetime, None, None]

LAST_INTAKE = time(16, 30)  # no new car after this
DAY_ENDS = time(18, 15)  # everyone signs out (before the last shift end)
LUNCH = (time(11, 55), time(13, 0))  # clocks paused for the break (before the 12:00 shift end)
EVENING = time(18, 20)  # work left over is paused for the night (before the 18:30 shift end)
#: Cars the advisors book for the first day on its morning, and for each next day the day
#: before; a booked car now and then comes late (after the grace: late, still checked in),
#: now and then not at all.
BOOKED_FIRST_DAY = 4
BOOKED_AHEAD = 5
ARRIVAL_MINUTES = [-10, -5, -5, 0, 0, 5, 10, 25]
NOT_COMING = 0.1
#: A walk-in's work at its longest (an overrun), and the hours from the bay to the customer
#: (the checks, the wash): a bay takes no car it could not have ready by the evening.
OVERRUN_AT_MOST = 2.0
AFTER_THE_BAY = 0.75
#: Time kept for a finding on the car: reported, the customer called back, a little work.
A_FINDING = 1.0
# How long, in real seconds, a step on another device waits for the last device's events
# to be answered (a kiosk off the network, say) before it goes on regardless.
SETTLE_S = 10.0


class Pace(Protocol):
    """Where site time stands and how the player waits for it."""

    def now(self) -> datetime: ...

    def wait_until(self, at: datetime) -> bool:
        """False once the play should stop."""
        ...


@runtime_checkable
class Drains(Protocol):
    """A sender that knows whether the core has answered all its events (DeviceLink)."""

    def wait_drained(self, timeout: float = 10.0) -> bool: ...


class SitePace:
    """The site clock, waited for in real seconds."""

    def __init__(self, clock: site_clock.SiteClock, stop: threading.Event) -> None:
        self.clock, self.stop = clock, stop

    def now(self) -> datetime:
        return self.clock.now()

    def wait_until(self, at: datetime) -> bool:
        left = (at - self.clock.now()).total_seconds()
        return not self.stop.wait(max(0.0, self.clock.real_seconds(left)))


class DemoPlayer:
    """Plays days through the devices it is given (the kiosks' own links, so every screen
    shows the same taps) and through the core's command path."""

    def __init__(
        self,
        config: SiteConfig,
        core: Core,
        kiosks: Mapping[str, EventSender[object]],
        cabinet: KeyCabinet,
        speed: float = 60.0,
        seed: int | None = None,
        pace: Pace | None = None,
    ) -> None:
        self.config, self.core, self.speed = config, core, speed
        self.kiosks, self.cabinet = kiosks, cabinet
        self.rnd = random.Random(seed)
        self.zone = config.zone
        self._count = 0
        self._stop = threading.Event()
        clock = site_clock.current()
        if clock.is_real:  # a player started on its own runs a clock of its own
            clock = site_clock.SiteClock(datetime.now(UTC), datetime.now(UTC), speed)
        self.pace: Pace = pace or SitePace(clock, self._stop)
        self.crew = self._crew()
        self._free_hooks = list(range(1, cabinet.slots + 1))
        self._wash_free = self.pace.now()
        self._last: object | None = None  # the device of the last step (None: a command)
        self._booked_in: list[Car] = []  # booked cars checked in, waiting for a bay
        self._asked: set[str] = set()  # the bays' parts requests, for their numbers
        self._thread = threading.Thread(target=self.run, name="demo", daemon=True)

    def start(self) -> DemoPlayer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    # ------------------------------------------------------------ the scheduler
    def run(self, until: datetime | None = None) -> None:
        """Play every bay in order of site time (until ``until``, or until stopped)."""
        general = [b.id for b in self.config.bays if b.kind == BayKind.GENERAL]
        plays: list[tuple[datetime, int, Play]] = []
        for i, bay in enumerate(general):
            tech = self._tech_of(bay, i)
            if tech is None:
                continue  # nobody works this bay: no car goes there
            rnd = random.Random(self.rnd.random())
            plays.append((self.pace.now(), i, self._bay_days(bay, tech, i, rnd)))
        plays.append((self.pace.now(), len(general), self._stations_days()))
        rnd = random.Random(self.rnd.random())
        plays.append((self.pace.now(), len(general) + 1, self._reception_days(rnd)))
        heapq.heapify(plays)
        while plays and not self._stop.is_set():
            at, i, play = heapq.heappop(plays)
            if until is not None and at > until:
                return
            if not self.pace.wait_until(at):
                return
            try:
                nxt = next(play)
            except StopIteration:
                continue
            except Exception:
                logger.exception("demo: a bay's play failed; the others go on")
                continue
            heapq.heappush(plays, (max(nxt, at), i, play))

    def _local(self, at: datetime, t: time, days: int = 0) -> datetime:
        day = at.astimezone(self.zone).date() + timedelta(days=days)
        return datetime.combine(day, t, self.zone)

    def _next_morning(self, now: datetime, bay_index: int) -> datetime:
        """Opening time (plus a few minutes for each bay) today while cars are still taken
        in (already past when the play begins late: the day is under way, at once), else
        tomorrow's."""
        opens = self.config.site.opens_at
        start = (datetime.combine(datetime.min, opens) + timedelta(minutes=4 * bay_index)).time()
        if now < self._local(now, LAST_INTAKE):
            return self._local(now, start)
        return self._local(now, start, 1)

    # ------------------------------------------------------------ the crew
    def _crew(self) -> DayCrew:
        techs = {
            b.id: [
                t.id
                for t in self.config.technicians
                if t.team == b.team and Role.TECHNICIAN in t.roles
            ]
            for b in self.config.bays
        }
        return DayCrew(
            techs=techs,
            qc=next((b.id for b in self.config.bays if b.kind == BayKind.QC), None),
            inspector=next((t.id for t in self.config.technicians if Role.QC in t.roles), None),
            wash=next((b.id for b in self.config.bays if b.kind == BayKind.WASH), None),
            washer=next((t.id for t in self.config.technicians if Role.WASHER in t.roles), None),
            finds=list(findings().values()),
        )

    def _tech_of(self, bay: str, index: int) -> str | None:
        """The bay's technician for the day: one of its team, each bay its own, and only
        where a kiosk stands to tap at."""
        techs = self.crew.techs.get(bay) or []
        if not techs or bay not in self.kiosks:
            return None
        return techs[index % len(techs)]

    def _stations_days(self) -> Play:
        """The inspector and the washer sign in each morning and out each evening."""
        crew = self.crew
        people = [
            (s, p) for s, p in ((crew.qc, crew.inspector), (crew.wash, crew.washer)) if s and p
        ]
        while True:
            at = self._next_morning(self.pace.now(), 0) - timedelta(minutes=10)
            yield at
            for station, person in people:
                self._tap(station, "tech.signed_in", tech=person)
            yield self._local(at, DAY_ENDS) + timedelta(minutes=30)
            for station, person in people:
                self._tap(station, "tech.signed_out", tech=person)

    # ------------------------------------------------------------ the wire and commands
    def _settle(self, device: object | None) -> None:
        """Before a step on ``device`` (None: the core's command path): when the last step
        was on another device, wait until that one's events are all answered."""
        last, self._last = self._last, device
        if last is device or not isinstance(last, Drains):
            return
        deadline = monotonic() + SETTLE_S
        while not self._stop.is_set():
            left = deadline - monotonic()
            if left <= 0:
                logger.warning("demo: a device's events are still unanswered; going on")
                return
            if last.wait_drained(min(left, 0.5)):
                return

    def _cmd(self, command: object, actor: str) -> object | None:
        self._settle(None)
        try:
            result: object = self.core.run_command(command, actor)  # type: ignore[arg-type]
            return result
        except DomainError as err:
            logger.warning("demo: %s refused: %s", type(command).__name__, err)
            return None

    def _tap(self, bay: str, type_: str, **kw: object) -> None:
        link = self.kiosks.get(bay)
        if link is not None:
            self._settle(link)
            link.send(type_, bay=bay, ts=self.pace.now(), **kw)  # type: ignore[arg-type]

    # ------------------------------------------------------------ a bay's days
    def _bay_days(self, bay: str, tech: str, index: int, rnd: random.Random) -> Play:
        ops = [o for o in operations().values() if o.bay_kind == BayKind.GENERAL]
        while True:
            yield self._next_morning(self.pace.now(), index + 1)
            self._tap(bay, "tech.signed_in", tech=tech)
            yield self.pace.now() + timedelta(minutes=rnd.randint(5, 25))
            while self.pace.now() < self._local(self.pace.now(), LAST_INTAKE):
                yield from self._one_car(bay, tech, rnd, ops)
                yield self.pace.now() + timedelta(minutes=rnd.randint(5, 30))
            # The day is closed: the bay's last car has gone; the technician signs out.
            yield max(self.pace.now(), self._local(self.pace.now(), DAY_ENDS))
            self._tap(bay, "tech.signed_out", tech=tech)

    def _next_car(self) -> int:
        self._count += 1
        return self._count

    def _demo_check_in(
        self, n: int, rnd: random.Random, ops: list[CatalogueOperation], tag: str, slot: int
    ) -> CheckIn:
        now = self.pace.now()
        op = rnd.choice(ops)
        promised = now + timedelta(hours=op.standard_hours + rnd.choice([1.0, 1.5, 2.0]))
        promised = promised.replace(minute=promised.minute // 15 * 15, second=0, microsecond=0)
        return CheckIn(
            vehicle=Vehicle(
                plate=f"{rnd.choice(PROVINCES)}{rnd.randint(10000, 99999)}",
                model=rnd.choice(MODELS),
                colour=rnd.choice(COLOURS),
            ),
            customer=Customer(name="演示客户", phone="13800000000"),
            operations=(op.to_operation(),),
            promised_at=promised,
            customer_waiting=rnd.random() < 0.4,
            wash_requested=rnd.random() < 0.7,
            key_tag=tag,
            key_slot=slot,
            public_token=f"demo-{n}-{rnd.getrandbits(48):x}",
            job_type=likely_job_type([op.code]),
        )

    def _one_car(
        self, bay: str, tech: str, rnd: random.Random, ops: list[CatalogueOperation]
    ) -> Play:
        """One car through the bay, from check-in to the customer: a booked car waiting at
        reception first, else a walk-in."""
        car = self._booked_in.pop(0) if self._booked_in else None
        if car is None:
            if not self._free_hooks:
                yield self.pace.now() + timedelta(minutes=15)
                return
            car = self._walk_in(rnd, ops)
            if car is None:
                return
        yield self.pace.now() + timedelta(minutes=rnd.randint(5, 15))
        if self._cmd(Dispatch(car.ro, bay), "foreman:demo") is None:
            return
        self._key(car, "take")  # the technician takes the key to the bay
        yield self.pace.now() + timedelta(minutes=rnd.randint(3, 10))
        yield from self._play_job(car.ro, bay, tech, car.standard, rnd)
        self._key(car, "hang")  # ready: the key is back on its hook
        yield self.pace.now() + timedelta(minutes=rnd.randint(10, 60))
        for _ in range(30):  # the cabinet's reader tells the core of the key a moment later
            job = self.core.ws.jobs.get(car.ro)
            if job is None or not handover_gaps(job, all_ticked(job)):
                break
            yield self.pace.now() + timedelta(minutes=1)
        if job is not None:  # the advisor sees the car over before the customer does
            self._cmd(CheckHandover(car.ro, all_ticked(job)), "advisor:demo")
        self._key(car, "take")  # handed to the customer at the desk…
        if car.slot is not None:
            self._free_hooks.append(car.slot)
        yield self.pace.now() + timedelta(minutes=rnd.randint(3, 8))
        self._cmd(Deliver(car.ro), "advisor:demo")  # …who pays and drives off

    def _free_hook(self) -> int | None:
        """A hook of the player's that no car in the building has: a person at the desk may
        have hung a car's key on one meanwhile (none: the customer keeps the key)."""
        taken = self.core.query(lambda ws, _now: {j.key_slot for j in ws.open_jobs()})
        slot = next((h for h in self._free_hooks if h not in taken), None)
        if slot is not None:
            self._free_hooks.remove(slot)
        return slot

    def _walk_in(self, rnd: random.Random, ops: list[CatalogueOperation]) -> Car | None:
        """A car that turns up unbooked, checked in with its key on a free hook; late in the
        day only one whose work is done before the evening, overrun and all (none: the bay
        waits for another)."""
        left = self._hours_left() - A_FINDING
        ops = [op for op in ops if OVERRUN_AT_MOST * op.standard_hours + AFTER_THE_BAY <= left]
        if not ops:
            return None
        slot = self._free_hook()
        if slot is None:
            return None
        n = self._next_car()
        tag = f"{0xDE0000 + n:010X}"  # EM4100 tags are 10 hex digits
        check_in = self._demo_check_in(n, rnd, ops, tag, slot)
        job = self._cmd(CheckInCar(check_in), "advisor:demo")
        if job is None:
            self._free_hooks.append(slot)
            return None
        self._walk_around(job, n)
        self.cabinet.hang(tag, slot)
        standard = sum(op.standard_hours for op in check_in.operations)
        return Car(job.ro, tag, slot, standard)  # type: ignore[attr-defined]

    def _walk_around(self, job: object, n: int) -> None:
        """The advisor walks around the car with its customer, who signs (a random of its
        own, so the day's other chances play as they would without it)."""
        if isinstance(job, Job):
            sheet = demo_sheet(random.Random(n), job.vehicle.mileage_km)
            self._cmd(RecordWalkAround(job.ro, sheet), "advisor:demo")

    def _hours_left(self) -> float:
        """Hours until work stops for the evening."""
        now = self.pace.now()
        return (self._local(now, EVENING) - now).total_seconds() / 3600

    def _key(self, car: Car, step: str) -> None:
        if car.tag is None or car.slot is None:
            return  # the customer kept the key
        if step == "hang":
            self.cabinet.hang(car.tag, car.slot)
        else:
            self.cabinet.take(car.slot)

    # ------------------------------------------------------------ the booked cars
    def _reception_days(self, rnd: random.Random) -> Play:
        """The advisors' day: before opening they book cars ahead (the first morning that
        day's too, the day before for every next day); each booked car comes about its
        slot (now and then late, now and then not at all), is marked arrived and checked in
        from its booking, and waits for a bay."""
        while True:
            yield self._next_morning(self.pace.now(), 0) - timedelta(minutes=20)
            today = self.pace.now().astimezone(self.zone).date()
            if not self._booked_on(today):
                self._book(today, BOOKED_FIRST_DAY, rnd)
            self._book(today + timedelta(days=1), BOOKED_AHEAD, rnd)
            for ident, start in self._booked_on(today):
                if rnd.random() < NOT_COMING:
                    continue  # a no-show: the core counts it after the grace
                yield start + timedelta(minutes=rnd.choice(ARRIVAL_MINUTES))
                yield from self._booked_car_comes(ident, rnd)
            yield self._local(self.pace.now(), DAY_ENDS)

    def _booked_on(self, day: date) -> list[tuple[str, datetime]]:
        """(appointment, slot) of the day's cars still booked, by time."""

        def read(ws: Workshop, _now: datetime) -> list[tuple[str, datetime]]:
            return sorted(
                (a.id, a.start)
                for a in ws.appointments.values()
                if a.state is AppointmentState.BOOKED and ws.hours.day_of(a.start) == day
            )

        return self.core.query(read)

    def _book(self, day: date, count: int, rnd: random.Random) -> None:
        """``count`` cars booked by phone in the advisors' free slots of ``day``."""
        advisors = [u.id for u in self.config.users if u.role is StaffRole.ADVISOR]

        def free(ws: Workshop, now: datetime) -> dict[str, list[datetime]]:
            return {a: ws.free_slots(a, day, after=now) for a in advisors}

        for booking in demo_bookings(self.core.query(free), count, self.zone, rnd):
            self._cmd(BookAppointment(booking), "advisor:demo")

    def _booked_car_comes(self, ident: str, rnd: random.Random) -> Play:
        """The booked car is here: marked arrived, then checked in from its booking with
        its key on a free hook (none free: the customer keeps the key)."""
        if self._cmd(MarkArrived(ident), "advisor:demo") is None:
            return
        yield self.pace.now() + timedelta(minutes=rnd.randint(3, 8))
        n = self._next_car()
        slot = self._free_hook()
        tag = f"{0xDE0000 + n:010X}" if slot is not None else None
        wash = rnd.random() < 0.7
        order = booked_order(
            self.core,
            ident,
            None,
            wash,
            key_tag=tag,
            key_slot=slot,
            customer_waiting=rnd.random() < 0.3,
        )
        job = self._cmd(CheckInCar(order, appointment=ident), "advisor:demo")
        if job is None:
            if slot is not None:
                self._free_hooks.append(slot)
            return
        self._walk_around(job, n)
        car = Car(job.ro, tag, slot, sum(op.standard_hours for op in order.operations))  # type: ignore[attr-defined]
        self._key(car, "hang")
        self._booked_in.append(car)

    def _work(self, ro: str, bay: str, tech: str, minutes: float) -> Play:
        """``minutes`` of work on a running clock; the clock pauses over lunch and the night
        (at once, when the work is taken up in them: a customer's answer over lunch)."""
        left = timedelta(minutes=minutes)
        while left > timedelta():
            now = self.pace.now()
            evening = self._local(now, EVENING)
            breaks = [
                (self._local(now, LUNCH[0]), self._local(now, LUNCH[1])),
                (evening, self._next_morning(evening, 0)),
            ]
            stop, back = next(
                ((max(a, now), b) for a, b in breaks if a < now + left and now < b), (None, None)
            )
            if stop is None or back is None:
                yield now + left
                return
            if stop > now:
                yield stop
            left -= stop - now
            self._tap(bay, "job.paused", job=ro, tech=tech, data={"reason": PauseReason.BREAK})
            yield back
            self._tap(bay, "job.resumed", job=ro, tech=tech)

    def _play_job(self, ro: str, bay: str, tech: str, standard: float, rnd: random.Random) -> Play:
        self._tap(bay, "job.started", job=ro, tech=tech)
        # About the standard time; one job in eight overruns by half or more.
        factor = rnd.uniform(1.5, 2.0) if rnd.random() < 0.12 else rnd.uniform(0.8, 1.2)
        total = standard * 60 * factor
        first = total * rnd.uniform(0.3, 0.6)
        yield from self._work(ro, bay, tech, first)
        if rnd.random() < 0.25:
            reason = PauseReason.WAITING_PARTS if rnd.random() < 0.7 else PauseReason.TOOL
            if reason is PauseReason.WAITING_PARTS:
                yield from self._parts_fetched(ro, bay, tech, rnd.randint(10, 40))
            else:
                self._tap(bay, "job.paused", job=ro, tech=tech, data={"reason": reason})
                yield self.pace.now() + timedelta(minutes=rnd.randint(10, 40))
            self._tap(bay, "job.resumed", job=ro, tech=tech)
        if rnd.random() < 0.35:
            yield from self._finding_answered(ro, bay, tech, rnd)
        yield from self._work(ro, bay, tech, total - first)
        self._tap(bay, "job.self_checked", job=ro, tech=tech)
        yield from self._checks_and_wash(ro, bay, tech, rnd)

    def _parts_fetched(self, ro: str, bay: str, tech: str, minutes: int) -> Play:
        """The bay asks the parts counter for the job's usual parts (领料), its clock paused
        as waiting parts; the counter brings them ``minutes`` later."""
        codes = self.core.query(lambda ws, _now: [op.code for op in ws.job(ro).operations])
        usual = parts_for(codes)[:3]
        lines = [{"code": p.code, "name": p.name_zh, "qty": p.qty} for p in usual]
        rid = f"PR-{ro[-4:]}-{len(self._asked) + 1}"
        self._asked.add(rid)
        data = {"request_id": rid, "pause": True}
        data["lines"] = lines or [{"name": "密封垫", "qty": 1}]
        self._tap(bay, "parts.requested", job=ro, tech=tech, data=data)
        yield self.pace.now() + timedelta(minutes=minutes)
        self._cmd(HandOutParts(ro, rid, delivered=True), "parts:demo")

    def _finding_answered(self, ro: str, bay: str, tech: str, rnd: random.Random) -> Play:
        """The technician reports a finding and waits; the advisor calls the customer. Late
        in the day only one whose work is done before the evening (none: nothing found)."""
        left = self._hours_left() - AFTER_THE_BAY - A_FINDING
        finds = [f for f in self.crew.finds if OVERRUN_AT_MOST * f.labor_hours <= left]
        if not finds:
            return
        f = rnd.choice(finds)
        fid = f"{ro}-F1"
        self._tap(
            bay,
            "job.finding",
            job=ro,
            tech=tech,
            data={
                "finding_id": fid,
                "title": f.title_zh,
                "severity": f.default_severity,
                "labor_hours": f.labor_hours,
                "parts_estimate": f.parts_estimate_cny,
            },
        )
        self._tap(
            bay, "job.paused", job=ro, tech=tech, data={"reason": PauseReason.WAITING_APPROVAL}
        )
        yield self.pace.now() + timedelta(minutes=rnd.randint(8, 35))
        yes = rnd.random() < 0.65
        self._cmd(AnswerFinding(ro, fid, yes, "客户电话确认"), "advisor:demo")
        self._tap(bay, "job.resumed", job=ro, tech=tech)
        if yes:
            yield from self._work(ro, bay, tech, f.labor_hours * 60 * rnd.uniform(0.8, 1.2))

    def _leader_check(self, ro: str, bay: str, tech: str, qc: str, inspector: str) -> None:
        """The leader check of a car ``tech`` finished at ``bay``: at the bay by a leader, or
        at the QC station by its inspector when no leader but the one who did the work is
        there."""
        leader = self._leader_for(bay, tech)
        if leader is None:
            self._tap(qc, "job.leader_checked", job=ro, tech=inspector)
        else:
            self._tap(bay, "job.leader_checked", job=ro, tech=leader)

    def _leader_for(self, bay: str, tech: str) -> str | None:
        """Who checks a car done at ``bay`` by ``tech`` there: the bay's team leader at work
        today, who comes over from their own bay and badges; else a leader signed in at the
        bay; None when only the one who did the work could (the QC station's inspector)."""
        team = next((b.team for b in self.config.bays if b.id == bay), None)
        own = next((t.leader for t in self.config.teams if t.id == team), None)
        if own is not None and own != tech and self.core.ws.tech_state(own).bay is not None:
            return own  # at work somewhere today
        return next(
            (
                t.id
                for t in self.config.technicians
                if Role.LEADER in t.roles
                and t.id != tech
                and self.core.ws.tech_state(t.id).bay == bay
            ),
            None,
        )

    def _checks_and_wash(self, ro: str, bay: str, tech: str, rnd: random.Random) -> Play:
        """The leader's check (the inspector's when the bay has no leader but the one who did
        the work: the checks are three people's), QC (failed now and then: back to the bay
        for rework), the wash."""
        crew = self.crew
        qc, inspector, wash, washer = crew.qc, crew.inspector, crew.wash, crew.washer
        yield self.pace.now() + timedelta(minutes=rnd.randint(2, 8))  # to the checks
        if qc and inspector:
            self._leader_check(ro, bay, tech, qc, inspector)
            yield self.pace.now() + timedelta(minutes=rnd.randint(5, 20))
            if rnd.random() < 0.07:
                self._tap(qc, "qc.failed", job=ro, tech=inspector, data={"items": ["螺栓扭矩"]})
                yield self.pace.now() + timedelta(minutes=5)
                self._tap(bay, "job.started", job=ro, tech=tech)
                yield from self._work(ro, bay, tech, rnd.randint(15, 40))
                self._tap(bay, "job.self_checked", job=ro, tech=tech)
                yield self.pace.now() + timedelta(minutes=5)
                self._leader_check(ro, bay, tech, qc, inspector)  # again, as the first time
                yield self.pace.now() + timedelta(minutes=10)
            spot = self._spot(ro)
            done = full_inspection(self.core.ws.job(ro).job_type, spot=spot)
            self._tap(qc, "qc.passed", job=ro, tech=inspector, data=done)
        if wash and washer and self._washes(ro):
            start = max(self.pace.now() + timedelta(minutes=5), self._wash_free)
            self._wash_free = start + timedelta(minutes=25)
            yield start
            self._tap(wash, "wash.started", job=ro, tech=washer)
            yield start + timedelta(minutes=20)
            self._tap(wash, "wash.done", job=ro, tech=washer, data={"spot": self._spot(ro)})

    @staticmethod
    def _spot(ro: str) -> str:
        """The finished cars' spot the car is parked in (竣工停车区): one of twenty."""
        return f"P{int(ro[-4:]) % 20 + 1:02d}"

    def _washes(self, ro: str) -> bool:
        job = self.core.ws.jobs.get(ro)
        return job is not None and job.wash_requested
