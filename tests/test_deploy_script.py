"""`deploy/setup.sh`, the one documented command, run for real on this machine into a
folder (`--root`): Debian's packages checked, Pitboard installed into the folder's
/opt/pitboard/.venv from this checkout, `pitboard setup --postgres local` making a role and
database of their own on this machine's PostgreSQL (a unique name, dropped afterwards).
Then the layout is brought up as its units say — Mosquitto from the written configuration;
the core, the devices bridge and bay B03's kiosk each from the ExecStart, folder and
environment file of the unit written for it, run by the installed command — and a
technician signs in on the kiosk's page in Chromium: the core applies it, the kiosk shows
the bay's new state, and the sign-in is in the audit log in PostgreSQL.

And as on the box itself, without `--root`, in a mount namespace where /etc, /opt and
/var/lib are overlays in the test's folder and /run/systemd/system exists
(tests/deploy_box.py), twice as a second run would: the real paths, the `pitboard` user
made, each file given to the user of the service that reads it, systemctl asked to start
the services (a stand-in writes down what), the secrets kept by the second run; Mosquitto
then turns into its own user and the core and the bridge run as `pitboard`, and they reach
each other and the database.

systemd does not run here (PID 1 is not systemd), so the test starts each unit's command
itself; `tests/test_deploy_units.py` and `tests/test_deploy_setup.py` have
`systemd-analyze verify` check the units. Each install takes half a minute to a minute on
two shared cores (pip, from its cache)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine.url import make_url

from core.broker import free_port, wait_for_port
from core.display.texts import text
from core.store.database import make_engine
from core.store.repository import Store
from pitboard.site_setup import Postgres, read_env
from tests.browser import ARTIFACTS
from tests.deploy_layout import start_as_unit, start_mosquitto, stop, unit
from tests.helpers import DEMO_SITE, need
from tests.mqtt_client import Client
from tests.waiting import wait_until

pytestmark = [pytest.mark.mosquitto, pytest.mark.postgres, pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SETUP_SH = ROOT / "deploy" / "setup.sh"
# The checkout's code must not stand in for what was installed.
NOT_INHERITED = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_CURRENT_TEST")


@pytest.fixture
def db_name(postgres_server: str) -> Iterator[str]:
    name = "pitboard_script_" + uuid.uuid4().hex[:8]
    yield name
    Postgres(postgres_server).drop(name)


def local_server(postgres_server: str) -> None:
    """`--postgres local` makes the database on this machine's server, as its `postgres`
    user; the test's server must be that one for the test to reach and drop it."""
    if os.geteuid() != 0:
        need("root", "deploy/setup.sh installs Debian's packages and runs psql as postgres")
    url = make_url(postgres_server)
    if (url.host, url.port or 5432) not in {("127.0.0.1", 5432), ("localhost", 5432)}:
        need("local PostgreSQL", f"{url.host}:{url.port} is not this machine's server")
    if shutil.which("runuser") is None or shutil.which("psql") is None:
        need("local PostgreSQL", "psql and runuser are needed for --postgres local")


def run_setup_sh(root: Path, site: Path, name: str, port: int) -> str:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    command = ["sh", str(SETUP_SH), "--root", str(root), str(site)]
    command += ["--db-name", name, "--broker-port", str(port), "--broker-address", "127.0.0.1"]
    began = time.monotonic()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    print(f"deploy/setup.sh took {time.monotonic() - began:.1f} s")
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(json.load(answer)["status"] == "ok")
    except OSError:
        return False


