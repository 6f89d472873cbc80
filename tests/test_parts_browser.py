"""The parts counter's page (配件部 · 领料) in real headless Chromium on a busy workshop: four
bays' requests come onto the open page by themselves, oldest first, with bay, order, car,
items and how long each has waited; the photograph is tests/artifacts/parts-counter.png."""

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


def test_the_bays_requests_reach_the_open_parts_counter(browser: Any, board_server: str) -> None:
    def body() -> str:
        return str(browser.execute_script("return document.body ? document.body.innerText : ''"))

    screen(browser, 1600, 1000)
    signs_in(browser, board_server, "PC01", "/parts")
    heading = TEXTS["counter.waiting"][0]
    wait_until(lambda: heading in body(), "the parts counter's page")
    asked = poke(board_server, "/test/parts")["requests"]
    assert len(asked) == 4
    short = TEXTS["parts_state.not_in_stock"][0]
    picking = TEXTS["parts_state.picking"][0]

    def shown() -> bool:
        now = body()
        return short in now and picking in now and "已等 27 分钟" in now

    wait_until(shown, "the requests, without a reload", timeout=15)
    now = body()
    # Oldest first: the request waiting longest stands at the top of the queue.
    assert now.index("已等 27 分钟") < now.index("已等 14 分钟") < now.index("已等 8 分钟")
    assert TEXTS["counter.served"][0] in now and TEXTS["counter.paused"][0] in now
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "parts-counter.png"))
