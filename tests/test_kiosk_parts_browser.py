"""Asking for parts (领料) at the B03 kiosk in real headless Chromium, against a running core
and a real Mosquitto: the usual parts of the minor service one tap each, sent with the job
paused as waiting parts; the request then shows on the job. Photographs in tests/artifacts/
(kiosk-b03-parts-dialog.png, kiosk-b03-parts-requested.png)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.display.texts import TEXTS
from tests.browser import ARTIFACTS, served

pytestmark = [pytest.mark.mosquitto, pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]


@pytest.fixture
def kiosk_server(mosquitto_bin: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    with served("tests.kiosk_server", tmp_path) as (url, ready):
        yield url + "/", ready.split()[1], tmp_path


def test_parts_asked_at_the_kiosk_in_chromium(
    browser: Any, kiosk_server: tuple[str, str, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    url, ro, _ = kiosk_server
    wait = WebDriverWait(browser, 30)

    def button(label: str) -> Any:
        xpath = f"//button[.//span[normalize-space(text())='{label}']]"
        return wait.until(ec.element_to_be_clickable((By.XPATH, xpath)))

    def tap(label: str) -> None:
        for _ in range(5):  # the screen redraws under the finger now and then
            try:
                button(label).click()
                return
            except Exception:
                time.sleep(0.2)
        button(label).click()

    def shows(text: str) -> None:
        wait.until(ec.presence_of_element_located((By.XPATH, f"//*[contains(text(), '{text}')]")))

    browser.set_window_size(1280, 800)
    browser.get(url)
    shows(ro)
    tap("中文")
    tap("签到")
    tap("李强")
    pin = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]")))
    pin.send_keys("1002")
    tap("确定")
    tap("开始")
    shows("作业中: 李强")
    tap(TEXTS["kiosk.parts_request"][0])
    tap("机油滤清器 ×1")
    tap("机油 5W-30 4L ×1")
    shows("机油 5W-30 4L ×1")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-parts-dialog.png"))
    tap(TEXTS["kiosk.parts_send"][0])
    shows(TEXTS["parts_state.requested"][0])
    shows("待料")  # the job waits for them, as asked
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-parts-requested.png"))
    cancel = button(TEXTS["kiosk.parts_cancel"][0])  # taken back with a gloved finger
    assert cancel.size["height"] >= 52 and cancel.size["width"] >= 52, cancel.size
    assert (ARTIFACTS / "kiosk-b03-parts-requested.png").stat().st_size > 10_000
