"""The plan and the welcome board in real headless Chromium, on a planned morning (10:30 by
the site's clock, tests/schedule_server.py): the dispatch board's Gantt with planned bars
along the top of each bay's row and the work done below, the booked cars' reserved time
beside the plan, none over another; a planned bar dragged onto another bay's row at 15:00
planned from then; the welcome board at 1080p and 4K. Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARTIFACTS, foreman_signs_in, screen, served
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Each lane's bars as laid out: (class, left, right, top, bottom), in CSS pixels.
LANES_JS = """
return Array.from(document.querySelectorAll('.gantt-lane')).map(lane =>
  Array.from(lane.querySelectorAll(':scope > .gantt-bar')).map(bar => {
    const r = bar.getBoundingClientRect();
    return [bar.className, r.left, r.right, r.top, r.bottom];
  }));
"""


@pytest.fixture
def schedule_server(tmp_path: Path) -> Iterator[str]:
    with served("tests.schedule_server", tmp_path, "/welcome") as (url, _ready):
        yield url


def overlaps(a: list[Any], b: list[Any]) -> bool:
    """Two bars' boxes share more than a pixel's width and height."""
    wide = min(a[2], b[2]) - max(a[1], b[1])
    tall = min(a[4], b[4]) - max(a[3], b[3])
    return wide > 1 and tall > 1


def lanes_laid_out(driver: Any) -> list[list[list[Any]]]:
    return driver.execute_script(LANES_JS)  # type: ignore[no-any-return]


def check_the_plan_beside_the_work(lanes: list[list[list[Any]]]) -> None:
    """The plan (planned bars, reserved time) along the top of a row, no two over each
    other; the work done below it."""
    for bars in lanes:
        plan = [b for b in bars if "bar-plan" in b[0] or "bar-reserved" in b[0]]
        done = [b for b in bars if "bar-plan" not in b[0] and "bar-reserved" not in b[0]]
        for i, a in enumerate(plan):
            assert not any(overlaps(a, b) for b in plan[i + 1 :]), (a, plan)
        if plan and done:
            assert max(b[4] for b in plan) <= min(b[3] for b in done) + 0.5, bars


#: The browser's own drag and drop, as a mouse makes it: a planned bar picked up, then let
#: go over the row of another bay at the hour mark given (its left edge, in percent).
DRAG_JS = """
const [bar, row, mark] = arguments;
const lane = row.querySelector('.gantt-lane');
const box = lane.getBoundingClientRect();
const x = box.left + box.width * mark / 100, y = box.top + box.height / 2;
const moving = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, {
  bubbles: true, cancelable: true, dataTransfer: moving, clientX: x, clientY: y}));
