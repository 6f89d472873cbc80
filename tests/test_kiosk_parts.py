"""Asking the parts counter for parts (领料) on the kiosk screen, driven the way a
technician uses it (NiceGUI's ``user`` fixture) against a real core over MQTT: the usual
parts of the job's operations one tap each, a part typed, the job paused as waiting parts;
each request's state on the screen, the parts ready said loud; a request cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from nicegui.testing import User

from core.commands import HandOutParts, PartsNotInStock
from core.display.texts import text
from core.domain.model import JobStatus, PartLine, PartsState, PauseReason
from kiosk.station import Station
from tests.kiosk_env import Workshop, sqlite_workshop
from tests.kiosk_env import open_kiosk as open_station

RETRIES = 60  # × 0.1 s: the core answers on its own thread


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with sqlite_workshop(tmp_path) as w:
        yield w


async def open_kiosk(user: User, station: Station, lang: str = "zh") -> None:
    await open_station(user, station, lang)


async def tap(user: User, marker: str) -> None:
    """Wait until the button is on screen (the core's answer redraws it), then press it."""
    await user.should_see(marker=marker, retries=RETRIES)
    user.find(marker=marker).click()


async def at_work(user: User, shop: Workshop) -> str:
    """A minor service (oil and filter) at B03, T002 signed in by PIN and working on it."""
    ro = shop.job()  # M010 小保养
    await open_kiosk(user, shop.station("B03"))
    await tap(user, "sign-in")
    await tap(user, "who-T002")
    user.find(marker="pin").type("1002")
    await tap(user, "pin-ok")
    await tap(user, "start")
    shop.settle()
    return ro


async def test_usual_and_typed_parts_are_asked_for_with_the_job_paused(
    user: User, shop: Workshop
) -> None:
    ro = await at_work(user, shop)
    await tap(user, "parts_request")
    await tap(user, "part-P-OF-01")  # the oil filter: a minor service's usual part
    await tap(user, "part-P-OIL-4L")
    await tap(user, "part-P-OIL-4L")  # a second tap: one more
    user.find(marker="parts-typed").type("左前门内饰卡扣")
    user.find(marker="parts-qty").clear().type("6")
    await tap(user, "parts-add")
    await user.should_see(marker="chosen-P-OIL-4L", content="×2", retries=RETRIES)
    await tap(user, "parts-submit")
    shop.settle()
    job = shop.core.ws.job(ro)
    (request,) = job.parts_requests
    assert [(x.code, x.name, x.qty) for x in request.lines] == [
        ("P-OF-01", "机油滤清器", 1),
        ("P-OIL-4L", "机油 5W-30 4L", 2),
        ("", "左前门内饰卡扣", 6),
    ]
    assert request.paused and job.status is JobStatus.PAUSED
    assert job.last_pause_reason == PauseReason.WAITING_PARTS.value
    state = f"parts-state-{request.id}"
    await user.should_see(marker=state, content=text("parts_state.requested", "zh"))
    shop.core.run_command(HandOutParts(ro, request.id), actor="parts:PC01")
    await user.should_see(marker=f"parts-ready-{request.id}", retries=RETRIES)
    await user.should_see(text("kiosk.parts_ready", "zh", items="机油滤清器 ×1、机油 5W-30 4L ×2"))


async def test_nothing_chosen_sends_nothing(user: User, shop: Workshop) -> None:
    ro = await at_work(user, shop)
    await tap(user, "parts_request")
    await tap(user, "parts-submit")
    await user.should_see(text("kiosk.parts_choose", "zh"), retries=RETRIES)
    shop.settle()
    assert shop.core.ws.job(ro).parts_requests == []


async def test_a_part_not_in_stock_shows_its_date_and_the_bay_cancels_it(
    user: User, shop: Workshop
) -> None:
    ro = await at_work(user, shop)
    await tap(user, "parts_request")
    user.find(marker="parts-typed").type("后视镜总成")
    await tap(user, "parts-add")
    await tap(user, "parts-pause")  # the job goes on meanwhile
    await tap(user, "parts-submit")
    shop.settle()
    job = shop.core.ws.job(ro)
    (request,) = job.parts_requests
    assert not request.paused and job.status is JobStatus.IN_PROGRESS
    assert request.lines == [PartLine("后视镜总成", 1.0)]
    expected = shop.core.clock() + timedelta(days=2)
    shop.core.run_command(PartsNotInStock(ro, request.id, expected), actor="parts:PC01")
    day = expected.astimezone(shop.core.config.zone)
    words = text("counter.expected", "zh", day=f"{day:%m-%d}")
    await user.should_see(marker=f"parts-state-{request.id}", content=words, retries=RETRIES)
    await tap(user, f"parts-cancel-{request.id}")
    shop.settle()
    assert shop.core.ws.job(ro).parts_requests[0].state is PartsState.CANCELLED
    await user.should_not_see(marker=f"parts-{request.id}", retries=RETRIES)
