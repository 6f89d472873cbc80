"""The demo as a person meets it, in real headless Chromium: ``pitboard run --demo`` started
as the README says, a working day played, then every page signed in as the demo's people
and photographed in tests/artifacts/demo-<page>.png, each read for what makes it a real day.

Ten real minutes of the default 60× demo are ten site hours. Here the demo runs at 600× (a
real second is ten site minutes; the player still plays a sensible day at that speed): in
the morning the foreman pairs a tablet with every work bay, and the pages are taken from
about 13:30 site time: the clock starts at 07:45, so that is about 35 s of waiting, and the
pages take another 15 s or so in which the site moves on two or three hours, so the last
of them still shows a working afternoon rather than the evening's sign-out (everyone signs
out at 18:15). Faster, the day runs on too far while a page is read: the car whose kiosk
is opened has gone to the checks, the bay idle. What is asserted is read from the pages'
DOM and the core's answers, never from the wall clock: bars of real width on the dispatch
board, worked hours and believable efficiencies in the reports, stretches of work of
minutes on an order, cars with promised times on the lounge, a job on the kiosk, no
refusal or error on any page, and none of the day's taps refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.broker import free_port
from core.display.texts import TEXTS
from kiosk.pairing import COOKIE as KIOSK_COOKIE
from tests.browser import ARTIFACTS, ROOT, interrupt, steps_below_the_fold
from tests.helpers import child_env
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.screenshots]

SPEED = 600  # site seconds a real second
PAGES_FROM = (13, 30)  # site time (local) at which the photographs begin
TABLET = (1280, 800)  # a bay's kiosk: a 10-inch tablet, landscape
HM = r"(\d\d):(\d\d)"
# The bays the demo's cars are worked at: its general bays, each with a technician.
WORK_BAYS = [
    b["id"]
    for b in tomllib.loads((ROOT / "core" / "demo" / "site.toml").read_text("utf-8"))["bays"]
    if b["kind"] == "general"
]
AT_THE_BAY = ("dispatched", "in_progress", "paused")  # a car's status while at its bay
BAY_WORK_DONE = ("self_checked", "leader_checked", "wash_waiting", "washing", "ready")


@dataclass
class Demo:
    url: str
    token: str  # the demo's API token, printed by pitboard run
    data: Path  # the demo's data directory
    site_at_start: datetime  # the site time pitboard run printed …
    real_at_start: float  # … read at this monotonic time

    def site_now(self) -> datetime:
        return self.site_at_start + timedelta(
            seconds=(time.monotonic() - self.real_at_start) * SPEED
        )

    def api(self, path: str) -> Any:
        return json.loads(self.get(path))

    def get(self, path: str) -> str:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(answer.read().decode())


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """``python -m pitboard run --demo --speed 600`` in a directory of its own (the demo's
    data goes under its ``var/``), on a free web port; its broker takes a free port of its
    own when 1883 is taken."""
    port = free_port()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = child_env(PYTHONPATH=path)
    env.pop("PITBOARD_CONFIG", None)  # the demo site
    log = tmp_path / "pitboard.log"
    port_args = ("--port", str(port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pitboard", "run", "--demo", "--speed", str(SPEED), *port_args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(log, "w"),  # noqa: SIM115 - the child's
        text=True,
    )
    try:
        assert proc.stdout is not None
        welcome = ""
        while "mosquitto_pub" not in welcome:  # its last line
            line = proc.stdout.readline()
            assert line, f"pitboard run ended: {log.read_text()[-3000:]}"
            welcome += line
        real = time.monotonic()
        token = re.search(r"Bearer (\S+)'", welcome)
        ts = re.search(r"site clock +(\S+)", welcome)  # the demo's time now
        assert token and ts, welcome
        url = f"http://127.0.0.1:{port}"

        def serves() -> bool:
            try:
                urllib.request.urlopen(url + "/lounge", timeout=2).read()
            except OSError:
                return False
            return True

        wait_until(serves, "pitboard run serving /lounge", timeout=30, every=0.2)
        yield Demo(
            url, token.group(1), tmp_path / "var" / "demo", datetime.fromisoformat(ts[1]), real
        )
    finally:
        interrupt(proc)
        if proc.stdout is not None:
            proc.stdout.close()


# Words no page of a good day shows: the core's refusals, a page refused to its reader, a
# kiosk cut off, a dispatch or a desk action not done (both languages).
_REFUSAL_KEYS = [k for k in TEXTS if k.startswith(("error.", "denied."))] + [
    "kiosk.offline",
    "kiosk.refused",
    "dispatch.refused",
    "desk.refused",
    "login.failed",
]
REFUSALS = sorted(
    {words.split("{")[0].strip() for k in _REFUSAL_KEYS for words in TEXTS[k]} - {""}, key=len
)


def no_refusal(driver: Any, page: str) -> None:
    from selenium.webdriver.common.by import By

    body = driver.find_element(By.TAG_NAME, "body").text
    said = [words for words in REFUSALS if words in body]
    assert not said, f"{page} says {said}"
    assert not driver.find_elements(By.CSS_SELECTOR, ".q-notification.bg-negative"), page


def snap(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"demo-{name}.png"
    painted(driver)
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, path
    return path


# True once the page's fonts are in, its pictures loaded and faded in (a print preview is
# drawn empty, then loads, then fades in) and nothing is on its way in or out.
_SETTLED = """
return document.fonts.status === 'loaded'
  && [...document.images].every(i => i.complete)
  && [...document.querySelectorAll('.q-img')].every(q => {
       const i = q.querySelector('.q-img__image--loaded');
       return i !== null && getComputedStyle(i).opacity === '1';
     })
  && !document.querySelector('[class*="-enter-active"], [class*="-leave-active"]')