fire(bar, 'dragstart');
fire(lane, 'dragover');
fire(lane, 'drop');
fire(bar, 'dragend');
return x;
"""


def drag_a_planned_bar_to_another_bay_at_three(driver: Any) -> None:
    """The first general bay's first planned bar that may move, dropped on the row of
    another general bay at the 15:00 mark: planned there from 15:00 (pinned, its left edge
    on the mark), and said so on its bar."""
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, ".gantt-row")
    general = [r for r in rows if r.find_element(By.CSS_SELECTOR, ".gantt-head").text[:1] == "B"]
    source = next(
        r for r in general if r.find_elements(By.CSS_SELECTOR, '.bar-plan[draggable="true"]')
    )
    target = next(r for r in general if r != source)
    bar = source.find_element(By.CSS_SELECTOR, '.bar-plan[draggable="true"]')
    ro = bar.get_attribute("data-ro")
    mark = target.find_element(By.CSS_SELECTOR, '.gantt-hour[data-k="h15"]')
    left = float(re.search(r"left:\s*([\d.]+)%", mark.get_attribute("style")).group(1))  # type: ignore[union-attr]
    x = driver.execute_script(DRAG_JS, bar, target, left)

    def pinned_there() -> Any:
        found = target.find_elements(By.CSS_SELECTOR, f'.bar-plan.plan-pinned[data-ro="{ro}"]')
        return found[0] if found else None

    moved = wait_until(pinned_there, f"{ro} planned on the other bay from 15:00")
    assert abs(moved.rect["x"] - x) <= 2, (moved.rect, x)  # from the mark it was dropped on
    assert "定于 15:00 开始" in moved.get_attribute("title")
    assert not source.find_elements(By.CSS_SELECTOR, f'.bar-plan[data-ro="{ro}"]')


def test_the_gantt_shows_the_plan_beside_the_work_and_the_booked_cars(
    browser: Any, schedule_server: str
) -> None:
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screen(browser, 1920, 1080)
    foreman_signs_in(browser, schedule_server)

    def count(css: str) -> int:
        return len(browser.find_elements(By.CSS_SELECTOR, css))

    wait_until(lambda: count(".gantt-lane") == 14, "12 bays plus QC and wash")
    wait_until(lambda: count(".gantt-lane .bar-plan") >= 6, "the queued jobs' planned bars")
    wait_until(lambda: count(".gantt-lane .bar-reserved") >= 5, "the booked cars' time")
    wait_until(lambda: count(".gantt-lane .bar-work") >= 8, "today's work")
    check_the_plan_beside_the_work(lanes_laid_out(browser))
    drag_a_planned_bar_to_another_bay_at_three(browser)
    check_the_plan_beside_the_work(lanes_laid_out(browser))
    browser.save_screenshot(str(ARTIFACTS / "schedule-1920x1080.png"))
    legend = browser.find_element(By.CSS_SELECTOR, ".gantt-legend").text
    assert "计划" in legend and "实际作业" in legend and "预约车辆" in legend
    reserved = browser.find_element(By.CSS_SELECTOR, ".gantt-lane .bar-reserved")
    assert "预约" in reserved.text and "·•••" in reserved.text
    assert "预约客户" not in browser.page_source and "13700000" not in browser.page_source

    # The days ahead: today's bookings on the teams and bays, against what there is.
    browser.get(schedule_server + "/schedule")
    wait_until(lambda: count(".load-table tr") == 9, "today and the week ahead")
    browser.save_screenshot(str(ARTIFACTS / "schedule-load-1920x1080.png"))
    today = browser.find_element(By.CSS_SELECTOR, ".load-today").text
    assert "今天" in today and "10" in today  # ten cars booked for the rest of the day


def welcome_on_screen(driver: Any, server: str, width: int, height: int) -> None:
    """The welcome board on a screen of that size, once a page of eight cars is drawn."""
    from selenium.webdriver.common.by import By

    screen(driver, width, height)
    driver.get(server + "/welcome")
    wait_until(
        lambda d=driver: (
            len([e for e in d.find_elements(By.CSS_SELECTOR, ".welcome-plate") if e.text]) == 8
        ),
        f"eight cars on a welcome page at {width}×{height}",
    )


def test_the_welcome_board_on_a_1080p_and_a_4k_screen(browser: Any, schedule_server: str) -> None:
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    welcome_on_screen(browser, schedule_server, 1920, 1080)
    body = browser.find_element(By.TAG_NAME, "body").text
    if "已到店" not in body:  # the page of the later cars came up: wait for the first
        wait_until(
            lambda: "已到店" in browser.find_element(By.TAG_NAME, "body").text, "the first page"
        )
    browser.save_screenshot(str(ARTIFACTS / "welcome-1920x1080.png"))
    body = browser.find_element(By.TAG_NAME, "body").text
    assert re.search(r"第 [12] / 2 页", body) and "·•••" in body and "李娜" in body
    assert "预约客户" not in browser.page_source and "13700000" not in browser.page_source

    welcome_on_screen(browser, schedule_server, 3840, 2160)
    height = browser.execute_script(
        "return document.querySelector('.welcome-plate').getBoundingClientRect().height"
    )
    assert height > 60  # 3.8 % of 2160 px: readable from across reception
    browser.save_screenshot(str(ARTIFACTS / "welcome-3840x2160.png"))
    screen(browser, 1920, 1080)
