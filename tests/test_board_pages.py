"""The core's first pages: the foreman sees a shift-end pause, the lounge sees no one's
personal data."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from board.pages import register
from core.commands import PauseEveryone
from core.domain.model import PauseReason
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.kiosk_env import Workshop, demo_workshop

RETRIES = 60


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    w = demo_workshop(Store(engine, "demo"), tmp_path)
    register(
        lambda: w.core.lounge,
        lambda: w.core.dispatch_view,
        w.core.config.zone,
        w.core.config.site.name,
        kiosk_bays=["B03"],
        recent_prints=lambda: [("p1", "key_tag", "done", "/prints/desk/p1.png")],
        car_status=lambda token: w.core.query(
            lambda ws, now: w.core.projector.car_status(ws, token, now)
        ),
    )
    yield w
    w.core.stop()
    engine.dispose()


async def test_dispatch_board_shows_jobs_paused_at_shift_end(user: User, shop: Workshop) -> None:
    ro = shop.job()
    station = shop.station("B03")
    station.sign_in("T002")
    station.start(ro, "T002")
    shop.settle()
    shop.core.run_command(PauseEveryone(PauseReason.SHIFT_END), "system:shift-end")
    await user.open("/dispatch")
    await user.should_see(ui.table)
    (table,) = user.find(ui.table).elements
    for _ in range(100):  # the board redraws every 2 s from the newest dispatch view
        b03 = next(r for r in table.rows if r["bay"].startswith("B03"))
        if b03["queue"]:
            break
        await asyncio.sleep(0.1)
    assert b03["queue"] == f"{ro} ⏸下班"


async def test_lounge_shows_masked_plates_and_no_names(user: User, shop: Workshop) -> None:
    shop.job(plate="京A12345")
    await user.open("/lounge")
    await user.should_see(ui.table)
    (table,) = user.find(ui.table).elements
    assert [r["plate"] for r in table.rows] == ["京A·•••45"]
    assert "12345" not in str(table.rows) and "王先生" not in str(table.rows)
    await user.open("/")
    await user.should_see("工位终端 Kiosk B03")


async def test_dispatch_board_shows_a_printer_out_of_paper_and_print_previews(
    user: User, shop: Workshop
) -> None:
    from datetime import UTC, datetime

    from core.contract.messages import make_event

    data = {"printer": "printer-desk", "print_id": "p9", "reason": "paper_out"}
    shop.core.on_message(
        "pitboard/demo/dev/bridge-1/event",
        make_event("bridge-1", 1, "print.failed", datetime.now(UTC), data=data),
        None,
    )
    await user.open("/dispatch")
    for _ in range(100):
        label = user.find(marker="devices").elements.pop()
        if "printer-desk✓ (paper_out)" in label.text:
            break
        await asyncio.sleep(0.1)
    assert "printer-desk✓ (paper_out)" in label.text
    await user.should_see("key_tag done", retries=RETRIES)
    (image,) = user.find(ui.image).elements
    assert image.source == "/prints/desk/p1.png"


async def test_the_pickup_card_qr_opens_the_customers_own_status_page(
    user: User, shop: Workshop
) -> None:
    shop.job(plate="京A12345", public_token="k3J9xQ-unguessable")
    await user.open("/status/k3J9xQ-unguessable")
    await user.should_see("京A·•••45 · 别克 GL8 白", retries=RETRIES)
    await user.should_see(marker="stage", content="等待维修 Waiting")
    await user.should_not_see("京A12345")
    await user.should_not_see("王先生")
    await user.open("/status/not-a-real-token")
    await user.should_see(marker="no-car")