"""


# True once the charts look as they did at the last look: their bars have grown.
_STILL = """
const drawn = [...document.querySelectorAll('canvas')].map(c => c.toDataURL()).join();
const still = window.pitboardDrawn === drawn;
window.pitboardDrawn = drawn;
return still;
"""


def painted(driver: Any) -> None:
    """Once the page is settled, its charts still, and what it drew is on the screen (two
    frames on)."""
    wait_until(
        lambda: driver.execute_script(_SETTLED) and driver.execute_script(_STILL),
        "the page settled",
        every=0.1,
    )
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done()))"
    )


def screen(driver: Any, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def sign_in(driver: Any, demo: Demo, user: str, page: str) -> None:
    """Through the sign-in form as ``user`` (password ``pitboard``), on to ``page``."""
    from selenium.webdriver.common.by import By

    driver.get(f"{demo.url}/login?next={page}")  # signing in as another ends the session
    wait_until(lambda: "/login" in driver.current_url, f"sign-in form for {page}")
    wait_until(lambda: len(driver.find_elements(By.TAG_NAME, "input")) >= 2, "login form")
    name, password = driver.find_elements(By.TAG_NAME, "input")[:2]
    name.send_keys(user)
    password.send_keys("pitboard")
    driver.find_element(By.TAG_NAME, "button").click()
    wait_until(lambda: "/login" not in driver.current_url, f"{user} signed in to {page}")


def texts_of(driver: Any, css: str) -> list[str]:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]
    except StaleElementReferenceException:  # redrawn while read: read again
        return []


def minutes(hm: tuple[str, ...]) -> int:
    return int(hm[0]) * 60 + int(hm[1])


def test_every_page_after_a_demo_day_looks_like_a_real_day(demo: Demo, browser: Any) -> None:
    # The demo first: its day runs on while Chromium starts.
    from selenium.webdriver.common.by import By

    start = demo.site_now()
    at = start.replace(hour=PAGES_FROM[0], minute=PAGES_FROM[1], second=0, microsecond=0)
    screen(browser, 1920, 1080)
    # In the morning the foreman pairs a tablet with every work bay, from the dispatch board.
    tablets = pair_every_bay(browser, demo)
    time.sleep(max(0.0, (at - demo.site_now()).total_seconds() / SPEED))

    # The foreman's dispatch board: today's Gantt, bars of real work.
    sign_in(browser, demo, "F001", "/dispatch")

    def widths() -> list[float]:
        return [
            float(w)
            for w in browser.execute_script(
                "return [...document.querySelectorAll('.gantt-bar')]"
                ".map(b => b.getBoundingClientRect().width)"
            )
        ]

    wait_until(lambda: len([w for w in widths() if w > 40]) >= 6, "six bars of real width")
    snap(browser, "dispatch")
    no_refusal(browser, "/dispatch")
    # Every clock paused for lunch runs again in the afternoon: none left as the noon
    # shift end paused it.
    pauses = browser.execute_script(
        "return [...document.querySelectorAll('.bar-pause')].map(b => b.textContent)"
    )
    assert not [p for p in pauses if any(w in p for w in TEXTS["pause.shift_end"])], pauses

    # The customers' lounge: cars in the workshop, each with its promised time.
    browser.get(demo.url + "/lounge")
    wait_until(lambda: [r for r in texts_of(browser, ".lounge-row") if r], "cars on the lounge")
    snap(browser, "lounge")
    rows = [r for r in texts_of(browser, ".lounge-row") if r and "\n" in r]
    assert len(rows) >= 2, rows
    assert all(re.search(HM, r) for r in rows), rows
    no_refusal(browser, "/lounge")

    # A bay where someone works now, on its tablet: the car with the most work left, so it
    # is still there when the kiosk opens.
    bay = busiest_bay(demo.api("/api/v1/repair-orders"))
    screen(browser, *TABLET)
    browser.delete_cookie(KIOSK_COOKIE)
    browser.add_cookie({"name": KIOSK_COOKIE, "value": tablets[bay], "path": "/"})
    browser.get(f"{demo.url}/kiosk/{bay}")
    wait_until(lambda: bay in body_text(browser), "the kiosk drawn")
    # The job at the bay on its card (the next car's, if that one went to the checks).
    wait_until(lambda: texts_of(browser, ".text-4xl.font-mono"), f"a job's clock on {bay}")
    snap(browser, f"kiosk-{bay.lower()}")
    no_refusal(browser, f"/kiosk/{bay}")
    assert steps_below_the_fold(browser) == [], f"/kiosk/{bay}: its buttons on the first screen"
    screen(browser, 1920, 1080)

    # An order worked today, as the QC inspector reads it: stretches of minutes of work.
    cars = demo.api("/api/v1/repair-orders")
    ro = worked_order(demo, cars)
    sign_in(browser, demo, "QC01", f"/orders/{ro}")
    wait_until(
        lambda: any("–" in t for t in texts_of(browser, ".font-mono")), f"{ro}'s clock record"
    )
    browser.execute_script(  # the clock record, below the order's timeline
        "[...document.querySelectorAll('.font-mono')].pop().scrollIntoView({block: 'end'})"
    )
    snap(browser, "order")
    stretches = [re.search(f"{HM}–{HM}", t) for t in texts_of(browser, ".font-mono") if "–" in t]
    closed = [(m.group(1, 2), m.group(3, 4)) for m in stretches if m]
    assert closed, f"no finished stretch of work on {ro}"
    # Minutes of site time, not a sliver: a stretch under a minute (a pause ended at once)
    # reads 12:04–12:04 and may happen, but most stretches last.
    assert all(minutes(b) >= minutes(a) for a, b in closed), closed
    assert sum(minutes(b) > minutes(a) for a, b in closed) > len(closed) / 2, closed
    no_refusal(browser, f"/orders/{ro}")

    # The customer's page, from the pickup card printed at check-in.
    # The orders still open now: at 600× the cars listed before the order's page have had
    # hours of site time to be delivered since.
    still_open = {c["ro"] for c in demo.api("/api/v1/repair-orders")}
    token = status_token(demo, still_open)
    browser.get(f"{demo.url}/status/{token}")
    wait_until(lambda: texts_of(browser, ".text-4xl.font-mono"), "the customer's car")
    snap(browser, "status")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert re.search(HM, body), body
    no_refusal(browser, "/status")

    # The reception desk, as the service advisor.
    sign_in(browser, demo, "SA01", "/desk")
    wait_until(lambda: re.search(r"RO-\d{8}-\d{4}", body_text(browser)), "orders on the desk")
    snap(browser, "desk")
    no_refusal(browser, "/desk")

    # The manager: today's reports, the sign-ins page and the start page.
    sign_in(browser, demo, "M001", "/reports")
    rows = wait_until(lambda: efficiency_rows(browser), "the efficiency table")
    snap(browser, "reports")
    assert sum(w for _, w, _ in rows) > 0, rows  # hours worked today
    no_refusal(browser, "/reports")
    # Efficiency over a whole week of the demo's history: a day's (or a week just begun's,
    # on a Monday), taken while long jobs still run, counts their hours worked but not yet
    # their standard hours.
    last_week = (demo.site_now() - timedelta(days=7)).date().isoformat()
    browser.get(demo.url + f"/reports?kind=week&day={last_week}")
    rows = wait_until(lambda: efficiency_rows(browser), "the week's efficiency table")
    for tech, worked_h, eff in rows:
        if worked_h >= 1.0:
            assert eff is not None and 30 <= eff <= 300, (tech, worked_h, eff)
    no_refusal(browser, "/reports")

    browser.get(demo.url + "/access")
    wait_until(lambda: "M001" in body_text(browser), "the manager's own sign-in listed")
    snap(browser, "access")
    no_refusal(browser, "/access")

    browser.get(demo.url + "/")
    wait_until(
        lambda: "/access" in browser.page_source and "/kiosk/" in browser.page_source, "menu"
    )
    snap(browser, "start")
    no_refusal(browser, "/")

    # The day's taps, as the core answered them: none refused but for the reason below.
    assert set(refused(demo)) <= EXPECTED_REFUSALS, refused(demo)


# The kiosks number on from their history's last tap (never a number taken). A key reader
# tells a key gone 1.5 real seconds after it left its hook, a quarter of an hour at 600×:
# the customer drives off before the core hears the key went with them.
EXPECTED_REFUSALS = {"unknown_key"}


def refused(demo: Demo) -> dict[str, float]:
    """The core's refusals of device events so far, by code (from /metrics)."""
    counts: dict[str, float] = {}
    for labels, n in re.findall(
        r"^pitboard_events_total\{(.*)\} (\S+)$", demo.get("/metrics"), re.M
    ):
        fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        if fields.get("result") == "rejected":
            counts[fields.get("code", "")] = float(n)
    return counts


