"""One tap-through in real headless Chromium: the B03 kiosk against a running core and a
real Mosquitto. Start → finding → finish, with a screenshot in tests/artifacts/."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.broker import free_port
from core.domain.model import FindingState, JobStatus
from core.store.database import make_engine, sqlite_url
from core.store.repository import Store
from tests.conftest import need
from tests.helpers import child_env

pytestmark = [pytest.mark.mosquitto, pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"


def _chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        need("Chromium", "install Debian's chromium and chromium-driver")
    assert browser is not None and driver is not None
    return browser, driver


@pytest.fixture
def browser() -> Iterator[Any]:
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1920,1080",
        "--lang=en-US",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    yield driver
    driver.quit()


@pytest.fixture
def kiosk_server(mosquitto_bin: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.kiosk_server", str(tmp_path), str(port)],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "server.log", "w"),  # noqa: SIM115 - the child's
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY"), (tmp_path / "server.log").read_text()[-3000:]
    ro = line.split()[1]
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            assert time.monotonic() < deadline, "kiosk page did not come up"
            time.sleep(0.2)
    yield url, ro, tmp_path
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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

    browser.get(url)
    shows(ro)
    tap("Sign in")
    pin = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]")))
    pin.send_keys("1002")
    tap("OK")
    shows("Sign out 李强")
    tap("Start")
    shows("Working: 李强")
    tap("Finding")
    tap("Front brake pads worn past limit")
    tap("Report finding")
    shows("Approved")  # the advisor relayed the customer's yes
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-working.png"))
    tap("Finish (self-check)")
    tap("Confirm")
    shows("No jobs dispatched here")
    browser.save_screenshot(str(ARTIFACTS / "kiosk-b03-finished.png"))
    assert (ARTIFACTS / "kiosk-b03-finished.png").stat().st_size > 10_000

    store = Store(make_engine(sqlite_url(data)), "demo")
    job = store.load_job(ro)
    assert job.status is JobStatus.SELF_CHECKED
    assert [f.state for f in job.findings] == [FindingState.APPROVED]
    assert [t for _, t in store.audit_events("kiosk-b03")] == [
        "tech.signed_in",
        "job.started",
        "job.finding",
        "job.self_checked",
    ]
