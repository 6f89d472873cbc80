"""The schedule page through NiceGUI's user fixture: the days ahead with the cars booked and
the hours booked on each team and kind of bay against the day's capacity, as the domain's
load of the day says; for the advisors, the foreman and the manager."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from nicegui.testing import User

from tests.board_env import RETRIES, boards, shown, sign_in
from tests.booking_env import NOW, book
from tests.helpers import Clock
from tests.kiosk_env import Workshop
from tests.waiting import eventually


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path, clock=Clock(NOW)) as w:
        yield w


def day_row(user: User, day: str) -> str:
    table = shown(user, "schedule-load")
    start = table.index(f'data-day="{day}"')
    return table[start : table.index("</tr>", start)]


async def test_the_schedule_shows_each_days_booked_hours_against_what_there_is(
    user: User, shop: Workshop
) -> None:
    book(shop, "京A12345", "SA01", days=1, hours=2.0)
    book(shop, "京B22222", "SA02", days=1, hours=1.5)
    tomorrow = NOW.date() + timedelta(days=1)
    load = shop.core.query(lambda ws, _now: ws.load_on(tomorrow))
    await sign_in(user, "SA01", page="/schedule")
    await user.should_see(marker="schedule-load", retries=RETRIES)
    await eventually(lambda: 'data-day="2026-11-25"' in shown(user, "schedule-load"), "days")
    row = day_row(user, "2026-11-25")
    assert "明天" in row and "周三" in row
    assert ">2<" in row  # two cars booked
    general = load.kinds[next(k for k in load.kinds if k.value == "general")]
    assert f"{general.booked:.1f} / {general.capacity:.1f} 小时" in row
    for fill in load.teams.values():
        assert f"{fill.booked:.1f} / {fill.capacity:.1f} 小时" in row
    assert sum(f.booked for f in load.teams.values()) == pytest.approx(3.5)
    assert "今天" in day_row(user, "2026-11-24")
    # The team names and the kinds of bay in words, not their codes.
    header = shown(user, "schedule-load").split("</tr>")[0]
    assert "机修一组" in header and "机修工位" in header and "general" not in header


async def test_a_day_booked_past_its_capacity_shows_red(user: User, shop: Workshop) -> None:
    tomorrow = NOW.date() + timedelta(days=1)
    for i, advisor in enumerate(["SA01", "SA02"] * 2):
        book(shop, f"京C{10000 + i}", advisor, days=1, hours=20.0, force=True)
    load = shop.core.query(lambda ws, _now: ws.load_on(tomorrow))
    assert any(f.booked > f.capacity for f in load.teams.values())  # forced past full
    await sign_in(user, "M001", page="/schedule")
    await user.should_see(marker="schedule-load", retries=RETRIES)
    assert "load-full" in day_row(user, "2026-11-25")
    assert "load-full" not in day_row(user, "2026-11-26")
