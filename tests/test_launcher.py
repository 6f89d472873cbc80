"""The `pitboard` command's one build order, against a site's own broker."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from core.broker import AmqttBroker, free_port, port_free
from core.config import SiteConfig
from core.demo.history import HistoryPlan, write_history
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from devices.link import outbox_path
from devices.outbox import Outbox
from kiosk.app import kiosk_device
from pitboard.app import Pitboard, Plan, continue_numbering
from tests.helpers import demo_config
from tests.waiting import wait_until


@pytest.fixture
def amqtt() -> Iterator[AmqttBroker]:
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)
    broker = AmqttBroker().start()
    yield broker
    broker.stop()


def site_on(broker_url: str, protocol: str, tmp_path: Path) -> SiteConfig:
    """The demo site on ``broker_url``, with the one kiosk at bay B03."""
    cfg = demo_config(data_dir=str(tmp_path))
    broker = cfg.broker.model_copy(update={"url": broker_url, "protocol": protocol})
    kiosks = [k for k in cfg.kiosks if k.bay == "B03"][:1]
    return cfg.model_copy(update={"broker": broker, "kiosks": kiosks})


def test_run_speaks_the_configured_mqtt_version_to_the_site_broker(
    amqtt: AmqttBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site broker that speaks only MQTT 3.1.1 (amqtt), named with ``protocol = "3.1.1"``:
    the core and the kiosk `pitboard run` builds reach it, and no broker of its own starts."""
    monkeypatch.setenv("NICEGUI_STORAGE_PATH", str(tmp_path / "sessions"))
    site = Pitboard(
        site_on(f"mqtt://127.0.0.1:{amqtt.port}", "3.1.1", tmp_path), Plan(everything=True)
    )
    try:
        # One client connecting at a time: amqtt 0.12 can fail a session whose connect
        # overlaps another client's subscribing.
        site.init_broker()
        assert site.broker is None
        assert site.address.protocol == "3.1.1"
        site.init_core()
        assert site.service.link.connected.wait(15), "the core did not connect"
        site.init_kiosks()
        station, _ = site.kiosks["B03"]
        wait_until(lambda: station.state is not None, "bay state at the B03 kiosk", timeout=15)
    finally:
        site.stop()


def test_the_core_alone_needs_a_broker_url(tmp_path: Path) -> None:
    site = Pitboard(demo_config(data_dir=str(tmp_path)), Plan())
    with pytest.raises(ValueError, match="no broker"):
        site.start()
    assert not (tmp_path / "broker").exists()


def test_a_step_that_fails_stops_the_broker_started_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NICEGUI_STORAGE_PATH", str(tmp_path / "sessions"))
    cfg = demo_config(data_dir=str(tmp_path))
    cfg = cfg.model_copy(
        update={"broker": cfg.broker.model_copy(update={"listen_port": free_port()})}
    )
    unreachable = f"sqlite:///{tmp_path / 'no such folder' / 'core.db'}"
    site = Pitboard(cfg, Plan(everything=True, database_url=unreachable))
    with pytest.raises(OperationalError):
        site.start()
    assert site.broker is not None
    assert port_free(site.broker.port), "the broker still listens"


@pytest.mark.parametrize("command", [["run"], ["core", "--broker-url", "mqtt://127.0.0.1:1"]])
def test_a_site_without_its_session_secret_does_not_start(
    tmp_path: Path, command: list[str]
) -> None:
    """Not the demo, no PITBOARD_SESSION_SECRET: a clear error, and nothing started."""
    import os
    import signal
    import subprocess
    import sys

    from tests.helpers import DEMO_SITE, child_env

    site = tmp_path / "north.toml"
    site.write_text(
        DEMO_SITE.read_text(encoding="utf-8")
        .replace('id = "demo"', 'id = "north"', 1)
        .replace('data_dir = "var"', f'data_dir = "{tmp_path.as_posix()}"'),
        encoding="utf-8",
    )
    env = child_env(NICEGUI_STORAGE_PATH=str(tmp_path / "sessions"))
    env.pop("PITBOARD_SESSION_SECRET", None)
    port = str(free_port())
    args = [*command, "--config", str(site), "--port" if command == ["run"] else "--web-port", port]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pitboard", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("it started without a session secret")
    assert proc.returncode == 2, (out, err)
    assert "PITBOARD_SESSION_SECRET is not set" in err and "site north" in err
    assert not (tmp_path / "broker").exists() and not (tmp_path / "pitboard.sqlite3").exists()


def test_the_demos_kiosks_number_on_from_their_history(tmp_path: Path) -> None:
    """The demo's weeks of history were tapped at its kiosks: each kiosk's fresh outbox
    gives its first event the number after its last in the history, known to the core, so
    nothing is refused as a number taken."""
    cfg = demo_config()
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    store = Store(engine, cfg.site.id)
    write_history(store, cfg, date(2026, 11, 2), HistoryPlan(days=2, per_day=8, seed=3))
    devices = [kiosk_device(cfg, bay) for bay in ("B01", "B03", "Q01")]
    last = store.last_seqs(devices)
    assert last.get("kiosk-b01", 0) > 1 and last.get("kiosk-b03", 0) > 1, last
    continue_numbering(store, devices, tmp_path / "kiosks")
    for device in devices:
        box = Outbox(outbox_path(tmp_path / "kiosks", device), device)
        first = box.add("tech.signed_in", bay="B01", tech="T001").seq
        assert first == last.get(device, 0) + 1, device
        assert box.synced == (device in last), device
        box.close()
    store.close()
    engine.dispose()
