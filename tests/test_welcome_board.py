"""The welcome board at reception through NiceGUI's user fixture: today's booked cars by
time with masked plates and the advisor's name, never the customer's name or phone; marked
arrived as they come, without a reload; turning its pages by itself. The core runs on a
clock of its own (a Tuesday morning), so the day has slots still to book."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui.testing import User

from board import welcome_board
from tests.board_env import RETRIES, boards, shown, texts
from tests.booking_env import NOW, VIN, book
from tests.helpers import Clock
from tests.kiosk_env import Workshop
from tests.waiting import eventually

SECRETS = ("12345", "67890", "李女士", "13900139000", VIN)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path, clock=Clock(NOW)) as w:
        yield w


def lines(user: User) -> list[str]:
    """The HTML of every line of the board that shows a car, in order."""
    rows = [
        el
        for el in user.current_layout.descendants()
        if any(re.fullmatch(r"row-\d+", m) for m in el._markers)
    ]
    return [str(r.props["innerHTML"]) for r in rows if r.props["innerHTML"]]


def plates(user: User) -> list[str]:
    return [re.search(r'welcome-plate"[^>]*>([^<]*)<', line).group(1) for line in lines(user)]  # type: ignore[union-attr]


async def test_todays_booked_cars_by_time_masked_with_their_advisor_and_no_customer(
    user: User, shop: Workshop
) -> None:
    first = book(shop, "京A12345", "SA01")
    book(shop, "沪AD67890", "SA02")
    book(shop, "粤B55555", "SA01", days=1)  # tomorrow: not on today's board
    await user.open("/welcome")
    await user.should_see(marker="row-0", retries=RETRIES)
    await eventually(lambda: plates(user) == ["京A·•••45", "沪A·•••90"], "today's two cars")
    page = texts(user)
    assert "李娜" in page and "陈晨" in page  # the advisors who welcome them
    assert "大众 帕萨特" in page and "待到店 Expected" in page
    assert "粤B" not in page
    for secret in SECRETS:
        assert secret not in page
    view = shop.core.welcome
    assert view is not None and len(view.arrivals) == 2
    raw = view.model_dump_json()
    for secret in SECRETS:
        assert secret not in raw

    shop.core.query(lambda ws, now: ws.mark_arrived(first, now))  # the car is here
    await eventually(lambda: "已到店 Arrived" in lines(user)[0], "marked arrived, no reload")
    assert "待到店 Expected" in lines(user)[1]


async def test_the_welcome_board_says_when_nobody_is_booked(user: User, shop: Workshop) -> None:
    book(shop, "粤B55555", days=1)
    await user.open("/welcome")
    empty = "今天暂无预约车辆 No booked cars today"
    await eventually(lambda: shown(user, "empty") == empty, "the empty day's line")
    assert lines(user) == []


async def test_the_welcome_board_pages_through_a_busy_morning_by_itself(
    user: User, shop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(welcome_board, "PAGE_SECONDS", 0.3)
    for i in range(welcome_board.ROWS + 3):
        book(shop, f"京C{10000 + i}", "SA01" if i % 2 else "SA02")
    await user.open("/welcome")
    await eventually(lambda: shown(user, "page") == "第 1 / 2 页 Page 1 of 2", "first page")
    await eventually(lambda: shown(user, "page") == "第 2 / 2 页 Page 2 of 2", "second page")
    assert len(lines(user)) == 3
