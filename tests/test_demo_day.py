"""The demo plays on the site clock: work is recorded in site time (a job of an hour takes
about an hour), its own taps are never refused, no car is left stuck, and it closes the day
and goes on. Played with a clock of the test's own: a day and a half in a few seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.contract.site_clock import SiteClock
from core.demo.player import EVENING, LUNCH, DemoPlayer, SitePace
from core.domain.model import JobStatus
from core.domain.reports import period
from core.domain.vocabulary import AppointmentState
from core.domain.walkaround import signature_png
from core.store.repository import Store
from tests.demo_hooks import Hooks
from tests.helpers import demo_config
from tests.kiosk_env import Workshop, demo_workshop

# 07:45 in Beijing on a Monday: the demo day's morning.
ZONE = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 23, 23, 45, tzinfo=UTC)


class HandPace:
    """Site time that moves only when the player waits, once every tap sent is applied."""

    def __init__(self, start: datetime) -> None:
        self.t = start
        self.shop: Workshop | None = None

    def now(self) -> datetime:
        return self.t

    def wait_until(self, at: datetime) -> bool:
        if self.shop is not None:
            for link in self.shop.links.values():
                assert link.wait_drained(10), "a tap was never answered"
        self.t = max(self.t, at)
        return True


@pytest.fixture
def played(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> Iterator[tuple[Workshop, HandPace]]:
    caplog.set_level(logging.WARNING, logger="core.demo.player")
    pace = HandPace(MORNING)
    shop = demo_workshop(store, tmp_path, core_clock=pace.now)
    pace.shop = shop
    bays = dict.fromkeys(k.bay for k in shop.core.config.kiosks)
    links = {bay: shop.station(bay).link for bay in bays}
    player = DemoPlayer(shop.core.config, shop.core, links, Hooks(), seed=11, pace=pace)
    player.run(until=MORNING + timedelta(hours=28))  # the first day, the next morning
    pace.wait_until(pace.t)
    yield shop, pace
    shop.close()


@pytest.mark.slow
def test_a_played_day_reads_like_a_workshop_day(played: tuple[Workshop, HandPace]) -> None:
    shop, _pace = played
    core = shop.core
    assert core.counters.rejected == {}  # the demo's own taps: none refused
    zone = core.config.zone
    day = MORNING.astimezone(zone).date()
    start, end = period("day", day, zone)
    bays = [b.id for b in core.config.bays]
    report = core.store.report(start, end, end, zone, bays, 10.0)
    assert report.delivered >= 10
    for tech in report.technicians:
        if tech.worked_hours > 1:
            assert tech.efficiency is not None and 0.5 < tech.efficiency < 2.0, tech
    worked = sum(t.worked_hours for t in report.technicians)
    assert worked > 15  # hours of work, not seconds
    # Promised times are kept or missed by minutes or hours, never by a whole day.
    for job in core.store.jobs_between(start, end):
        if job.delivered_at is not None:
            assert job.delivered_at - job.promised_at < timedelta(hours=8), job.ro
            assert job.delivered_at.astimezone(zone).date() == day or job.ro
        # Every car was walked around with its customer, who signed (a real PNG).
        [walk] = core.store.walkarounds(job.ro)
        assert walk.sheet.valuables_reminded and signature_png(walk.sheet.signature)
        assert walk.sheet.mileage_km == job.vehicle.mileage_km
    # Bays asked the parts counter for parts, and the counter brought them: the waits count.
    assert report.parts_waits and report.parts_wait_p90_minutes is not None


class Taps:
    """A bay's kiosk link that keeps what it is given to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, datetime]] = []

    def send(self, type_: str, **fields: object) -> None:
        ts = fields["ts"]
        assert isinstance(ts, datetime)
        self.sent.append((type_, ts))


def worked(start: datetime, minutes: float) -> list[tuple[str, datetime]]:
    """The taps of ``minutes`` of work on a demo bay begun at ``start``, in site time."""
    config = demo_config()
    pace = HandPace(start)
    taps = Taps()
    player = DemoPlayer(config, None, {"B01": taps}, Hooks(), seed=1, pace=pace)  # type: ignore[arg-type]
    for at in player._work("RO-1", "B01", "T001", minutes):
        pace.t = max(pace.t, at)
    return [(kind, ts.astimezone(config.zone)) for kind, ts in taps.sent]


def test_work_left_at_the_evenings_end_waits_for_the_next_morning() -> None:
    """Five hours of work begun at 15:00: paused at the evening's end, resumed at the next
    morning's opening, never worked through the night."""
    (paused, stop), (resumed, back) = worked(MORNING + timedelta(hours=7, minutes=15), 5 * 60)
    assert (paused, resumed) == ("job.paused", "job.resumed")
    assert stop.time() == EVENING
    assert back.date() == stop.date() + timedelta(days=1)
    assert back.time() == demo_config().site.opens_at