def sign_in_on_the_kiosk(browser: Any, url: str) -> None:
    """李强 (T002) signs in with his name and PIN at the bay's screen, which speaks the
    site's language (Chinese)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)

    def tap(label: str) -> None:
        xpath = f"//button[.//span[normalize-space(text())='{label}']]"
        for _ in range(3):  # the screen redraws under the finger now and then
            try:
                wait.until(ec.element_to_be_clickable((By.XPATH, xpath))).click()
                return
            except Exception:
                time.sleep(0.2)
        wait.until(ec.element_to_be_clickable((By.XPATH, xpath))).click()

    def shown(words: str) -> None:
        wait.until(ec.presence_of_element_located((By.XPATH, f"//*[text()='{words}']")))

    browser.get(url)
    try:
        tap(text("kiosk.sign_in", "zh"))
        tap("李强")
        pin = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]"))
        )
        pin.send_keys("1002")
        tap(text("kiosk.pin_ok", "zh"))
        signed_in = f"{text('kiosk.sign_out', 'zh')} 李强"
        shown(signed_in)
        # A page drawn anew once nothing waits in the kiosk's outbox shows only the core's
        # word: the bay's state it sent back.
        shown(text("kiosk.all_sent", "zh"))
        browser.get(url)
        shown(text("kiosk.all_sent", "zh"))
        shown(signed_in)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "deploy-kiosk-b03.png"))


def test_setup_sh_lays_down_the_box_and_what_its_units_start_takes_a_tap(
    mosquitto_bin: str, postgres_server: str, db_name: str, browser: Any, tmp_path: Path
) -> None:
    local_server(postgres_server)
    root = tmp_path / "box"
    site = tmp_path / "site.toml"
    shutil.copy(DEMO_SITE, site)
    port = free_port()
    said = run_setup_sh(root, site, db_name, port)
    assert "nothing started" in said

    installed = root / "opt/pitboard/.venv/bin/pitboard"
    for name in ("pitboard-core.service", "pitboard-devices.service", "pitboard-kiosk@.service"):
        assert unit(root, name)["execstart"].startswith(f"{installed} "), name
    core_env = read_env(root / "etc/pitboard/core.env")
    database = core_env["PITBOARD_DATABASE_URL"]
    assert database.endswith(f"@127.0.0.1:5432/{db_name}")
    passwords = read_env(root / "etc/mosquitto/pitboard/credentials.env")

    web, page = free_port(), free_port()
    broker = start_mosquitto(mosquitto_bin, root)
    procs = [broker]
    watcher = None
    try:
        wait_for_port(port)
        # Two ports besides the units' own: on a shared machine 8080 and 8090 may be taken.
        procs.append(
            start_as_unit(root, "pitboard-core.service", "--web-port", str(web), drop=NOT_INHERITED)
        )
        procs.append(start_as_unit(root, "pitboard-devices.service", drop=NOT_INHERITED))
        procs.append(
            start_as_unit(
                root,
                "pitboard-kiosk@.service",
                "--port",
                str(page),
                instance="B03",
                drop=NOT_INHERITED,
            )
        )
        wait_until(
            lambda: healthy(f"http://127.0.0.1:{web}/healthz"),
            "the core healthy",
            timeout=90,
            every=0.5,
        )
        watcher = Client(
            SimpleNamespace(port=port, passwords=passwords),  # type: ignore[arg-type]
            "core",
            subscribe="pitboard/demo/#",
        )

        def online(device: str) -> bool:
            rows = [m for t, m in watcher.messages if t.endswith(f"/view/devices/{device}")]
            return bool(rows and rows[-1]["row"]["online"])

        # The bridge and the kiosk reached the broker with the passwords their units name.
        wait_until(lambda: online("bridge-1"), "the bridge online", timeout=60, every=0.2)
        wait_until(lambda: online("kiosk-b03"), "the kiosk online", timeout=60, every=0.2)

        wait_for_port(page, timeout=60)
        sign_in_on_the_kiosk(browser, f"http://127.0.0.1:{page}/")
        states = [m for t, m in watcher.messages if t.endswith("/bay/B03/state")]
        assert [t["id"] for t in states[-1]["techs"]] == ["T002"]
    finally:
        if watcher is not None:
            watcher.close()
        for proc in reversed(procs):
            stop(proc)
    engine = make_engine(database)
    try:
        assert Store(engine, "demo").audit_events("kiosk-b03") == [(1, "tech.signed_in")]
    finally:
        engine.dispose()


FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> {log}
"""
NO_APT = """#!/bin/sh
echo "apt-get must not run here: a package would be installed outside the overlays" >&2
exit 1
"""
PACKAGES = ("mosquitto", "postgresql", "python3-venv", "python3-dev", "build-essential")
OVERLAID = ("etc", "opt", "var/lib")


def in_a_namespace(tmp: Path) -> list[str]:
    """unshare's command line: /etc, /opt and /var/lib overlaid by folders of ``tmp``, and
    /run/systemd/system present, for this command's processes alone."""
    mounts = []
    for folder in OVERLAID:
        upper, work = tmp / "upper" / folder, tmp / "work" / folder
        upper.mkdir(parents=True)
        work.mkdir(parents=True)
        mounts.append(
            f"mount -t overlay overlay -o lowerdir=/{folder},upperdir={upper},workdir={work}"
            f" /{folder}"
        )
    mounts += ["mount -t tmpfs tmpfs /run/systemd", "mkdir /run/systemd/system"]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec", "; ".join(mounts)]


