"""A job put on a bay at a time (the foreman drops it on the Gantt's time axis, or says
"move to bay … at time …"): through the core's command path it is audited like a move,
stored on the job, planned from then with the bay's other work around it and on the board
through its parts; on the dispatch board through NiceGUI's user fixture, by the form and by a
drop along a bay's lane."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nicegui.testing import User

from board.start_time import dropped_at, start_at
from core.commands import CheckInCar, Dispatch, DispatchAt
from core.display.rules import clock_text
from core.display.texts import text
from core.domain.errors import BayKindNeeded, InvalidData, TimePassed
from core.domain.model import Operation
from core.engine import Core
from core.store.repository import Store
from tests.board_env import RETRIES, boards, sign_in
from tests.booking_env import NOW, SHANGHAI
from tests.helpers import T0, Clock, FakeBus, order
from tests.kiosk_env import Workshop
from tests.waiting import eventually, wait_until

ALIGNMENT = Operation("T010", "四轮定位", 1.0, "Four-wheel alignment")


def local(hour: int, minute: int = 0, when: datetime = T0) -> datetime:
    day = when.astimezone(SHANGHAI).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def queued(core: Core, bay: str, plate: str) -> str:
    """A car of an hour's work checked in and dispatched to ``bay`` through the core."""
    job = core.run_command(CheckInCar(order(plate)), actor="advisor:SA01")
    core.run_command(Dispatch(job.ro, bay), actor="foreman:F001")
    return str(job.ro)


def planned(bus: FakeBus, ro: str) -> dict[str, Any] | None:
    """The job's planned bar on the board as a subscriber of its parts puts it together."""
    board = bus.board()
    return next((b for b in board["planned"] if b["ro"] == ro), None)


# ------------------------------------------------------------------ the core
def test_a_job_put_on_another_bay_at_a_time_is_audited_stored_and_planned_from_then(
    core: Core, bus: FakeBus, store: Store
) -> None:
    first = queued(core, "B03", "京A10001")  # 09:00: B03 has an hour's work queued
    ro = queued(core, "B04", "京A10002")
    later = core.run_command(DispatchAt(ro, "B03", local(11)), actor="foreman:F001")
    assert later.bay == "B03" and later.pinned_start == local(11)

    (moved,) = [e for e in store.audit_trail(ro) if e["type"] == "job.dispatched_at"]
    assert moved["source"] == "foreman:F001"
    assert moved["payload"]["bay"] == "B03" and moved["payload"]["force"] is False
    assert datetime.fromisoformat(moved["payload"]["start"]) == local(11)
    stored = store.load_job(ro)
    assert stored is not None and (stored.bay, stored.pinned_start) == ("B03", local(11))

    def bar_of(job: str) -> dict[str, Any] | None:
        return planned(bus, job)

    wait_until(lambda: (bar_of(ro) or {}).get("bay") == "B03", "the board planned it on B03")
    bar = bar_of(ro)
    assert bar is not None
    assert datetime.fromisoformat(bar["start"]) == local(11)
    assert datetime.fromisoformat(bar["end"]) == local(12)
    assert datetime.fromisoformat(bar["pinned"]) == local(11)
    early = bar_of(first)
    assert early is not None and datetime.fromisoformat(early["start"]) == local(9)


def test_a_pin_needing_another_kind_of_bay_or_at_a_passed_time_is_refused_then_forced(
    core: Core, store: Store
) -> None:
    # An alignment car: B01 is a general bay.
    order_ = order("京C00001", operations=(ALIGNMENT,))
    job = core.run_command(CheckInCar(order_), actor="advisor:SA01")
    with pytest.raises(BayKindNeeded):
        core.run_command(DispatchAt(job.ro, "B01", local(10)), actor="foreman:F001")
    with pytest.raises(TimePassed):
        core.run_command(DispatchAt(job.ro, "B06", local(8)), actor="foreman:F001")
    # A start a century ahead is a slip, not a plan (its forecast could not count to it).
    with pytest.raises(InvalidData):
        far = local(10).replace(year=2199)
        core.run_command(DispatchAt(job.ro, "B06", far), actor="foreman:F001")
    assert store.audit_trail(job.ro)[-1]["type"] == "job.checked_in"  # nothing happened
    core.run_command(
        DispatchAt(job.ro, "B01", local(10), force=True, reason="定位仪校准中"),
        actor="foreman:F001",
    )
    last = store.audit_trail(job.ro)[-1]
    assert last["type"] == "job.dispatched_at" and last["payload"]["reason"] == "定位仪校准中"
    assert core.query(lambda ws, _now: ws.job(job.ro).pinned_start) == local(10)


