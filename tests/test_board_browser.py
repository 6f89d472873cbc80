"""The boards in real headless Chromium at 1920×1080: the lounge with 30 cars and the
dispatch board with 12 bays, screenshots in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.display.texts import TEXTS
from tests.browser import ARTIFACTS, TOKENS, foreman_signs_in, poke, screen, served
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def board_server(tmp_path: Path) -> Iterator[str]:
    with served("tests.board_server", tmp_path, "/lounge") as (url, ready):
        TOKENS[url] = ready.split()[1]
        yield url


def lounge_on_screen(driver: Any, server: str, width: int, height: int) -> None:
    """The lounge on a screen of that size, once a page of eight cars is drawn."""
    from selenium.webdriver.common.by import By

    screen(driver, width, height)
    driver.get(server + "/lounge")
    wait_until(
        lambda d=driver: (
            len([e for e in d.find_elements(By.CSS_SELECTOR, ".lounge-plate") if e.text]) == 8
        ),
        f"eight cars on a lounge page at {width}×{height}",
    )


def assert_columns_line_up(driver: Any) -> None:
    """Plate, car, stage and promised time of every line of the lounge start under their
    column heads, whether the line has a notice for the customer or not."""
    heads, rows = driver.execute_script(
        "const left = e => Math.round(e.getBoundingClientRect().left);"
        "return [[...document.querySelector('.lounge-cols').children].map(left),"
        " [...document.querySelectorAll('.lounge-row')].filter(r => r.children.length)"
        ".map(r => [[...r.children].slice(0, 4).map(left), r.innerText])];"
    )
    assert len(heads) == 4 and len(rows) >= 2, (heads, rows)
    notices = [TEXTS[k][1] for k in ("notice.at_risk", "notice.ready")]
    noticed = [text for _, text in rows if any(n in text for n in notices)]
    assert noticed and len(noticed) < len(rows), rows  # lines with a notice and without
    for lefts, text in rows:
        assert all(abs(a - b) <= 2 for a, b in zip(lefts, heads, strict=True)), (
            heads,
            lefts,
            text,
        )


def test_lounge_and_dispatch_board_in_chromium(browser: Any, board_server: str) -> None:
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The TV's whole picture is the page: 1920×1080 without the browser's own bars.
    lounge_on_screen(browser, board_server, 1920, 1080)
    browser.save_screenshot(str(ARTIFACTS / "lounge-1920x1080.png"))
    for width, height in ((1280, 800), (1600, 1000)):  # smaller screens: a plate on one line
        lounge_on_screen(browser, board_server, width, height)
        plates = [e for e in browser.find_elements(By.CSS_SELECTOR, ".lounge-plate") if e.text]
        font = 0.038 * height
        assert all(e.rect["height"] < 1.6 * font for e in plates), (width, plates[0].rect)
        assert_columns_line_up(browser)
        browser.save_screenshot(str(ARTIFACTS / f"lounge-{width}x{height}.png"))
    lounge_on_screen(browser, board_server, 1920, 1080)
    body = browser.find_element(By.TAG_NAME, "body").text
    # 30 cars, 8 a screen: four pages, turned by the clock (every lounge screen alike)
    assert re.search(r"第 [1-4] / 4 页", body) and "·•••" in body
    assert "客户0" not in browser.page_source and "13900000" not in browser.page_source
    # Every car on one page, those told to see their advisor or to come to the desk too.
    browser.get(board_server + "/lounge?rows=30")
    wait_until(
        lambda d=browser: len(d.find_elements(By.CSS_SELECTOR, ".lounge-plate")) == 30,
        "the 30 cars on one lounge page",
    )
    assert_columns_line_up(browser)

    # The same page on a 4K TV: the same eight lines, drawn larger.
    lounge_on_screen(browser, board_server, 3840, 2160)
    height = browser.execute_script(
        "return document.querySelector('.lounge-plate').getBoundingClientRect().height"
    )
    assert height > 60  # 3.8 % of 2160 px: readable from across the lounge
    browser.save_screenshot(str(ARTIFACTS / "lounge-3840x2160.png"))
    screen(browser, 1920, 1080)

    foreman_signs_in(browser, board_server)
    wait_until(
        lambda d=browser: len(d.find_elements(By.CSS_SELECTOR, ".gantt-lane")) == 14,
        "12 bays plus QC and wash on the dispatch board",
    )
    wait_until(
        lambda d=browser: len(d.find_elements(By.CSS_SELECTOR, ".gantt-bar")) >= 10,
        "bars of today's work",
    )
    browser.save_screenshot(str(ARTIFACTS / "dispatch-1920x1080.png"))
    assert browser.find_elements(By.CSS_SELECTOR, ".bar-pause")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "待派工" in text and "待客户确认的增项" in text and "前刹车片磨损超限" in text


def test_a_change_reaches_every_open_board_without_a_reload(
    browser: Any, board_server: str
) -> None:
    """Boards are filled in place by board/static/live.js: a dispatch shows on the lounge
    and on the dispatch board of the same browser, neither reloaded."""
    from selenium.webdriver.common.by import By

    foreman_signs_in(browser, board_server)
    wait_until(lambda d=browser: d.find_elements(By.CSS_SELECTOR, ".gantt-head"), "dispatch")
    dispatch_tab = browser.current_window_handle
    browser.execute_script("window.__loaded = true")  # gone if the page reloads
    head = browser.find_elements(By.CSS_SELECTOR, ".gantt-head")[0].text
    browser.switch_to.new_window("tab")
    browser.get(board_server + "/lounge?rows=30")
    wait_until(lambda d=browser: d.find_elements(By.CSS_SELECTOR, ".lounge-plate"), "lounge")
    browser.execute_script("window.__loaded = true")

    done = poke(board_server, "/test/dispatch-first")

    def stage_of(d: Any, plate: str) -> str:
        for row in d.find_elements(By.CSS_SELECTOR, ".lounge-row"):
            if row.find_elements(By.CSS_SELECTOR, ".lounge-plate") and plate in row.text:
                return str(row.find_element(By.CSS_SELECTOR, ".lounge-stage").text)
        return ""

    wait_until(lambda d=browser: "等待维修" in stage_of(d, done["plate"]), "stage on the lounge")
    assert browser.execute_script("return window.__loaded === true")
    browser.switch_to.window(dispatch_tab)
    wait_until(
        lambda d=browser: d.find_elements(By.CSS_SELECTOR, ".gantt-head")[0].text != head,
        "the bay's head on the dispatch board",
    )
    assert browser.execute_script("return window.__loaded === true")
    wait_until(
        lambda d=browser: all(
            done["ro"] not in e.text for e in d.find_elements(By.CSS_SELECTOR, ".queue-item")
        ),
        "the car gone from the dispatch queue",
    )


@pytest.fixture
def quiet_board_server(tmp_path: Path) -> Iterator[str]:
    with served("tests.board_server", tmp_path, "/lounge", "quiet") as (url, ready):
        TOKENS[url] = ready.split()[1]
        yield url


def test_the_job_picker_opens_on_an_empty_board_and_offers_what_came_since(
    browser: Any, quiet_board_server: str
) -> None:
    """The keyboard's job list is filled as it opens: it must open when it has nothing."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    foreman_signs_in(browser, quiet_board_server)
    wait_until(lambda d=browser: d.find_elements(By.CSS_SELECTOR, ".q-select"), "job picker")

    def picker() -> Any:
        for select in browser.find_elements(By.CSS_SELECTOR, ".q-select"):
            if "工单" in select.text:
                return select
        raise AssertionError("no job picker on the board")

    def menu_text() -> str:
        return " ".join(m.text for m in browser.find_elements(By.CSS_SELECTOR, ".q-menu"))

    picker().click()
    wait_until(lambda: "暂无可派工单" in menu_text(), "the empty picker opened")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_until(lambda: not browser.find_elements(By.CSS_SELECTOR, ".q-menu"), "menu closed")

    ro = poke(quiet_board_server, "/test/check-in")["ro"]
    picker().click()
    wait_until(lambda: ro in menu_text(), f"{ro} offered in the picker")
    browser.save_screenshot(str(ARTIFACTS / "dispatch-picker.png"))


