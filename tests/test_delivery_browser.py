"""The delivery summary (交车单) in real headless Chromium: a car delivered with its safety
finding declined prints on the desk's virtual printer; the foreman, signed in, finds it
among the dispatch board's recent prints and opens it at full size. The photograph is
tests/artifacts/delivery-summary-preview.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.escpos_read import decode
from tests.browser import ARTIFACTS, TOKENS, foreman_signs_in, poke, screen, served
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]

PAPER_DOTS = 576  # the demo's desk printer takes 80 mm paper: 576 dots, a pixel each


@pytest.fixture
def printing_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with served("tests.board_server", tmp_path, "/lounge", "quiet", "printing") as (url, ready):
        TOKENS[url] = ready.split()[1]
        yield url, tmp_path


def summary_link(driver: Any, ro: str) -> str:
    """The preview's address behind its thumbnail among the board's recent prints."""
    from selenium.webdriver.common.by import By

    def found() -> str:
        links = [a.get_attribute("href") or "" for a in driver.find_elements(By.TAG_NAME, "a")]
        return next((h for h in links if f"/prints/desk/{ro}.delivery_summary." in h), "")

    return str(wait_until(found, "the delivery summary among the recent prints", timeout=20))


def fetched(driver: Any, url: str) -> list[Any]:
    """Status and type of ``url`` fetched by the page, with the page's sign-in."""
    script = """const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => done([r.status, r.headers.get('content-type')]));"""
    return list(driver.execute_async_script(script, url))


def shown_image(driver: Any) -> tuple[int, int]:
    """The natural size of the picture the open tab shows, once it has loaded."""

    def size() -> list[int] | None:
        return driver.execute_script(  # type: ignore[no-any-return]
            "const i = document.images[0];"
            "return i && i.complete && i.naturalWidth ? [i.naturalWidth, i.naturalHeight] : null"
        )

    width, height = wait_until(size, "the preview shown")
    return int(width), int(height)


def test_the_delivery_summary_preview_opens_from_the_board(
    browser: Any, printing_server: tuple[str, Path]
) -> None:
    from selenium.webdriver.common.by import By

    server, data = printing_server
    ro = poke(server, "/test/delivered")["ro"]
    screen(browser, 1600, 1000)
    foreman_signs_in(browser, server)
    href = summary_link(browser, ro)
    assert fetched(browser, href) == [200, "image/png"]
    board = browser.current_window_handle
    browser.find_element(By.CSS_SELECTOR, f"a[href$='{href.rsplit('/', 1)[1]}']").click()
    wait_until(lambda: len(browser.window_handles) == 2, "the preview's own tab")
    browser.switch_to.window(next(h for h in browser.window_handles if h != board))
    width, height = shown_image(browser)
    assert width == PAPER_DOTS and height > 1000  # the whole paper, one pixel a dot
    # What the preview was drawn from: the bytes the printer got, read back.
    raw = (data / "prints" / "desk" / href.rsplit("/", 1)[1]).with_suffix(".bin").read_bytes()
    lines = decode(raw).text
    assert "安全隐患（客户拒绝维修）" in lines and "· 后刹车片磨损超限" in lines
    assert any(t.startswith("本人已知悉上述安全隐患") for t in lines)
    assert lines[-1].startswith("客户签字: ")
    screen(browser, width, height)  # the picture at its own size, not shrunk to the window
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "delivery-summary-preview.png"))