def body_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.TAG_NAME, "body").text)


def busiest_bay(cars: list[dict[str, Any]]) -> str:
    """The bay likeliest to still have a car when its kiosk opens a few site minutes on:
    that of the car being worked on with the most work left, if it has half an hour or
    more; else of the car at a bay (paused, or not yet started too) with the most left."""
    at_bays = [c for c in cars if c["bay"] and c["status"] in AT_THE_BAY]
    if not at_bays:
        return "B01"

    def left(c: dict[str, Any]) -> float:  # seconds of standard work still to do
        return float(c["standard_hours"] * 3600 - c["worked_seconds"])

    car = max(at_bays, key=lambda c: (bool(c["working_techs"]) and left(c) >= 1800, left(c)))
    return str(car["bay"])


def worked_order(demo: Demo, cars: list[dict[str, Any]]) -> str:
    """An order of today whose bay work is done, so that its stretches of work have ended:
    one in the checks, the wash or waiting for pickup; else the last one delivered; else
    the one worked on longest (paused for lunch at least, if it began in the morning)."""
    done = [c for c in cars if c["status"] in BAY_WORK_DONE and c["worked_seconds"] > 0]
    if done:
        return str(max(done, key=lambda c: c["worked_seconds"])["ro"])
    today = max(c["ro"] for c in cars).rsplit("-", 1)  # RO-<day>-<number>, numbered up
    open_ros = {c["ro"] for c in cars}
    for n in range(int(today[1]) - 1, 0, -1):
        ro = f"{today[0]}-{n:04d}"
        if ro not in open_ros and demo.api(f"/api/v1/repair-orders/{ro}")["worked_seconds"]:
            return ro
    return str(max(cars, key=lambda c: c["worked_seconds"])["ro"])