# The name field's own update carrying ``arguments[1]``, sent now to the server: as a key
# typed while the page still connected arrives, held back, after those typed since.
_LATE_KEY = """
const id = Number(arguments[0].id.slice(1));
const update = mounted_app.elements[id].events.find(e => e.type === 'update:value');
window.socket.emit('event', {id, client_id: window.clientId,
  listener_id: update.listener_id, args: [JSON.stringify(arguments[1])]});
"""


def test_the_sign_in_takes_the_name_the_form_shows_when_sent(
    browser: Any, board_server: str
) -> None:
    """Keys typed while the sign-in page still connects reach the server late, one of them
    now and then after those typed since: the server's copy of the name is then a letter
    short. The sign-in goes by the name and password the form shows as it is sent."""
    from selenium.webdriver.common.by import By

    browser.get(board_server + "/login?next=/dispatch")
    wait_until(lambda d=browser: len(d.find_elements(By.TAG_NAME, "input")) >= 2, "login form")
    user, password = browser.find_elements(By.TAG_NAME, "input")[:2]
    user.send_keys("F001")
    password.send_keys("pitboard")
    browser.execute_script(_LATE_KEY, user, "F00")
    browser.find_element(By.TAG_NAME, "button").click()
    wait_until(
        lambda d=browser: "/dispatch" in d.current_url and "/login" not in d.current_url,
        lambda: f"F001 signed in: {browser.find_element(By.TAG_NAME, 'body').text}",
    )


