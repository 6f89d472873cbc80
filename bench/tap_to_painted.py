"""Tap → painted: from a kiosk's publish to the change in the DOM of ``/lounge`` and
``/dispatch`` in headless Chromium, with 20 board tabs open (10 of each), at a steady rate.

    python3 tasks.py bench tap_to_painted [--rate 100] [--events 300] [--tabs 20]
                                          [--pages mixed|lounge|dispatch] [--apart]
                                          [--help-every 5]

Five bays, a technician at each working through a queue of cars (start, pause, resume,
pause, resume, self-check). Every tap changes its bay's row on the dispatch board; start
and self-check also change the car's stage on the lounge. Each tab records, with a
MutationObserver, when a bay's head or a car's stage changed; the time is the browser's
(``performance.timeOrigin + performance.now()``), the send time the benchmark's wall
clock, on the same machine. Among the taps, every ``--help-every``-th is a help call (安灯)
from a bay, or the close of its call before (0: none): on the dispatch tabs, the time the
call's row appears in (or leaves) the help panel, the panel the callee's page (/help) shows
too. Target: p50 ≤ 30 ms, p99 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from bench.common import (
    BAYS,
    TECHS,
    BayKiosks,
    core_figures,
    demo_config,
    machine,
    percentile,
    queued_cars,
    start_broker,
    start_core_process,
    stop_process,
    wait_for_http,
    workdir,
)
from bench.tap_to_view import HelpTap, help_taps
from core.broker import free_port
from core.domain.privacy import mask_plate
from core.store.database import sqlite_url

STEPS = [
    "job.started",
    "job.paused",
    "job.resumed",
    "job.paused",
    "job.resumed",
    "job.self_checked",
]
LOUNGE_STAGE = {"job.started": "维修中", "job.self_checked": "质检中"}

OBSERVER = """
window.__log = []; window.__seen = {};
const snap = () => {
  const t = performance.timeOrigin + performance.now();
  document.querySelectorAll('.lounge-row').forEach(r => {
    const p = r.querySelector('.lounge-plate'), s = r.querySelector('.lounge-stage');
    if (!p || !s || !p.textContent) return;
    const key = 'L' + p.textContent;
    if (window.__seen[key] !== s.textContent) {
      window.__seen[key] = s.textContent; window.__log.push([t, 'L', p.textContent, s.textContent]);
    }
  });
  const calls = new Set();
  document.querySelectorAll('[data-help-timer]').forEach(e => calls.add(e.dataset.helpTimer));
  calls.forEach(c => {
    if (window.__seen['H' + c]) return;
    window.__seen['H' + c] = 1; window.__log.push([t, 'H', c, 'in']);
  });
  Object.keys(window.__seen).filter(k => k[0] === 'H' && window.__seen[k] && !calls.has(k.slice(1)))
    .forEach(k => { window.__seen[k] = 0; window.__log.push([t, 'H', k.slice(1), 'out']); });
  document.querySelectorAll('.gantt-head').forEach(h => {
    const text = h.textContent, bay = text.split(' ')[0];
    if (window.__seen['D' + bay] !== text) {
      window.__seen['D' + bay] = text; window.__log.push([t, 'D', bay, text]);
    }
  });
};
new MutationObserver(snap).observe(
  document.body, {subtree: true, childList: true, characterData: true});
snap();
"""


def painted(step: str, plate: str, text: str) -> bool:
    """Does a bay's row on the dispatch board show what this tap made of it?"""
    if step in ("job.started", "job.resumed"):
        return f"▶ {plate}" in text
    if step == "job.paused":
        return "▶" not in text and "‖" in text
    return "▶" not in text and "‖" not in text  # self-checked: the bay is free


def staged(step: str, text: str) -> bool:
    """Does a car's line on the lounge show the stage this tap moved it to?"""
    return text.startswith(LOUNGE_STAGE[step])