def pair_every_bay(driver: Any, demo: Demo) -> dict[str, str]:
    """The foreman pairs a screen with every work bay, one after another, each code typed
    at the screen (by its address): the kiosk cookie each is left with, by bay. One browser
    stands in for every bay's tablet: the kiosk photographed gets its tablet's cookie."""
    sign_in(driver, demo, "F001", "/dispatch")
    tablets = {}
    for bay in WORK_BAYS:
        code = pair_a_screen(driver, bay)
        driver.get(f"{demo.url}/pair/{code}")
        wait_until(
            lambda bay=bay: f"/kiosk/{bay}" in driver.current_url,
            lambda bay=bay, code=code: (
                f"the {bay} kiosk after code {code}: {driver.current_url} {body_text(driver)}"
            ),
        )
        tablets[bay] = driver.get_cookie(KIOSK_COOKIE)["value"]
        driver.get(f"{demo.url}/dispatch")
    return tablets


def pair_a_screen(driver: Any, bay: str) -> str:
    """On the dispatch board's screens panel: pick the bay, ask for a code; the code.

    Each click is given to its element, not to a point on the screen: the panels above this
    one grow and shrink as the day goes on, the open list of bays moves with its field, and
    a click's point, taken a moment before it lands, may by then be on the neighbouring
    bay."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    panels = " or ".join(f"normalize-space(.)='{w}'" for w in TEXTS["pairing.panel"])
    fields = (  # the screens panel's own: the bay queue's picker has the same label
        f"//div[contains(@class,'q-card')][./div[{panels}]]"
        "//input[contains(@class,'q-select__focus-target')]"
    )

    def picker() -> Any:  # the list's own field, the one that takes the keys
        for field in driver.find_elements(By.XPATH, fields):
            if field.get_attribute("aria-label") in TEXTS["pairing.for_bay"]:
                return field
        return None

    field = wait_until(picker, "the screens panel's bay picker")
    select = field.find_element(By.XPATH, "./ancestor::label")
    driver.execute_script("arguments[0].click()", select)  # the list opens

    def option() -> Any:  # the bay's line in the open list
        for item in driver.find_elements(By.CSS_SELECTOR, ".q-menu .q-item"):
            if item.text.startswith(f"{bay} "):
                return item
        field.send_keys(Keys.DOWN)  # a long list shows its lines as they are reached
        return None

    # Clicked where it is, not where it was a moment ago: the panels above move.
    driver.execute_script("arguments[0].click()", wait_until(option, f"{bay} in the list"))
    wait_until(lambda: f"\n{bay} " in select.text, lambda: f"{bay} picked: {select.text!r}")
    labels = " or ".join(f"normalize-space(.)='{w}'" for w in TEXTS["pairing.new"])
    button = driver.find_element(By.XPATH, f"//button[.//span[{labels}]]")
    driver.execute_script("arguments[0].click()", button)
    said = [w.format(bay=bay, until="").split(",")[0] for w in TEXTS["pairing.code_for"]]
    said = [w.split("，")[0] for w in said]  # "Code for B03", "B03 的配对码"

    def code() -> str | None:  # the code shown, once it is the one for the bay
        from selenium.common.exceptions import StaleElementReferenceException

        try:
            for shown in driver.find_elements(By.CSS_SELECTOR, ".text-5xl.font-mono"):
                below = shown.find_element(By.XPATH, "..").text
                if re.fullmatch(r"\d{6}", shown.text) and any(w in below for w in said):
                    return str(shown.text)
        except StaleElementReferenceException:  # redrawn while read
            pass
        return None

    return str(wait_until(code, lambda: f"a code for {bay}: {body_text(driver)}"))


def status_token(demo: Demo, open_ros: set[str]) -> str:
    """The token on the pickup card of a car still in the workshop (its print): the newest,
    which the pages taken since are least likely to have seen delivered."""
    for card in sorted((demo.data / "prints").rglob("*.pickup_card.*.bin"), reverse=True):
        ro = card.name.split(".")[0]
        found = re.search(rb"/status/([A-Za-z0-9_-]+)", card.read_bytes())
        if ro in open_ros and found:
            return found.group(1).decode()
    raise AssertionError(f"no pickup card of an open order in {demo.data / 'prints'}")


def efficiency_rows(driver: Any) -> list[tuple[str, float, float | None]]:
    """(technician, worked hours, efficiency %) of each row of the reports' table."""
    # The efficiency table alone: the page's other tables (the job types) have figures and
    # percentages in the same columns.
    table = driver.execute_script(
        "const names = arguments[0];"
        "return [...document.querySelectorAll('.q-table')]"
        ".filter(t => { const h = t.querySelector('thead th');"
        " return h && names.some(n => h.innerText.includes(n)); })"
        ".flatMap(t => [...t.querySelectorAll('tbody tr')])"
        ".map(r => [...r.querySelectorAll('td')].map(c => c.innerText.trim()))",
        list(TEXTS["reports.technician"]),
    )
    rows = []
    for cells in table:
        if len(cells) < 4:
            continue
        try:
            worked = float(cells[2])
        except ValueError:
            continue
        eff = re.search(r"(\d+(?:\.\d+)?)\s*%", cells[3])
        rows.append((cells[0], worked, float(eff[1]) if eff else None))
    return rows
