"""The `mosquitto_pub` line `pitboard run` prints, pasted into bash as a person does: the
real Mosquitto clients, Mosquitto started from broker_config/ with the shipped ACL and a
running core. Applied every time it is pasted a second later, a repeat within the second
answered `duplicate`; on the real clock and on the demo's."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.broker import MosquittoBroker, free_port
from core.contract import site_clock
from core.contract.site_clock import SiteClock
from pitboard.app import Pitboard, Plan
from pitboard.welcome import welcome
from tests.helpers import demo_config
from tests.mqtt_client import Client
from tests.waiting import wait_until

pytestmark = pytest.mark.mosquitto

ROOT = Path(__file__).resolve().parents[1]
CONSOLE, BAY, TECH = "console-b03", "B03", "T004"


@pytest.fixture(params=["real", "demo"])
def site_time(request: pytest.FixtureRequest) -> Iterator[SiteClock]:
    """The site's clock: the real one (`pitboard run`), or a demo's (`run --demo`) whose
    day lies two days behind the real one, so a tap dated by the shell's own clock would
    be refused as from the future."""
    clock = site_clock.REAL
    if request.param == "demo":
        zone = ZoneInfo("Asia/Shanghai")
        day = datetime.now(zone).date() - timedelta(days=2)
        clock = SiteClock.demo(day, demo_config().site.opens_at, zone, 60)
    site_clock.install(clock)
    yield clock
    site_clock.install(site_clock.REAL)


@pytest.fixture
def site(
    mosquitto_bin: str, site_time: SiteClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Pitboard]:
    """The demo site's broker (Mosquitto, as `pitboard run` starts it) and core."""
    monkeypatch.setenv("NICEGUI_STORAGE_PATH", str(tmp_path / "sessions"))
    cfg = demo_config(data_dir=str(tmp_path))
    cfg = cfg.model_copy(
        update={"broker": cfg.broker.model_copy(update={"listen_port": free_port()})}
    )
    site = Pitboard(cfg, Plan(everything=True))
    try:
        site.init_broker()
        site.init_core()
        assert site.service.link.connected.wait(15), "the core did not connect"
        yield site
    finally:
        site.stop()


class Watch:
    """The printed `mosquitto_sub` line, running in bash: every line it prints."""

    def __init__(self, command: str) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            ["bash", "-c", command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, stopped with it
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def acks(self) -> list[dict[str, Any]]:
        import json

        found = [json.loads(line) for line in list(self.lines) if line.startswith("{")]
        return [a for a in found if "result" in a]  # not the probe

    def heard(self, answers: int) -> bool:
        return len(self.acks()) == answers

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(10)


def printed(text: str, command: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(command)]
    assert len(lines) == 1, text
    return lines[0]


def paste(command: str, shell_prelude: str = "") -> None:
    done = subprocess.run(
        ["bash", "-c", shell_prelude + command], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"


def frozen_clock(second: int) -> str:
    """The shell's `date` stopped at one second, as when a line is pasted twice within it
    (a date it is asked to write stays as asked)."""
    stopped = f'command date -d @{second} "$@"'
    return f'date() {{ case "$*" in *-d*) command date "$@";; *) {stopped};; esac; }}; '


def until_after(second: int) -> None:
    while int(time.time()) <= second:
        time.sleep(0.05)


def subscribed(site: Pitboard, watch: Watch) -> None:
    """Until the watch hears the ack topic: the core's user publishes a probe there until
    it comes out (an ack is not retained, so one sent before would be missed)."""
    assert isinstance(site.broker, MosquittoBroker)
    core = Client(site.broker, "core")
    topic = f"pitboard/demo/dev/{CONSOLE}/ack"
    try:
        wait_until(
            lambda: any(line == '{"probe":1}' for line in list(watch.lines)),
            lambda: f"the printed mosquitto_sub hearing {topic}: {watch.lines}",
            timeout=15,
            every=0.2,
            between=lambda: core.publish(topic, b'{"probe":1}'),
        )
    finally:
        core.close()


def signed_in_at(site: Pitboard) -> datetime | None:
    def read(ws: Any, _now: datetime) -> datetime | None:
        state = ws.tech_states.get(TECH)
        return state.signed_in_at if state is not None and state.bay == BAY else None

    return site.service.core.query(read)


def test_the_printed_tap_is_applied_every_time_it_is_pasted(
    site: Pitboard, site_time: SiteClock, mosquitto_clients: None
) -> None:
    assert isinstance(site.broker, MosquittoBroker), "pitboard run starts Mosquitto"
    shipped = (ROOT / "broker_config" / "acl.demo").read_text(encoding="utf-8")
    assert (site.broker.workdir / "acl").read_text(encoding="utf-8") == shipped
    text = welcome(site, "127.0.0.1", 8080)
    send = printed(text, "mosquitto_pub")
    watch = Watch(printed(text, "mosquitto_sub"))
    try:
        subscribed(site, watch)
        times: list[datetime | None] = []
        for n in (1, 2):  # pasted, then pasted again a second later
            paste(send)
            wait_until(partial(watch.heard, n), f"answer {n}: {watch.lines}")
            times.append(signed_in_at(site))
            until_after(watch.acks()[-1]["seq"])
        first, second = watch.acks()
        assert [first["result"], second["result"]] == ["applied", "applied"], watch.lines
        assert second["seq"] > first["seq"] >= int(time.time()) - 60
        assert times[0] is not None and times[1] is not None and times[1] > times[0]
        # Dated by the site's clock, also the demo's that runs 60× and days behind.
        assert abs(times[1] - site_clock.now()) < timedelta(minutes=5), (times, text)
        # Pasted twice within one second: the same message, a repeat.
        second_after = second["seq"] + 1
        paste(send + "; " + send, frozen_clock(second_after))
        wait_until(partial(watch.heard, 4), f"answers 3 and 4: {watch.lines}")
        assert [(a["seq"], a["result"]) for a in watch.acks()[2:]] == [
            (second_after, "applied"),
            (second_after, "duplicate"),
        ]
    finally:
        watch.stop()
    results = site.service.store.inbox_results(CONSOLE)
    assert [r for _, r, _ in results] == ["applied"] * 3
