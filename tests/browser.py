"""For the tests in real Chromium: the browser, and a page server run as a child process."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.broker import free_port
from tests.helpers import child_env
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"


def chromium_paths() -> tuple[str, str] | None:
    """Debian's chromium and chromedriver, if installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def headless_chromium(binary: str, driver_path: str) -> Any:
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
    return webdriver.Chrome(service=Service(driver_path), options=opts)


@contextmanager
def served(module: str, workdir: Path, page: str = "/", *args: str) -> Iterator[tuple[str, str]]:
    """Run ``python -m module WORKDIR PORT`` until it prints READY and ``page`` answers;
    yields the base URL and the READY line. The child's log is workdir/server.log."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", module, str(workdir), str(port), *args],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=open(workdir / "server.log", "w"),  # noqa: SIM115 - the child's
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY"), (workdir / "server.log").read_text()[-3000:]
        url = f"http://127.0.0.1:{port}"

        def serves() -> bool:
            try:
                urllib.request.urlopen(url + page, timeout=2).read()
            except OSError:
                return False
            return True

        wait_until(serves, f"{module} serving {page}", timeout=30, every=0.2)
        yield url, line
    finally:
        interrupt(proc)


# The board server's token for its test hooks, by its URL.
TOKENS: dict[str, str] = {}


def poke(server: str, hook: str) -> Any:
    """POST to one of the board server's test hooks; its JSON answer."""
    request = urllib.request.Request(
        server + hook, method="POST", headers={"Authorization": f"Bearer {TOKENS[server]}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def screen(driver: Any, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


#: A kiosk's step buttons (start, pause, finding, parts, finish, the checks) that a gloved
#: hand would have to scroll to: their labels, or a word that there are none at all.
_STEPS_BELOW = """
window.scrollTo(0, 0);
const steps = [...document.querySelectorAll('.pb-step')];
if (!steps.length) return ['(no step buttons)'];
return steps.filter(b => b.getBoundingClientRect().bottom > window.innerHeight)
            .map(b => b.innerText.trim());
"""


def steps_below_the_fold(driver: Any) -> list[str]:
    """The kiosk's step buttons not on its first screen (none, on a screen that fits)."""
    return list(driver.execute_script(_STEPS_BELOW))


_BUTTON_BOTTOM = """
const b = [...document.querySelectorAll('button')].find(x => x.innerText.trim() === arguments[0]);
return b ? b.getBoundingClientRect().bottom - window.innerHeight : null;
"""


def past_the_screen(driver: Any, label: str) -> float | None:
    """How far the button ``label`` reaches below the screen's edge, as it is now (none
    found: None; on the screen: 0 or less)."""
    found = driver.execute_script(_BUTTON_BOTTOM, label)
    return None if found is None else float(found)


def signs_in(driver: Any, server: str, who: str, page: str) -> None:
    """``who`` (a demo person, password ``pitboard``) through the sign-in form, on to
    ``page``."""
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/login?next={page}")
    wait_until(lambda d=driver: len(d.find_elements(By.TAG_NAME, "input")) >= 2, "login form")
    user, password = driver.find_elements(By.TAG_NAME, "input")[:2]
    user.send_keys(who)
    password.send_keys("pitboard")
    driver.find_element(By.TAG_NAME, "button").click()


def foreman_signs_in(driver: Any, server: str) -> None:
    """The foreman through the sign-in form, on to the dispatch board."""
    signs_in(driver, server, "F001", "/dispatch")


def interrupt(proc: subprocess.Popen[str]) -> None:
    """Stop a server as Ctrl-C does; killed when it does not end within 20 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
