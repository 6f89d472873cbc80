"""The kiosk PCs' and lounge TVs' browser (deploy/kiosk-browser): systemd accepts its user
unit; the watchdog starts Chromium in kiosk mode only once the page answers, starts it
again when it dies, and reloads the page (a new browser) when the server was away long
enough for the page to be stuck on an error page — but not after a short blip."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.broker import free_port
from tests.helpers import need
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "deploy" / "kiosk-browser"
INSTALLED = "/usr/local/bin/pitboard-browser"


def test_systemd_accepts_the_browser_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        need("systemd-analyze", "systemd is not installed")
    assert analyze is not None
    text = (KIT / "pitboard-browser.service").read_text(encoding="utf-8")
    assert "Restart=always" in text
    unit = tmp_path / "pitboard-browser.service"
    unit.write_text(text.replace(INSTALLED, str(KIT / "pitboard-browser")), encoding="utf-8")
    out = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    assert (out.returncode, out.stdout + out.stderr) == (0, "")
    assert f"Exec={INSTALLED}" in (KIT / "pitboard-browser.desktop").read_text(encoding="utf-8")


class Page:
    """A page server that can go away and come back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: http.server.ThreadingHTTPServer | None = None

    def up(self) -> None:
        class Quiet(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def page() -> Iterator[Page]:
    p = Page()
    yield p
    p.down()


def test_the_watchdog_keeps_chromium_on_a_live_page(page: Page, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        need("curl", "the watchdog polls the page with curl")
    starts = tmp_path / "starts"
    fake = tmp_path / "chromium"
    fake.write_text(f'#!/bin/sh\necho "$$ $*" >> {starts}\nexec sleep 600\n', encoding="utf-8")
    fake.chmod(0o755)
    url = f"http://127.0.0.1:{page.port}/"
    env = dict(
        os.environ,
        PITBOARD_BROWSER=str(fake),
        PITBOARD_BROWSER_URL=url,
        CHECK_SECONDS="0.2",
        STALE_SECONDS="2",
        RESTART_SECONDS="0.1",
        HOME=str(tmp_path),
    )
    watchdog = subprocess.Popen(
        [str(KIT / "pitboard-browser")], env=env, stderr=subprocess.PIPE, text=True
    )

    def started() -> list[str]:
        return starts.read_text(encoding="utf-8").splitlines() if starts.exists() else []

    try:
        wait_until(lambda: watchdog.poll() is None, "the watchdog running", timeout=2)
        assert not started(), "no browser before the page answers"
        page.up()
        wait_until(lambda: len(started()) == 1, "the browser started", timeout=10)
        pid, *args = started()[0].split()
        assert "--kiosk" in args and args[-1] == url

        os.kill(int(pid), signal.SIGKILL)  # Chromium crashed
        wait_until(lambda: len(started()) == 2, "the browser started again", timeout=10)

        page.down()  # a blip shorter than STALE_SECONDS: the page reconnects by itself
        threading.Event().wait(0.8)
        page.up()
        threading.Event().wait(1.5)
        assert len(started()) == 2

        page.down()  # long enough for an error page: reloaded once the server is back
        threading.Event().wait(3)
        assert len(started()) == 2
        page.up()
        wait_until(lambda: len(started()) == 3, "the page reloaded", timeout=10)
        previous = int(started()[1].split()[0])
        wait_until(lambda: not _alive(previous), "the stale browser gone", timeout=5)
    finally:
        watchdog.terminate()
        watchdog.wait(10)
        for line in started():
            pid_ = int(line.split()[0])
            if _alive(pid_):
                os.kill(pid_, signal.SIGKILL)
    assert watchdog.returncode == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child not yet reaped by the watchdog is gone all the same.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")