def test_the_times_the_board_takes() -> None:
    window = (local(7), local(19))
    assert dropped_at(window, 0.25) == local(10)
    assert dropped_at(window, 0.2510) == local(10)  # to five minutes
    assert dropped_at(window, 0.2535) == local(10, 5)
    assert dropped_at(window, None) is None and dropped_at(window, 1.2) is None
    assert dropped_at(window, True) is None
    assert start_at("14:30", T0, SHANGHAI) == local(14, 30)
    assert start_at(" 9：05 ", T0, SHANGHAI) == local(9, 5)
    assert start_at("", T0, SHANGHAI) is None and start_at(None, T0, SHANGHAI) is None
    for bad in ("1430", "25:00", "下午两点"):
        with pytest.raises(ValueError):
            start_at(bad, T0, SHANGHAI)
    tomorrow = local(8, when=T0 + timedelta(days=1))
    assert start_at("08:00", T0, SHANGHAI, on=tomorrow.date()) == tomorrow
    # Written back: the day's own times bare, another day's with their date.
    today = T0.astimezone(SHANGHAI).date()
    assert clock_text(local(14, 30), SHANGHAI, today) == "14:30"
    assert clock_text(tomorrow, SHANGHAI, today) == f"{tomorrow:%m-%d} 08:00"


# ------------------------------------------------------------------ the board
@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path, clock=Clock(NOW)) as w:
        yield w


def pinned_start(shop: Workshop, ro: str) -> datetime | None:
    return shop.core.query(lambda ws, _now: ws.job(ro).pinned_start)


def board_bar(shop: Workshop, ro: str) -> Any:
    view = shop.core.dispatch_view
    return next((b for b in view.planned if b.ro == ro), None) if view else None


async def picked_for(user: User, ro: str, bay: str) -> None:
    """On the dispatch board as the foreman: the job and the bay picked in the form."""
    await sign_in(user, "F001", page="/dispatch")
    await user.should_see(marker="dispatch-at", retries=RETRIES)
    job_choice = user.find(marker="dispatch-job").elements.pop()

    def offered() -> bool:
        user.find(marker="dispatch-job").trigger("popupShow")
        return ro in job_choice.options

    await eventually(offered, "the queued job can be moved")
    job_choice.value = ro
    user.find(marker="dispatch-bay").elements.pop().value = bay


async def test_the_foreman_moves_a_job_to_a_bay_at_a_time_by_the_form(
    user: User, shop: Workshop
) -> None:
    ro = shop.job(bay="B03")
    await picked_for(user, ro, "B05")
    user.find(marker="dispatch-at").type("13:30")
    user.find(marker="dispatch-go").click()
    await eventually(lambda: pinned_start(shop, ro) == local(13, 30, NOW), "pinned to 13:30")
    assert shop.core.ws.job(ro).bay == "B05"
    await user.should_see(
        text("dispatch.done_at", "zh", ro=ro, bay="5号工位", time="13:30"), retries=RETRIES
    )
    trail = shop.core.store.audit_trail(ro)
    assert trail[-1]["type"] == "job.dispatched_at" and trail[-1]["source"] == "foreman:F001"
    await eventually(
        lambda: (bar := board_bar(shop, ro)) is not None and bar.start == local(13, 30, NOW),
        "planned from 13:30 on the board",
    )
    # The bay queue says the time it was set to.
    user.find(marker="bayq-bay").elements.pop().value = "B05"
    await user.should_see(marker=f"bayq-{ro}", retries=RETRIES)
    await eventually(
        lambda: "定于 13:30" in user.find(marker=f"bayq-{ro}").elements.pop().text, "told"
    )
    # A time already past is refused in words; one that is no time at all too.
    user.find(marker="dispatch-at").elements.pop().value = "08:00"
    user.find(marker="dispatch-go").click()
    why = text("error.time_passed", "zh")
    await user.should_see(text("dispatch.refused", "zh", ro=ro, why=why), retries=RETRIES)
    user.find(marker="dispatch-at").elements.pop().value = "8点"
    user.find(marker="dispatch-go").click()
    await user.should_see(text("dispatch.bad_time", "zh"), retries=RETRIES)
    assert pinned_start(shop, ro) == local(13, 30, NOW)
    # The order's timeline says it in words.
    await sign_in(user, "F001", page=f"/orders/{ro}")
    await user.should_see(marker="timeline", retries=RETRIES)
    details = [r["detail"] for r in user.find(marker="timeline").elements.pop().props["rows"]]
    assert "排到 B05 5号工位，13:30 开始" in details, details


