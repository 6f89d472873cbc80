"""The walk-around in real headless Chromium: the advisor taps a panel of the outline,
the customer signs on the canvas with the pointer, and the record is saved; screenshots
of the page signed and of the order showing it in tests/artifacts/."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from board.car_outline import PANELS
from core.domain.vocabulary import CarZone
from tests.browser import ARTIFACTS, TOKENS, poke, screen, served
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]


@pytest.fixture
def desk_server(tmp_path: Path) -> Iterator[str]:
    with served("tests.board_server", tmp_path, "/lounge", "quiet") as (url, ready):
        TOKENS[url] = ready.split()[1]
        yield url


def advisor_signs_in(driver: Any, server: str, page: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/login?next={page}")
    wait_until(lambda d=driver: len(d.find_elements(By.TAG_NAME, "input")) >= 2, "login form")
    user, password = driver.find_elements(By.TAG_NAME, "input")[:2]
    user.send_keys("SA01")
    password.send_keys("pitboard")
    driver.find_element(By.TAG_NAME, "button").click()


def draw_signature(driver: Any, pad: Any) -> None:
    """A name written in three strokes, as a finger or a pen writes it."""
    from selenium.webdriver.common.action_chains import ActionChains

    strokes = [
        [(-200, 20), (-170, -40), (-140, 30), (-110, -35), (-80, 25)],
        [(-50, -30), (-40, 35), (0, -10), (30, 30), (60, -25)],
        [(90, 0), (200, -5)],
    ]
    for stroke in strokes:
        chain = ActionChains(driver).move_to_element_with_offset(pad, *stroke[0]).click_and_hold()
        for x, y in stroke[1:]:
            chain = chain.move_to_element_with_offset(pad, x, y)
        chain.release().perform()


def inked(data_url: str) -> int:
    """How many pixels of a signature image have ink."""
    from PIL import Image

    png = base64.b64decode(data_url.split(",", 1)[1])
    img = Image.open(io.BytesIO(png)).convert("RGBA")
    alpha, dark = img.getchannel("A"), img.convert("L")
    w, h = img.size
    return sum(
        1
        for x in range(w)
        for y in range(h)
        if alpha.getpixel((x, y)) > 0 and dark.getpixel((x, y)) < 100  # type: ignore[operator]
    )


def body_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.TAG_NAME, "body").text)


def mark_the_left_front_door(driver: Any) -> None:
    """The advisor taps the left front door on the outline and adds the scratch there."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    outline = driver.find_element(By.CSS_SELECTOR, "img[src^='data:image/svg']")
    x, y, w, h = PANELS[CarZone.LEFT_FRONT_DOOR]
    box = outline.rect
    ActionChains(driver).move_to_element_with_offset(
        outline, x + w / 2 - box["width"] / 2, y + h / 2 - box["height"] / 2
    ).click().perform()
    wait_until(lambda: "左前门" in body_text(driver), "the zone picked by the tap")
    next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "添加").click()
    wait_until(lambda: "1 左前门 划痕" in body_text(driver), "the mark listed")


def fill_in_and_sign(driver: Any) -> None:
    """Mileage and belongings typed, then the customer signs on the pad."""
    from selenium.webdriver.common.by import By

    inputs = driver.find_elements(By.TAG_NAME, "input")
    next(i for i in inputs if i.get_attribute("type") == "number").send_keys("42000")
    driver.find_element(By.TAG_NAME, "textarea").send_keys("雨伞\n儿童座椅")
    pad = driver.find_element(By.CSS_SELECTOR, "canvas.signature-pad")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    draw_signature(driver, pad)
    wait_until(lambda: "✓" in body_text(driver), "the signature sent")


def save(driver: Any) -> None:
    """The valuables reminder ticked, and saved."""
    from selenium.webdriver.common.by import By

    boxes = driver.find_elements(By.CSS_SELECTOR, ".q-checkbox")
    next(c for c in boxes if "贵重" in c.text).click()
    next(b for b in driver.find_elements(By.TAG_NAME, "button") if "保存" in b.text).click()


def shown_signature(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    def found() -> str:
        srcs = [i.get_attribute("src") or "" for i in driver.find_elements(By.TAG_NAME, "img")]
        return next((s for s in srcs if s.startswith("data:image/png")), "")

    wait_until(lambda: bool(found()), "the signature shown on the order")
    return found()


def test_the_customer_signs_on_the_canvas(browser: Any, desk_server: str) -> None:
    from selenium.webdriver.common.by import By

    ro = poke(desk_server, "/test/check-in")["ro"]
    screen(browser, 1366, 1024)  # a tablet on its side
    advisor_signs_in(browser, desk_server, f"/orders/{ro}/walkaround")
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "canvas.signature-pad"), "the pad")
    mark_the_left_front_door(browser)
    fill_in_and_sign(browser)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(ARTIFACTS / "walkaround-signed.png"))
    save(browser)
    wait_until(lambda: browser.current_url.endswith(f"/orders/{ro}"), "the order page")
    assert inked(shown_signature(browser)) > 200  # the strokes drawn, not an empty canvas
    text = body_text(browser)
    assert "1 左前门 划痕" in text and "随车物品: 雨伞、儿童座椅" in text
    browser.save_screenshot(str(ARTIFACTS / "walkaround-order.png"))
