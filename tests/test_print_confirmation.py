"""Printed means the printer confirmed it: a port-9100 printer we write here misbehaves in
every way a real one does (takes the connection and never reads, reads and never answers,
takes the ticket and never confirms it, is out of paper, runs out mid-ticket, hangs up
mid-ticket); each attempt is a ``print.failed`` with its reason, retried until a printer
that answers prints it exactly once, marked as a reprint when the failed attempt may have
put it on paper. One-way printers are configured as such and are at-least-once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.config import ConfigError, SiteConfig, parse_config
from core.contract.messages import Command, dump
from core.contract.printing import KeyTag, PrintJob
from core.mqtt import BrokerAddress
from devices.bridge import Bridge
from devices.escpos_read import Paper, decode
from devices.outbox import Outbox
from devices.spool import Spool
from tests.fake_printer import FakeNetworkPrinter
from tests.fake_reader import TAG
from tests.helpers import DEMO_SITE, child_env
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
PITBOARD_DEVICES = [sys.executable, "-m", "pitboard", "devices"]
REPRINT = "重印 / REPRINT"
JOB = PrintJob(
    print_id="RO-1.key_tag.a1",
    printer="printer-desk",
    doc=KeyTag(
        ro="RO-1", plate="京A12345", promised_at=datetime.now(UTC), tag=TAG, cabinet="KC1", slot=7
    ),
)
SAID = {"printer": "printer-desk", "print_id": JOB.print_id, "document": "key_tag"}


def site_text(tmp_path: Path, url: str, settings: str = "timeout_seconds = 0.5") -> str:
    return (
        DEMO_SITE.read_text(encoding="utf-8")
        .replace('data_dir = "var"', f'data_dir = "{tmp_path / "var"}"')
        .replace('url = "virtual://desk"', f'url = "{url}"\n{settings}')
    )


def site(tmp_path: Path, url: str, settings: str = "timeout_seconds = 0.5") -> SiteConfig:
    return parse_config(site_text(tmp_path, url, settings))


class SteppedClock:
    """The print worker's clock: stands still unless the test moves it past a back-off."""

    def __init__(self) -> None:
        self.now = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def start_bridge(tmp_path: Path, cfg: SiteConfig, clock: SteppedClock) -> Bridge:
    # No broker on port 1: what the bridge would tell the core stays in its outbox.
    nowhere = BrokerAddress("127.0.0.1", 1)
    return Bridge(cfg, nowhere, None, tmp_path / "bridge", clock=clock).start()


def told(outbox: Outbox) -> list[tuple[str, dict[str, Any]]]:
    """The print results the bridge has for the core, in order."""
    return [(p.type, json.loads(p.payload)["data"]) for p in outbox.pending()]


def ordered(bridge: Bridge) -> None:
    """The core's print command arriving on dev/printer-desk/cmd."""
    cmd = Command(id=JOB.print_id, type="print", ts=datetime.now(UTC), data=JOB.model_dump())
    bridge._command(dump(cmd))


def the_print(printer: FakeNetworkPrinter) -> Paper:
    [paper] = [decode(b) for b in printer.received()]
    assert "KC1 #7" in paper.text and paper.barcodes == [TAG] and paper.cuts == 1
    return paper


def test_a_printer_that_answers_prints_once_and_the_print_is_done_at_the_first_attempt(
    tmp_path: Path,
) -> None:
    printer = FakeNetworkPrinter("good")
    cfg = site(tmp_path, f"tcp://127.0.0.1:{printer.port}")
    bridge = start_bridge(tmp_path, cfg, SteppedClock())
    try:
        ordered(bridge)
        wait_until(lambda: told(bridge.link.outbox), "a result")
        assert told(bridge.link.outbox) == [("print.done", {**SAID, "reason": "", "attempts": 1})]
        assert REPRINT not in the_print(printer).text
        ordered(bridge)  # the core sends it again (it had not heard back): nothing new
        assert bridge.spool.waiting() == 0
    finally:
        bridge.stop()
        printer.close()
    assert len(printer.received()) == 1