def host_paths() -> dict[str, float | None]:
    """When the machine's own Pitboard files were last changed (None: there are none)."""
    paths = (
        "/opt/pitboard",
        "/etc/pitboard",
        "/var/lib/pitboard",
        "/etc/passwd",
        "/etc/mosquitto/conf.d/pitboard.conf",
        "/etc/systemd/system/pitboard-core.service",
    )
    return {p: Path(p).stat().st_mtime if Path(p).exists() else None for p in paths}


def owner(upper: Path, path: str) -> tuple[str, int]:
    """Who owns ``path`` as written in the overlay, by the names of its /etc/passwd."""
    users = {}
    for line in (upper / "etc/passwd").read_text(encoding="utf-8").splitlines():
        name, _, uid = line.split(":")[:3]
        users[int(uid)] = name
    st = (upper / path).stat()
    return users.get(st.st_uid, str(st.st_uid)), st.st_mode & 0o777


def test_setup_sh_on_the_box_itself_lays_down_the_production_layout_and_starts_it(
    mosquitto_bin: str, postgres_server: str, db_name: str, tmp_path: Path
) -> None:
    local_server(postgres_server)
    before = host_paths()
    unshare = shutil.which("unshare")
    tried = unshare and subprocess.run([unshare, "--mount", "true"], capture_output=True)
    if not tried or tried.returncode != 0:
        need("unshare", "the test needs a mount namespace of its own (util-linux's unshare)")
    for package in PACKAGES:
        status = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        )
        if "ok installed" not in status.stdout:
            need(package, "installed by deploy/setup.sh --root first (the test above)")
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "systemctl.calls"
    (fake / "systemctl").write_text(FAKE_SYSTEMCTL.format(log=calls), encoding="utf-8")
    (fake / "apt-get").write_text(NO_APT, encoding="utf-8")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    site = tmp_path / "site.toml"
    shutil.copy(DEMO_SITE, site)
    report, logs, port = tmp_path / "report.json", tmp_path / "logs", free_port()
    logs.mkdir()
    driver = f"exec {sys.executable} -m tests.deploy_box {report} {site} {db_name} {port}"
    command = in_a_namespace(tmp_path)
    command[-1] += f"; {driver} {fake} {logs}"
    began = time.monotonic()
    out = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    print(f"deploy/setup.sh on the box and its services took {time.monotonic() - began:.1f} s")
    assert out.returncode == 0, out.stdout + out.stderr[-4000:]
    found = json.loads(report.read_text(encoding="utf-8"))

    # Each run starts them; the second restarts what runs, reading its new files.
    assert calls.read_text(encoding="utf-8").splitlines() == 2 * [
        "daemon-reload",
        "restart mosquitto",
        "enable pitboard-core pitboard-devices pitboard-prune.timer",
        "restart pitboard-core pitboard-devices",
        "start pitboard-prune.timer",
    ]
    assert found["kept"], "a second run changed the core's secrets"
    # The units as written at their real paths, with their user, are what systemd accepts.
    assert found["verify"] in ("0", None), found["verify"]
    upper = tmp_path / "upper"
    assert (upper / "opt/pitboard/.venv/bin/pitboard").is_file()
    assert owner(upper, "etc/pitboard/core.env") == ("pitboard", 0o600)
    assert owner(upper, "etc/pitboard/kiosk-B03.env") == ("pitboard", 0o600)
    assert owner(upper, "etc/mosquitto/pitboard/passwd")[0] == "mosquitto"
    assert owner(upper, "var/lib/pitboard")[0] == "pitboard"
    core = (upper / "etc/systemd/system/pitboard-core.service").read_text(encoding="utf-8")
    assert (
        "ExecStart=/opt/pitboard/.venv/bin/pitboard core --config /etc/pitboard/site.toml"
        f" --broker-url mqtt://127.0.0.1:{port}\n"
    ) in core
    # Mosquitto as its own user read what was given to it; the core and the bridge, as
    # the pitboard user, read theirs and reached the broker and the database.
    assert found["health"]["status"] == "ok", found
    assert found["bridge_online"], found
    # Outside the namespace, the machine's own files are as they were.
    assert host_paths() == before