def test_work_taken_up_in_the_lunch_break_waits_for_its_end() -> None:
    """A clock started again at 12:20 (a customer's answer came over lunch) is paused at
    once for the break and runs from 13:00: not through the lunch, where the shift's end at
    12:00 would leave it paused for the afternoon."""
    assert worked(MORNING + timedelta(hours=4, minutes=35), 60) == [
        ("job.paused", (MORNING + timedelta(hours=4, minutes=35)).astimezone(ZONE)),
        ("job.resumed", datetime.combine(MORNING.astimezone(ZONE).date(), LUNCH[1], ZONE)),
    ]


@pytest.mark.slow
def test_the_day_closes_and_the_next_one_begins(played: tuple[Workshop, HandPace]) -> None:
    shop, pace = played
    ws = shop.core.ws
    # Nobody stuck in a queue overnight: what is in the building is from this morning, and
    # of the cars that left only this morning's are kept (for the day's Gantt).
    for job in ws.jobs.values():
        if job.status is JobStatus.DELIVERED:
            assert job.delivered_at and pace.t - job.delivered_at < timedelta(hours=4), job.ro
        else:
            assert pace.t - job.checked_in_at < timedelta(hours=4), job.ro
    signed_in = [t for t in ws.tech_states.values() if t.bay]
    assert signed_in and all(
        t.signed_in_at and t.signed_in_at > pace.t - timedelta(hours=4) for t in signed_in
    )


@pytest.mark.slow
def test_booked_cars_come_and_are_checked_in_from_their_booking(
    played: tuple[Workshop, HandPace], caplog: pytest.LogCaptureFixture
) -> None:
    shop, _pace = played
    store, zone = shop.core.store, shop.core.config.zone
    first = MORNING.astimezone(zone).date()
    # The advisors book the first day's cars that morning, each next day's the day before.
    booked = {n: store.appointments_on(first + timedelta(days=n)) for n in range(3)}
    assert all(booked.values()), booked
    assert {a.booked_at.astimezone(zone).date() for a in booked[1]} == {first}
    came = [a for a in booked[0] if a.state is AppointmentState.CHECKED_IN]
    assert came and all(
        a.state in (AppointmentState.CHECKED_IN, AppointmentState.NO_SHOW) for a in booked[0]
    )
    for appt in came:  # checked in from the booking: its car, its work, its job type
        job = store.load_job(appt.ro or "")
        assert job is not None and job.vehicle.plate == appt.booking.vehicle.plate
        assert job.operations == list(appt.operations) and job.job_type is appt.booking.job_type
        assert job.delivered_at is not None  # and through the workshop the same day
    # The demo makes no mistakes of its own: no command of its was refused.
    refused = [r.getMessage() for r in caplog.get_records("setup") if "refused" in r.getMessage()]
    assert refused == []


def test_a_player_begun_after_the_opening_signs_the_day_in_that_morning(
    store: Store, tmp_path: Path
) -> None:
    """``pitboard run --demo`` starts its clock before the broker, the core and the kiosks:
    at 600× their real seconds are site minutes, and the day may be under way when the
    player begins. The inspector, the washer and every bay's technician still sign in that
    morning, at once, not the next day (QC and the wash refused every tap until then)."""
    late = MORNING + timedelta(minutes=25)  # 08:10: after the stations' time and bay 1's
    pace = HandPace(late)
    shop = demo_workshop(store, tmp_path, core_clock=pace.now)
    pace.shop = shop
    try:
        bays = dict.fromkeys(k.bay for k in shop.core.config.kiosks)
        links = {bay: shop.station(bay).link for bay in bays}
        player = DemoPlayer(shop.core.config, shop.core, links, Hooks(), seed=11, pace=pace)
        player.run(until=late + timedelta(minutes=20))
        pace.wait_until(pace.t)
        at = {t.id: t.bay for t in shop.core.ws.tech_states.values() if t.bay}
        assert at.get("Q001") == "Q01" and at.get("W001") == "W01", at
        assert len(at) >= 7, at  # and the five bays' technicians
        assert shop.core.counters.rejected == {}
    finally:
        shop.close()


def test_a_second_of_demo_time_is_speed_seconds_of_site_time() -> None:
    clock = SiteClock(MORNING, datetime(2026, 1, 1, tzinfo=UTC), 60.0)
    assert clock.at(datetime(2026, 1, 1, 0, 1, tzinfo=UTC)) == MORNING + timedelta(hours=1)
    assert SiteClock.decode(clock.encode()) == clock
    stop = threading.Event()
    stop.set()
    assert SitePace(clock, stop).wait_until(MORNING) is False
