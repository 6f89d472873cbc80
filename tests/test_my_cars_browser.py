"""The advisor's board (我的车辆) in real headless Chromium on a busy workshop: a finding
reported at a bay comes onto the open page by itself, with the sound asked for; the
photograph is tests/artifacts/mycars-advisor.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.display.texts import TEXTS
from tests.browser import ARTIFACTS, TOKENS, poke, screen, served, signs_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]


@pytest.fixture
def board_server(tmp_path: Path) -> Iterator[str]:
    with served("tests.board_server", tmp_path, "/lounge") as (url, ready):
        TOKENS[url] = ready.split()[1]
        yield url


def test_a_finding_reaches_the_open_advisors_board_with_a_sound(
    browser: Any, board_server: str
) -> None:
    def body() -> str:
        return str(browser.execute_script("return document.body ? document.body.innerText : ''"))

    screen(browser, 1600, 1000)
    signs_in(browser, board_server, "SA01", "/mycars")
    heading = TEXTS["mycars.cars"][0]
    wait_until(lambda: heading in body() and "RO-" in body(), "my cars")
    assert browser.execute_script("return window.pitboardChimes") == 0
    found = poke(board_server, "/test/finding")
    told = TEXTS["mycars.kind.finding"][0]

    def shown() -> bool:
        now = body()
        return told in now and found["title"] in now and found["ro"] in now

    wait_until(shown, "the finding's notice, without a reload", timeout=15)
    # The sound is its own message from the server, which may follow the notice's text.
    wait_until(lambda: browser.execute_script("return window.pitboardChimes") >= 1, "a sound")
    assert browser.execute_script("return window.pitboardChimes") == 1  # once
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "mycars-advisor.png"))
