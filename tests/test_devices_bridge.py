"""`pitboard devices` as its own process: a key-cabinet reader on a pseudo-terminal, the
bridge's MQTT link through a real Mosquitto, key custody in the core and on the board, and
the reader shown down on the board while it is unplugged."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.app import CoreService
from core.broker import MosquittoBroker
from core.commands import CheckInCar
from core.config import parse_config
from core.mqtt import BrokerAddress
from devices.keyframes import em4100_frame
from tests.fake_reader import TAG, FakeUsbReader
from tests.helpers import DEMO_SITE, child_env, order
from tests.waiting import wait_until

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def test_key_hung_in_slot_7_shows_on_the_dispatch_view(mosquitto_bin: str, tmp_path: Path) -> None:
    usb = FakeUsbReader(tmp_path / "ttyKC1-07")
    base = parse_config(DEMO_SITE.read_text(encoding="utf-8"))
    broker = MosquittoBroker(base, tmp_path / "broker").start()
    text = (
        DEMO_SITE.read_text(encoding="utf-8")
        .replace('data_dir = "var"', f'data_dir = "{tmp_path / "var"}"')
        .replace('username = "core"', f'url = "mqtt://127.0.0.1:{broker.port}"\nusername = "core"')
        .replace(
            "slots = 40",
            f'slots = 40\nreaders = [{{url = "{usb.path}", slot = 7, gap_seconds = 1.0}}]',
        )
    )
    site = tmp_path / "site.toml"
    site.write_text(text, encoding="utf-8")
    cfg = parse_config(text)
    service = CoreService(
        cfg,
        BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"]),
        f"sqlite:///{tmp_path / 'core.db'}",
    ).start()
    env = child_env(PITBOARD_DEVICE_PASSWORD=broker.passwords["bridge-1"])
    bridge = subprocess.Popen(
        [sys.executable, "-m", "pitboard", "devices", "--config", str(site)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "bridge.log", "w"),  # noqa: SIM115 - the child's
    )
    try:
        assert service.link.connected.wait(10)
        job = service.core.run_command(CheckInCar(order(key_tag=TAG)), "advisor:SA01")

        def card() -> object:
            view = service.core.dispatch_view
            return next((j for j in view.jobs if j.ro == job.ro), None) if view else None

        wait_until(
            lambda: card() is not None and card().key_state == "in_cabinet",  # type: ignore[attr-defined]
            lambda: (
                "the key in its slot; the bridge said:\n"
                + (tmp_path / "bridge.log").read_text()[-2000:]
            ),
            timeout=15,
            every=0.2,
            between=lambda: usb.send(em4100_frame(TAG)),  # the tag hangs on the slot's reader
        )
        shown = card()
        assert (shown.key_cabinet, shown.key_slot) == ("KC1", 7)  # type: ignore[attr-defined]
        # Taken off the hook: the frames stop, and after the gap custody says "out".
        wait_until(lambda: card().key_state == "out", timeout=15)  # type: ignore[attr-defined]
        devices = service.core.dispatch_view.devices  # type: ignore[union-attr]
        assert [(d.online, d.problem) for d in devices if d.device == "bridge-1"] == [(True, None)]

        def bridge_problem() -> str | None:
            view = service.core.dispatch_view
            assert view is not None
            return next(d.problem for d in view.devices if d.device == "bridge-1")

        usb.unplug()  # the board shows the reader down, and clear again once it is back
        wait_until(lambda: bridge_problem() == "reader_down", "reader down on the board")
        usb.plug()
        wait_until(lambda: bridge_problem() is None, "reader back on the board")
    finally:
        bridge.send_signal(signal.SIGTERM)
        assert bridge.wait(15) == 0
        service.stop()
        broker.stop()
        usb.close()
    log = (tmp_path / "bridge.log").read_text().splitlines()
    said = [
        line.split("devices.bridge: ")[1] for line in log if "devices.bridge: key reader" in line
    ]
    reader = f"key reader {usb.path} (KC1 slot 7)"
    assert said[0] == f"{reader} open", said
    assert said[1].startswith(f"{reader} is down") and said[2] == f"{reader} is back", said
    assert len(said) == 3, "and nothing of it when the bridge stops"
    # What the reader believed inside, kept for a restart: the key in, then out.
    kept = json.loads((tmp_path / "var" / "bridge" / "custody.json").read_text("utf-8"))
    assert kept == {"version": 1, "readers": {"KC1 slot 7": []}}