def first_change(
    log: list[list[Any]], tag: str, key: str, since: float, shows: Callable[[str], bool]
) -> float | None:
    """When a tab first showed what a tap made of a bay's row ("D") or a car's line ("L")."""
    return next(
        (e[0] for e in log if e[1] == tag and e[2] == key and e[0] >= since and shows(e[3])),
        None,
    )


def help_painted(
    log: list[list[Any]], helped: list[tuple[float, str, HelpTap]], into: list[float]
) -> int:
    """When a dispatch tab's help panel first showed each call (or no longer showed a
    closed one); the number never seen."""
    missed = 0
    for t_sent, _bay, (ident, _kind, called) in helped:
        want = "in" if called else "out"
        hit = first_change(log, "H", ident, t_sent, want.__eq__)
        if hit is None:
            missed += 1
        else:
            into.append(hit - t_sent)
    return missed


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        raise SystemExit("needs Debian's chromium and chromium-driver")
    opts = Options()
    opts.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1920,1080",
        # Every tab stands for a screen of its own, in the foreground.
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
    ):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=opts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100.0, help="taps per second")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--tabs", type=int, default=20)
    parser.add_argument(
        "--pages",
        choices=["mixed", "lounge", "dispatch"],
        default="mixed",
        help="which boards the tabs show (mixed: half and half)",
    )
    parser.add_argument(
        "--help-every", type=int, default=5, help="every n-th tap a help call or close (0: none)"
    )
    parser.add_argument(
        "--apart",
        action="store_true",
        help="serve the boards from a process of their own that follows the views over MQTT",
    )
    args = parser.parse_args()

    cfg = demo_config()
    base = workdir()
    db_url = sqlite_url(base)
    per_bay = args.events // (len(BAYS) * len(STEPS)) + 1
    queues = queued_cars(cfg, db_url, BAYS, per_bay)
    cars = per_bay * len(BAYS)

    broker = start_broker(cfg, base / "broker")
    web_port = free_port()
    proc = start_core_process(broker, db_url, base, web_port)
    boards = None
    url = f"http://127.0.0.1:{web_port}"
    if args.apart:
        import subprocess
        import sys

        boards_port = free_port()
        boards = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.boards_apart",
                str(broker.port),
                broker.passwords.get("core", ""),
                str(boards_port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(base / "boards.log", "wb"),  # noqa: SIM115 - the child's
        )
    driver = browser()
    try:
        from selenium.webdriver.common.by import By

        wait_for_http(url + "/healthz")
        if boards is not None:
            url = f"http://127.0.0.1:{boards_port}"
            wait_for_http(url + "/lounge")
        driver.get(url + "/login?next=/dispatch")
        deadline = time.monotonic() + 30
        while len(driver.find_elements(By.TAG_NAME, "input")) < 2:
            assert time.monotonic() < deadline, "no sign-in form"
            time.sleep(0.1)
        user, password = driver.find_elements(By.TAG_NAME, "input")[:2]
        user.send_keys("F001")
        password.send_keys("pitboard")
        driver.find_element(By.TAG_NAME, "button").click()
        time.sleep(1.0)
        lounge = ("lounge", f"/lounge?rows={cars}")
        pages = [
            ("dispatch", "/dispatch")
            if args.pages == "dispatch" or (args.pages == "mixed" and i % 2 == 0)
            else lounge
            for i in range(args.tabs)
        ]
        handles: list[tuple[str, str]] = []
        for i, (kind, path) in enumerate(pages):
            if i:
                driver.switch_to.new_window("tab")
            driver.get(url + path)
            handles.append((kind, driver.current_window_handle))
        for kind, handle in handles:
            driver.switch_to.window(handle)
            wanted = ".gantt-head" if kind == "dispatch" else ".lounge-plate"
            deadline = time.monotonic() + 30
            while not driver.find_elements(By.CSS_SELECTOR, wanted):
                assert time.monotonic() < deadline, f"{kind} tab did not load"
                time.sleep(0.1)
            driver.execute_script(OBSERVER)

        kiosks = BayKiosks(broker, BAYS)
        send = kiosks.send

        for bay, tech in zip(BAYS, TECHS, strict=True):
            send(bay, "tech.signed_in", None, tech, {})
        time.sleep(1.5)

        plan = [
            (bay, tech, queues[bay][j], step)
            for j in range(per_bay)
            for step in STEPS
            for bay, tech in zip(BAYS, TECHS, strict=True)
        ][: args.events]
        sent: list[tuple[float, str, str, str, str]] = []
        helped: list[tuple[float, str, HelpTap]] = []
        helps = help_taps(datetime.now(cfg.zone).strftime("%Y%m%d"))  # the site's day
        techs = dict(zip(BAYS, TECHS, strict=True))
        work = iter(plan)
        start = time.perf_counter()
        for i in itertools.count():
            target = start + i / args.rate
            while time.perf_counter() < target:
                time.sleep(min(0.001, max(0.0, target - time.perf_counter())))
            if args.help_every and i % args.help_every == args.help_every - 1:
                hbay, tap = next(helps)
                data = {"kind": tap[1]} if tap[2] else {"call": tap[0], "outcome": "done"}
                helped.append((time.time() * 1000, hbay, tap))
                send(hbay, "help.called" if tap[2] else "help.closed", None, techs[hbay], data)
                continue
            item = next(work, None)
            if item is None:
                break
            bay, tech, (ro, plate), step = item
            data = {"reason": "break"} if step == "job.paused" else {}
            sent.append((time.time() * 1000, bay, plate, mask_plate(plate), step))
            send(bay, step, ro, tech, data)
        time.sleep(3.0)
        kiosks.close()

        dispatch_ms: list[float] = []
        lounge_ms: list[float] = []
        help_ms: list[float] = []
        per_step: dict[tuple[str, str], list[float]] = {}
        missed = 0
        for kind, handle in handles:
            driver.switch_to.window(handle)
            log = driver.execute_script("return window.__log")
            for t_sent, bay, plate, masked, step in sent:
                if kind == "dispatch":
                    hit = first_change(log, "D", bay, t_sent, partial(painted, step, plate))
                    into = dispatch_ms
                elif step in LOUNGE_STAGE:
                    hit = first_change(log, "L", masked, t_sent, partial(staged, step))
                    into = lounge_ms
                else:
                    continue
                if hit is None:
                    missed += 1
                else:
                    into.append(hit - t_sent)
                    per_step.setdefault((kind, step), []).append(hit - t_sent)
            if kind == "dispatch":
                missed += help_painted(log, helped, help_ms)
        figures = core_figures(web_port)
    finally:
        driver.quit()
        if boards is not None:
            stop_process(boards)
        stop_process(proc)
        broker.stop()

    def line(name: str, values: list[float]) -> str:
        if not values:
            return f"{name:28} no samples"
        return (
            f"{name:28} n={len(values)} p50={percentile(values, 50):.1f} ms "
            f"p99={percentile(values, 99):.1f} ms"
        )

    both = dispatch_ms + lounge_ms
    print(f"machine: {machine()}; broker: {broker.kind}; store: SQLite synchronous=FULL")
    where = "a process of their own" if args.apart else "the core"
    print(f"rate: {args.rate:.0f} taps/s, {len(sent)} taps, {args.tabs} tabs, {cars} cars")
    print(f"boards served by {where}")
    print(line("tap->painted /dispatch", dispatch_ms))
    print(line("tap->painted /lounge", lounge_ms))
    print(line("tap->painted both", both))
    if helped:
        print(f"help calls and closes among them: {len(helped)}")
        print(line("help tap->painted /dispatch", help_ms))
    for (kind, step), values in sorted(per_step.items()):
        print(line(f"  /{kind} after {step}", values))
    print(f"changes never seen: {missed}")
    print("targets: p50 <= 30 ms, p99 <= 100 ms")
    print(figures)


if __name__ == "__main__":
    main()
