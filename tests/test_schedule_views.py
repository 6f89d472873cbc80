"""The plan and the appointment book as the boards show them, pure: planned bars to the
minute, the booked cars' reserved time within the Gantt's window (masked), each day's load
on the teams and kinds of bay, and the welcome board's cars of today (no customer's name or
phone). And the welcome board is published when a booking changes or the day turns, not
with every tap."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from core.appointment_views import day_loads, welcome
from core.contract.views import PlannedBar
from core.domain.model import BayKind
from core.domain.plan import Block, Plan, plan_workshop
from core.domain.workshop import Workshop
from core.engine.device_health import DeviceHealth
from core.engine.items import Counters
from core.engine.view_publisher import ViewPublisher
from core.plan_views import planned_bars, reserved_blocks
from tests.helpers import FakeBus, demo_config, order
from tests.schedule_site import ALIGNMENT, NOW, booking, hours_of, local, scheduled_workshop

ADVISORS = {"SA01": "李娜", "SA02": "陈晨"}


@pytest.fixture
def ws() -> Workshop:
    return scheduled_workshop()


def today(hour: int, minute: int = 0) -> datetime:
    return local(hour, minute, days=0)


# ------------------------------------------------------------------ the plan
def test_planned_bars_are_to_the_minute_by_bay_and_start() -> None:
    plan = Plan(now=NOW)
    odd = today(9, 10) + timedelta(seconds=42, microseconds=7)
    plan.jobs["RO-2"] = Block("B02", today(9), today(10), ro="RO-2")
    plan.jobs["RO-1"] = Block("B02", odd, odd + timedelta(hours=1), ro="RO-1")
    plan.jobs["RO-0"] = Block("B01", today(11), today(12), ro="RO-0")
    assert planned_bars(plan) == [
        PlannedBar(bay="B01", ro="RO-0", start=today(11), end=today(12)),
        PlannedBar(bay="B02", ro="RO-2", start=today(9), end=today(10)),
        PlannedBar(bay="B02", ro="RO-1", start=today(9, 10), end=today(10, 10)),
    ]


def test_reserved_time_within_the_window_masked_and_on_a_bay(ws: Workshop) -> None:
    ws.book(booking(today(10), plate="沪A88888"), NOW)
    ws.book(booking(local(9), plate="沪B77777"), NOW)  # tomorrow: beyond today's window
    plan = plan_workshop(ws, NOW)
    (block,) = reserved_blocks(plan, ws.appointments, today(7, 30), today(19))
    assert (block.plate, block.model, block.booked_at) == ("沪A·•••88", "大众 帕萨特", today(10))
    assert block.start == today(10, 15) and block.end == today(11, 15)  # a little after the slot
    assert block.bay == plan.reserved[block.appointment].bay and block.state == "booked"
    assert "李女士" not in block.model_dump_json() and "13900139000" not in block.model_dump_json()
    both = reserved_blocks(plan, ws.appointments, today(7, 30), local(19))
    assert len(both) == 2
    held = {k: replace(b, bay=None) for k, b in plan.reserved.items()}  # no bay of its kind
    assert reserved_blocks(replace(plan, reserved=held), ws.appointments, NOW, local(19)) == []


# ------------------------------------------------------------------ the days ahead
def test_each_days_load_counts_its_cars_and_hours_on_teams_and_kinds(ws: Workshop) -> None:
    ws.book(booking(local(9), "SA01", hours_of(2.0), team="A"), NOW)
    ws.book(booking(local(10), "SA02", ALIGNMENT, team="B"), NOW)
    cancelled = ws.book(booking(local(11), "SA01"), NOW)
    ws.cancel_appointment(cancelled.id, "改期", NOW)
    first, second = day_loads(ws, NOW.date() + timedelta(days=1), 2)
    assert first.cars == 2 and second.cars == 0
    teams = {f.key: f for f in first.teams}
    kinds = {f.key: f for f in first.kinds}
    assert teams["A"].booked == 2.0 and teams["B"].booked == 1.0
    assert kinds["general"].booked == 2.0 and kinds[BayKind.ALIGNMENT.value].booked == 1.0
    load = ws.load_on(first.day)
    assert teams["A"].capacity == pytest.approx(load.teams["A"].capacity)
    assert "body" not in kinds  # the site has no body bay: no column for it
    assert all(f.booked == 0 for f in second.teams)


# ------------------------------------------------------------------ the welcome board
def test_the_welcome_board_lists_todays_cars_by_slot_masked_with_their_advisor(
    ws: Workshop,
) -> None:
    later = ws.book(booking(today(11), "SA02", plate="粤B12345"), NOW)
    early = ws.book(booking(today(10), "SA01", plate="沪A88888"), NOW)
    gone = ws.book(booking(today(10, 15), "SA01", plate="京C11111"), NOW)
    ws.book(booking(local(9), "SA01", plate="京D22222"), NOW)  # tomorrow
    ws.cancel_appointment(gone.id, "改期", NOW)
    ws.mark_arrived(early.id, today(9, 50))
    view = welcome(ws, today(9, 55), {"SA01": "李娜"})
    assert [(c.at, c.plate, c.advisor, c.arrived) for c in view.arrivals] == [
        (today(10), "沪A·•••88", "李娜", True),
        (today(11), "粤B·•••45", "SA02", False),  # an advisor without a name: their id
    ]
    assert view.day == NOW.date()
    raw = view.model_dump_json()
    for secret in ("李女士", "13900139000", "88888", "12345"):
        assert secret not in raw
    ws.record_no_shows(today(11, 30))  # the car at 11:00 did not come: off the board
    assert [c.plate for c in welcome(ws, today(11, 30), ADVISORS).arrivals] == ["沪A·•••88"]
    assert later.state == "no_show"


def publisher(bus: FakeBus) -> ViewPublisher:
    config = demo_config()
    return ViewPublisher(config, bus, DeviceHealth(config), Counters(), lambda: NOW)


def welcome_messages(bus: FakeBus) -> int:
    return sum(1 for topic, _, _, _ in bus.published if topic.endswith("/view/welcome"))


def test_the_welcome_board_goes_out_when_a_booking_changes_or_the_day_turns(
    ws: Workshop,
) -> None:
    bus = FakeBus()
    views = publisher(bus)
    views.publish_lounge(ws, NOW, ())
    assert welcome_messages(bus) == 1  # the first: an empty day
    job = ws.check_in(order(), NOW)
    ws.dispatch(job.ro, "B01", NOW)
    views.publish_lounge(ws, NOW, ())  # a tap, no booking: nothing to send
    assert welcome_messages(bus) == 1
    ws.book(booking(today(10)), NOW)
    views.publish_lounge(ws, NOW, (), booked=True)
    assert welcome_messages(bus) == 2 and views.welcome is not None
    assert len(views.welcome.arrivals) == 1
    views.publish_welcome(ws, NOW + timedelta(minutes=5))  # the same day: nothing new
    assert welcome_messages(bus) == 2
    views.publish_welcome(ws, local(8))  # the next morning: its own cars (none)
    assert welcome_messages(bus) == 3 and views.welcome.arrivals == []
    views.publish_lounge(ws, local(8), (), force=True)  # a broker that may have lost it
    assert welcome_messages(bus) == 4