def test_the_manager_ends_the_foremans_session_in_chromium(browser: Any, board_server: str) -> None:
    """The service manager's page lists who is signed in; ending the foreman's session sends
    the foreman's browser to the sign-in at its next page."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    foreman_signs_in(browser, board_server)
    wait_until(lambda d=browser: d.find_elements(By.CSS_SELECTOR, ".gantt-head"), "dispatch")
    foremans_cookies = browser.get_cookies()

    browser.delete_all_cookies()  # another person at another browser
    browser.get(board_server + "/login?next=/access")
    wait_until(lambda d=browser: len(d.find_elements(By.TAG_NAME, "input")) >= 2, "login form")
    user, password = browser.find_elements(By.TAG_NAME, "input")[:2]
    user.send_keys("M001")
    password.send_keys("pitboard")
    browser.find_element(By.TAG_NAME, "button").click()

    def session_row(name: str) -> Any:
        try:
            for row in browser.find_elements(By.CSS_SELECTOR, ".nicegui-row"):
                if row.text.startswith(name) and row.find_elements(By.TAG_NAME, "button"):
                    return row
        except StaleElementReferenceException:  # the list was being drawn again
            pass
        return None

    def end(name: str) -> bool:
        try:
            session_row(name).find_element(By.TAG_NAME, "button").click()
            return True
        except (AttributeError, StaleElementReferenceException):
            return False

    wait_until(lambda: session_row("F001") and session_row("M001"), "both sessions listed")
    browser.save_screenshot(str(ARTIFACTS / "access-sessions.png"))
    wait_until(lambda: end("F001"), "end the foreman's session")
    wait_until(lambda: session_row("F001") is None, "the foreman's session gone from the list")
    assert session_row("M001") is not None
    browser.save_screenshot(str(ARTIFACTS / "access-session-ended.png"))

    browser.delete_all_cookies()  # back at the foreman's browser
    for cookie in foremans_cookies:
        browser.add_cookie(cookie)
    browser.get(board_server + "/dispatch")
    wait_until(lambda d=browser: "/login" in d.current_url, "the foreman sent to the sign-in")
    wait_until(lambda d=browser: len(d.find_elements(By.TAG_NAME, "input")) >= 2, "login form")
