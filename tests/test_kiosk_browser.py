"""One tap-through in real headless Chromium: the B03 kiosk against a running core and a
real Mosquitto. Start → a help call → finding → finish on a 1280 × 800 tablet (and a
1024 × 600 panel), every step button on the first screen, with screenshots (English and
中文) in tests/artifacts/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.domain.model import FindingState, JobStatus
from core.store.database import make_engine, sqlite_url
from core.store.repository import Store
from tests.browser import ARTIFACTS, past_the_screen, screen, served, steps_below_the_fold

pytestmark = [pytest.mark.mosquitto, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def kiosk_server(mosquitto_bin: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    with served("tests.kiosk_server", tmp_path) as (url, ready):
        yield url + "/", ready.split()[1], tmp_path


#: How far the chosen severity's button reaches below the top of the dialog's own buttons
#: (its footer, which stays in sight): 0 or less when it is seen whole.
_SEVERITY_SHOWN = """
const footer = [...document.querySelectorAll('.q-dialog button')]
  .find(b => b.textContent.trim() === arguments[0]);
const chosen = [...document.querySelectorAll('.q-dialog button.bg-primary')];
if (!footer || !chosen.length) return null;
return chosen[0].getBoundingClientRect().bottom - footer.getBoundingClientRect().top;
"""


def test_tap_through_start_finding_finish_in_chromium(
    browser: Any, kiosk_server: tuple[str, str, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    url, ro, data = kiosk_server
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

    screen(browser, 1280, 800)  # a bay's 10-inch tablet, landscape
    browser.get(url)
    shows(ro)
    tap("Sign in")
    tap("李强")  # the name first, then the PIN
    pin = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]")))
    pin.send_keys("1002")
    tap("OK")
    shows("Sign out 李强")
    tap("Start")
    shows("Working: 李强")
    assert steps_below_the_fold(browser) == [], "the job's buttons fit the tablet's screen"
    screen(browser, 1024, 600)  # a 7-inch panel: the same buttons, no sideways scrolling
    time.sleep(0.3)  # laid out again for the new size
    assert steps_below_the_fold(browser) == [], "the job's buttons fit a 7-inch panel"
    wide = browser.execute_script("return document.documentElement.scrollWidth")
    assert wide <= 1024, f"the kiosk is {wide} px wide on a 1024 px screen"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-working-1024x600.png"))
    screen(browser, 1280, 800)
    tap("Call for help")  # an open call shows too, and the buttons stay where they were
    tap("Foreman")
    tap("Send the call")
    shows("Waiting")
    assert steps_below_the_fold(browser) == [], "with a help call open"
    for name, pin in (("刘洋", "1004"), ("陈志强", "1005"), ("张伟", "1003")):  # four at the bay
        tap("Sign in")
        tap(name)
        pin_field = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]"))
        )
        pin_field.send_keys(pin)
        tap("OK")
        shows(f"Sign out {name}")
    assert steps_below_the_fold(browser) == [], "with four technicians signed in"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-four-signed-in.png"))
    tap("李强")  # back to the one at work on the car
    shows("Sign out 李强")
    tap("Finding")
    shows("Front brake pads worn past limit")
    # Its presets fill more than the screen: the dialog's own buttons stay in sight.
    for width, height in ((1280, 800), (1024, 600)):
        screen(browser, width, height)
        time.sleep(0.3)
        reach = past_the_screen(browser, "Report finding")
        assert reach is not None and reach <= 0, f"{width}x{height}: {reach} px below the edge"
    preset = button("Front brake pads worn past limit")
    title = browser.find_element(By.CSS_SELECTOR, ".q-dialog input[type=text]")
    assert preset.location["y"] < title.location["y"], "the presets below the typing"
    tap("Front brake pads worn past limit")  # on the 7-inch panel: what it filled in, in sight
    time.sleep(1.0)  # the smooth scroll
    shown = browser.execute_script(_SEVERITY_SHOWN, "Report finding")
    assert shown is not None and shown <= 0, f"1024x600: the severity {shown} px under the footer"
    screen(browser, 1280, 800)
    tap("Report finding")
    shows("Approved")  # the advisor relayed the customer's yes
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-working.png"))
    tap("中文")  # the same screen as the workshop mostly reads it
    shows("作业中: 李强")
    assert steps_below_the_fold(browser) == [], "with a finding, in Chinese"
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-working-zh.png"))
    tap("English")
    tap("Finish (self\u2011check)")
    tap("Confirm")
    shows("waiting for the team leader")  # still at the bay, 李强 being no leader
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-finished.png"))
    assert (ARTIFACTS / "kiosk-b03-finished.png").stat().st_size > 10_000
    tap("陈志强")  # a team leader, signed in at the bay, checks it there
    tap("Leader check OK")
    tap("Leader check OK: to final inspection")
    shows("No jobs dispatched here")  # on to the QC station

    store = Store(make_engine(sqlite_url(data)), "demo")
    job = store.load_job(ro)
    assert job.status is JobStatus.LEADER_CHECKED
    assert [(c.level, c.by) for c in job.checks] == [("self", "T002"), ("leader", "T005")]
    assert [f.state for f in job.findings] == [FindingState.APPROVED]
    assert [t for _, t in store.audit_events("kiosk-b03")] == [
        "tech.signed_in",
        "job.started",
        "help.called",
        "tech.signed_in",
        "tech.signed_in",
        "tech.signed_in",
        "job.finding",
        "job.self_checked",
        "job.leader_checked",
    ]
