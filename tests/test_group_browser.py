"""The group dashboard in real headless Chromium: 20 sites side by side, the stale ones red
and marked in words on top, a fact committed at the hub reaching the open page by itself;
the figures' ranking; a stale site's read-only detail. Photographs in tests/artifacts/:
group-dashboard.png, group-figures.png, group-site.png and group-dashboard-en.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.display.texts import TEXTS
from tests.browser import ARTIFACTS, screen, served, signs_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]


@pytest.fixture
def group_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with served("tests.group_server", tmp_path, "/login") as (url, _ready):
        yield url, tmp_path


def test_twenty_sites_with_the_stale_on_top_and_a_change_pushed(
    browser: Any, group_server: tuple[str, Path]
) -> None:
    from selenium.webdriver.common.by import By

    server, workdir = group_server

    def body() -> str:
        return str(browser.execute_script("return document.body ? document.body.innerText : ''"))

    def rows() -> list[Any]:
        return browser.find_elements(By.CSS_SELECTOR, "tr[data-site]")

    def order() -> list[str]:  # read at once: a push replaces the rows
        return list(
            browser.execute_script(
                "return [...document.querySelectorAll('tr[data-site]')].map(r => r.dataset.site)"
            )
        )

    screen(browser, 1600, 1000)
    signs_in(browser, server, "HQ01", "/group")
    wait_until(lambda: len(rows()) == 20, "the twenty sites' lines", timeout=15)
    assert order()[:3] == ["TZ01", "SH03", "NB02"], order()  # never heard, 42 min, 9 min
    stale = TEXTS["group.state.stale"][0]
    first = rows()[1]
    assert first.get_attribute("class") == "stale" and stale in first.text
    red = first.find_element(By.TAG_NAME, "td").value_of_css_property("background-color")
    assert red == "rgba(254, 226, 226, 1)", red  # the stale rows' red
    assert "42 分钟前" in first.text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "group-dashboard.png"))

    (workdir / "change").touch()  # the hub commits: 上海浦东店 has three cars at risk
    wait_until(
        lambda: order()[3:5] == ["HZ02", "SH01"],
        "上海浦东店 up among the trouble, without a reload",
        timeout=15,
    )

    browser.get(server + "/group/figures")
    wait_until(lambda: TEXTS["group.measure.on_time"][0] in body(), "the figures", timeout=15)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "td.gf-top"), "the top coloured")
    assert browser.find_elements(By.CSS_SELECTOR, "td.gf-bottom")
    browser.save_screenshot(str(ARTIFACTS / "group-figures.png"))

    browser.get(server + "/group/site/NB02")
    wait_until(lambda: "RO-20261205-0007" in body(), "宁波北仑店's open jobs", timeout=15)
    assert stale in body() and "kiosk-b07" in body()
    # Nothing on it changes the site: the header's language and sign-out are its buttons.
    buttons = [b.text for b in browser.find_elements(By.TAG_NAME, "button")]
    assert sorted(buttons) == ["ENGLISH", "退出"], buttons
    browser.save_screenshot(str(ARTIFACTS / "group-site.png"))

    browser.get(server + "/group")
    wait_until(lambda: len(order()) == 20, "the lines again", timeout=15)
    browser.find_element(By.XPATH, "//button[normalize-space(.)='English']").click()
    wait_until(lambda: "Sites live" in body() and "Not heard" in body(), "in English", timeout=15)
    browser.save_screenshot(str(ARTIFACTS / "group-dashboard-en.png"))
