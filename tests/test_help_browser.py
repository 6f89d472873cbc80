"""Help calls (安灯) in real headless Chromium on a busy workshop: calls from two bays come
onto the open dispatch board by themselves, with their kind, bay, caller, note, running
timer and escalation, and the foreman answers one on the help page; the photograph is
tests/artifacts/dispatch-help-call.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.display.texts import TEXTS
from tests.browser import ARTIFACTS, TOKENS, foreman_signs_in, poke, screen, served
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]


@pytest.fixture
def board_server(tmp_path: Path) -> Iterator[str]:
    with served("tests.board_server", tmp_path, "/lounge") as (url, ready):
        TOKENS[url] = ready.split()[1]
        yield url


def test_a_help_call_comes_onto_the_open_dispatch_board_with_its_timer_and_tier(
    browser: Any, board_server: str
) -> None:
    from selenium.webdriver.common.by import By

    def body() -> str:
        return str(browser.execute_script("return document.body ? document.body.innerText : ''"))

    screen(browser, 1600, 1000)
    foreman_signs_in(browser, board_server)
    wait_until(lambda: TEXTS["andon.none"][0] in body(), "the board with no call")
    call = poke(board_server, "/test/help-call")["call"]
    expert = TEXTS["help_kind.diagnostic"][0]
    escalated = TEXTS["andon.escalated_to"][0].format(role=TEXTS["role.foreman"][0])
    wait_until(
        lambda: expert in body() and "发动机故障灯亮" in body() and escalated in body(),
        "the call on the board, without a reload",
        timeout=15,
    )
    timer = browser.find_element(By.CSS_SELECTOR, f'[data-help-timer="{call}"]')
    wait_until(lambda: timer.text.startswith(("07:", "08:")), "the timer, from the call on")
    first = timer.text
    wait_until(lambda: timer.text != first, "the timer running", timeout=5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "dispatch-help-call.png"))

    # The foreman answers on the help page; the board shows it.
    board = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(board_server + "/help")
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, f'[data-help-ack="{call}"]'), "help")
    browser.find_element(By.CSS_SELECTOR, f'[data-help-ack="{call}"]').click()
    browser.switch_to.window(board)
    on_way = TEXTS["andon.answered_by"][0].format(name="张强")
    wait_until(lambda: on_way in body(), "answered, on the board", timeout=10)