@pytest.mark.parametrize(
    ("mode", "reason", "maybe_on_paper"),
    [
        ("deaf", "timeout", False),
        ("mute", "timeout", False),
        ("unconfirming", "timeout", True),
        ("paper_out", "paper_out", False),
        ("runs_out", "paper_out", True),
        ("hangs_up", "offline", True),
    ],
)
def test_a_print_the_printer_did_not_confirm_fails_and_is_retried_until_printed_once(
    tmp_path: Path, mode: str, reason: str, maybe_on_paper: bool
) -> None:
    printer = FakeNetworkPrinter(mode)
    clock = SteppedClock()
    bridge = start_bridge(tmp_path, site(tmp_path, f"tcp://127.0.0.1:{printer.port}"), clock)
    try:
        ordered(bridge)
        wait_until(lambda: told(bridge.link.outbox), "the first attempt's result")
        assert told(bridge.link.outbox) == [
            ("print.failed", {**SAID, "reason": reason, "attempts": 1})
        ], "never done without the printer's word"
        assert printer.received() == []

        printer.mode = "good"  # paper in, the printer mended
        clock.advance(120)  # past the back-off
        bridge.worker.wake()
        wait_until(lambda: len(told(bridge.link.outbox)) > 1, "the retry's result")
        assert told(bridge.link.outbox)[1:] == [
            ("print.done", {**SAID, "reason": "", "attempts": 2})
        ]
        paper = the_print(printer)
        # The failed attempt may have printed it: this one says so at the top.
        assert (paper.text[0] == REPRINT) is maybe_on_paper
        assert paper.text.count(REPRINT) == int(maybe_on_paper)
        ordered(bridge)
        assert bridge.spool.waiting() == 0
    finally:
        bridge.stop()
        printer.close()
    assert len(printer.received()) == 1


def test_a_bridge_killed_while_the_printer_had_the_ticket_prints_it_again_as_a_reprint(
    tmp_path: Path,
) -> None:
    printer = FakeNetworkPrinter("unconfirming")
    text = site_text(tmp_path, f"tcp://127.0.0.1:{printer.port}", "timeout_seconds = 60")
    config = tmp_path / "site.toml"
    config.write_text(text, encoding="utf-8")
    state = tmp_path / "var" / "bridge"
    spool = Spool(state / "spool.sqlite")  # a print command the bridge had already taken
    assert spool.add(JOB)
    spool.close()
    log = tmp_path / "bridge.log"

    def bridge() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*PITBOARD_DEVICES, "--config", str(config), "--broker-url", "mqtt://127.0.0.1:1"],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=open(log, "a"),
        )

    first = bridge()
    try:
        wait_until(lambda: printer.asked, "the ticket sent, its confirmation awaited", timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)  # power cut
        first.wait(10)
    assert printer.received() == []

    printer.mode = "good"
    second = bridge()
    try:
        wait_until(lambda: printer.received(), "printed after the restart: " + log.read_text())
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
    assert the_print(printer).text[0] == REPRINT
    outbox = Outbox(state / "bridge-1.outbox.sqlite", "bridge-1")
    assert told(outbox) == [("print.done", {**SAID, "reason": "", "attempts": 2})]
    outbox.close()
    printer.close()


def test_a_one_way_printer_must_be_configured_as_such_and_its_prints_are_unconfirmed(
    tmp_path: Path,
) -> None:
    lp0 = tmp_path / "lp0"
    for url in (f"file://{lp0}", "usb://04b8:0202"):
        with pytest.raises(ConfigError, match="confirms = false"):
            site(tmp_path, url, "")
        with pytest.raises(ConfigError, match="confirms = false"):
            site(tmp_path, url, "confirms = true")
    assert not site(tmp_path, "tcp://10.0.0.9:9100", "confirms = false").printers[0].confirms
    assert site(tmp_path, "tcp://10.0.0.9:9100", "").printers[0].confirms

    cfg = site(tmp_path, f"file://{lp0}", "confirms = false")
    bridge = start_bridge(tmp_path, cfg, SteppedClock())
    try:
        ordered(bridge)
        wait_until(lambda: told(bridge.link.outbox), "a result")
        # Done as far as the bridge can tell, and said to be no more than that.
        assert told(bridge.link.outbox) == [
            ("print.done", {**SAID, "reason": "unconfirmed", "attempts": 1})
        ]
    finally:
        bridge.stop()
    assert decode(lp0.read_bytes()).barcodes == [TAG]