async def test_the_foreman_sets_a_start_on_a_day_to_come(user: User, shop: Workshop) -> None:
    ro = shop.job(bay="B03")
    await picked_for(user, ro, "B05")
    tomorrow = local(8, when=NOW + timedelta(days=1))
    day = user.find(marker="dispatch-day").elements.pop()
    assert next(iter(day.options)) == tomorrow.date().isoformat()  # today: left empty
    assert day.options[tomorrow.date().isoformat()].startswith("明天")
    day.value = tomorrow.date().isoformat()
    user.find(marker="dispatch-go").click()  # a day and no time: no start at all is taken
    await user.should_see(text("dispatch.bad_time", "zh"), retries=RETRIES)
    assert shop.core.ws.job(ro).bay == "B03"
    user.find(marker="dispatch-at").type("08:00")  # before now, but tomorrow: taken
    user.find(marker="dispatch-go").click()
    await eventually(lambda: pinned_start(shop, ro) == tomorrow, "pinned to tomorrow 08:00")
    when = f"{tomorrow:%m-%d} 08:00"
    await user.should_see(
        text("dispatch.done_at", "zh", ro=ro, bay="5号工位", time=when), retries=RETRIES
    )
    user.find(marker="bayq-bay").elements.pop().value = "B05"
    await user.should_see(marker=f"bayq-{ro}", retries=RETRIES)
    await eventually(
        lambda: f"定于 {when}" in user.find(marker=f"bayq-{ro}").elements.pop().text, "told"
    )
    await sign_in(user, "F001", page=f"/orders/{ro}")
    await user.should_see(marker="timeline", retries=RETRIES)
    details = [r["detail"] for r in user.find(marker="timeline").elements.pop().props["rows"]]
    assert f"排到 B05 5号工位，{when} 开始" in details, details


async def test_a_job_dropped_along_a_bays_lane_is_planned_from_that_time(
    user: User, shop: Workshop
) -> None:
    ro = shop.job(bay=None)
    other = shop.job(bay="B02", plate="京B22222")
    await sign_in(user, "F001", page="/dispatch")
    await user.should_see(marker=f"queued-{ro}", retries=RETRIES)
    view = shop.core.dispatch_view
    assert view is not None and view.timeline_from and view.timeline_to
    window = (view.timeline_from, view.timeline_to)

    def along(moment: datetime) -> float:
        return (moment - window[0]) / (window[1] - window[0])

    user.find(marker=f"queued-{ro}").trigger("dragstart")
    user.find(marker="row-B02").trigger("drop.prevent", args=along(local(14, 0, NOW)))
    await eventually(lambda: pinned_start(shop, ro) == local(14, 0, NOW), "dropped at 14:00")
    assert shop.core.ws.job(ro).bay == "B02"
    # Its planned bar dragged along its own row to a later time: only the time changes.
    user.find(marker="row-B02").trigger("dragstart", args=ro)
    user.find(marker="row-B02").trigger("drop.prevent", args=along(local(15, 10, NOW)))
    await eventually(lambda: pinned_start(shop, ro) == local(15, 10, NOW), "moved to 15:10")
    await eventually(
        lambda: (bar := board_bar(shop, ro)) is not None and bar.pinned == local(15, 10, NOW),
        "on the board",
    )
    assert [e["type"] for e in shop.core.store.audit_trail(ro)][-2:] == [
        "job.dispatched_at",
        "job.dispatched_at",
    ]
    # Dropped before now, or off the lane: a plain move, no time.
    user.find(marker="row-B02").trigger("dragstart", args=other)
    user.find(marker="row-B04").trigger("drop.prevent", args=along(NOW - timedelta(hours=1)))
    await eventually(lambda: shop.core.ws.job(other).bay == "B04", "moved to B04")
    assert pinned_start(shop, other) is None
    assert shop.core.store.audit_trail(other)[-1]["type"] == "job.dispatched"
