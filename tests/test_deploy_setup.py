"""`pitboard setup` writes the production layout from the site file — Mosquitto's
configuration, password file and ACL, a PostgreSQL role and database of the site's own,
the secrets, the systemd units — and that layout runs: Mosquitto started from the written
configuration, the core started as its unit says, a kiosk's tap with the written password
applied and in the audit log. A second run keeps every password and the data.

There is no systemd here (PID 1 is not systemd), so the layout is written under a folder
and its processes are started by the test, each from what its unit names; the units are
checked with `systemd-analyze verify`."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core.broker import free_port, wait_for_port
from core.contract.messages import make_event
from core.store.database import make_engine
from core.store.repository import Store
from pitboard.cli import main
from pitboard.site_setup import UNITS, Postgres, read_env
from tests.deploy_layout import start_as_unit, start_mosquitto, stop, unit
from tests.helpers import DEMO_SITE, T0, need
from tests.mqtt_client import Client
from tests.waiting import wait_until

pytestmark = [pytest.mark.mosquitto, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def db_name(postgres_server: str) -> Iterator[str]:
    name = "pitboard_setup_" + uuid.uuid4().hex[:8]
    yield name
    Postgres(postgres_server).drop(name)


def setup(root: Path, site: Path, server: str, name: str, port: int) -> int:
    return main(
        [
            "setup",
            "--config",
            str(site),
            "--root",
            str(root),
            "--postgres",
            server,
            "--db-name",
            name,
            "--broker-port",
            str(port),
            "--broker-address",
            "127.0.0.1",
        ]
    )


def test_the_layout_set_up_by_one_command_takes_a_kiosk_tap(
    mosquitto_bin: str, postgres_server: str, db_name: str, tmp_path: Path
) -> None:
    root = tmp_path / "box"
    site = tmp_path / "site.toml"
    shutil.copy(DEMO_SITE, site)
    port = free_port()
    assert setup(root, site, postgres_server, db_name, port) == 0

    etc = root / "etc/pitboard"
    for env in ("core.env", "devices.env", "kiosk-B03.env"):
        assert (etc / env).stat().st_mode & 0o777 == 0o600, env
    assert (root / "etc/mosquitto/pitboard/credentials.env").stat().st_mode & 0o777 == 0o600
    core_env = read_env(etc / "core.env")
    passwords = read_env(root / "etc/mosquitto/pitboard/credentials.env")
    assert core_env["PITBOARD_MQTT_PASSWORD"] == passwords["core"]
    assert core_env["PITBOARD_DATABASE_URL"].endswith(f"@127.0.0.1:5432/{db_name}")
    assert len(core_env["PITBOARD_SESSION_SECRET"]) >= 32
    kiosk_password = read_env(etc / "kiosk-B03.env")["PITBOARD_DEVICE_PASSWORD"]
    assert kiosk_password == passwords["kiosk-b03"]
    assert {p.name for p in (root / "etc/systemd/system").iterdir()} == set(UNITS)

    # Again: nothing changes that a running site depends on.
    assert setup(root, site, postgres_server, db_name, port) == 0
    assert read_env(etc / "core.env") == core_env
    assert read_env(root / "etc/mosquitto/pitboard/credentials.env") == passwords

    broker = start_mosquitto(mosquitto_bin, root)
    core = None
    kiosk = None
    try:
        wait_for_port(port)
        core = start_as_unit(root, "pitboard-core.service", "--web-port", "0")
        kiosk = Client(
            SimpleNamespace(port=port, passwords={}),  # type: ignore[arg-type]
            "kiosk-b03",
            password=kiosk_password,
            subscribe="pitboard/demo/dev/kiosk-b03/ack",
        )
        assert not kiosk.connect_rc.is_failure
        tap = make_event("kiosk-b03", 1, "tech.signed_in", T0, bay="B03", tech="T002")

        def acks(ms: list[tuple[str, Any]]) -> list[Any]:
            return [m for t, m in ms if t.endswith("/ack")]

        wait_until(
            lambda: bool(acks(kiosk.messages)),
            "the core's answer to the tap",
            timeout=60,
            every=0.5,
            between=lambda: kiosk.c.publish("pitboard/demo/dev/kiosk-b03/event", tap, qos=1),
        )
        assert acks(kiosk.messages)[0]["result"] == "applied"
    finally:
        if kiosk is not None:
            kiosk.close()
        for proc in (core, broker):
            if proc is not None:
                stop(proc)
    engine = make_engine(core_env["PITBOARD_DATABASE_URL"])
    try:
        assert Store(engine, "demo").audit_events("kiosk-b03") == [(1, "tech.signed_in")]
    finally:
        engine.dispose()


def test_systemd_accepts_the_units_setup_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        need("systemd-analyze", "systemd is not installed")
    assert analyze is not None
    root = tmp_path / "box"
    site = tmp_path / "site.toml"
    shutil.copy(DEMO_SITE, site)
    assert main(["setup", "--config", str(site), "--root", str(root)]) == 0
    units = sorted((root / "etc/systemd/system").iterdir())
    out = subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=60
    )
    assert (out.returncode, out.stdout + out.stderr) == (0, "")
    core = unit(root, "pitboard-core.service")
    assert core["execstart"].endswith(
        f"core --config {root}/etc/pitboard/site.toml --broker-url mqtt://127.0.0.1:1883"
    )
    assert unit(root, "pitboard-kiosk@.service")["environmentfile"].endswith("kiosk-%i.env")
    # SQLite, without --postgres: in the data folder under the service's home, migrated.
    assert (root / "var/lib/pitboard/var/pitboard.sqlite3").exists()
    assert "PITBOARD_DATABASE_URL" not in read_env(root / "etc/pitboard/core.env")


def test_setup_warns_when_mosquitto_does_not_read_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "box"
    site = tmp_path / "site.toml"
    shutil.copy(DEMO_SITE, site)
    main_conf = root / "etc/mosquitto/mosquitto.conf"
    main_conf.parent.mkdir(parents=True)
    # As on a box whose mosquitto.conf was edited: our users and ACL would go unread.
    main_conf.write_text("listener 1883 127.0.0.1\nallow_anonymous true\n", encoding="utf-8")
    assert main(["setup", "--config", str(site), "--root", str(root)]) == 0
    folder = root / "etc/mosquitto/conf.d"
    assert f"add the line `include_dir {folder}`" in capsys.readouterr().err
    # Debian's own file reads the folder: nothing to say.
    main_conf.write_text(f"pid_file /run/mosquitto/mosquitto.pid\ninclude_dir {folder}/\n")
    assert main(["setup", "--config", str(site), "--root", str(root)]) == 0
    assert "include_dir" not in capsys.readouterr().err
