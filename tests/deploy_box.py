"""`deploy/setup.sh` as on the box itself — no `--root`: the real paths, the `pitboard`
user, the files given to their services' users, systemctl called — for
tests/test_deploy_script.py, which runs this in a mount namespace of its own where /etc,
/opt and /var/lib are overlays (what is written lands in the test's folder; the machine's
own stay as they were) and /run/systemd/system says systemd runs:

    python -m tests.deploy_box REPORT SITE DB_NAME BROKER_PORT FAKE_BIN LOGS

FAKE_BIN comes first on the PATH: its systemctl writes down what it is asked and its
apt-get refuses (a package installed in here would land outside the overlays). Once set up
(twice, as a second run would), Mosquitto is started from the written pitboard.conf as
root, so it turns into its own user as on the box, and the core and the bridge as their
units' user (runuser, with their environment files); REPORT (JSON) gets setup's output,
whether the second run kept the core's secrets, what `systemd-analyze verify` says of the
units written, the core's /healthz and whether the bridge was seen online."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from core.broker import free_port, wait_for_port
from pitboard.site_setup import read_env
from tests.deploy_layout import start_as_unit, stop
from tests.mqtt_client import Client

ROOT = Path(__file__).resolve().parents[1]
NOT_INHERITED = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_CURRENT_TEST")


def set_up(site: str, db_name: str, port: str, fake_bin: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env["PATH"] = f"{fake_bin}:{env['PATH']}"
    command = ["sh", str(ROOT / "deploy/setup.sh"), site, "--db-name", db_name]
    command += ["--broker-port", port, "--broker-address", "127.0.0.1"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"deploy/setup.sh failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def verify_units() -> str | None:
    """What `systemd-analyze verify` says of the units as written, at their real paths
    (nothing: they are sound); None where systemd-analyze is missing."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return None
    units = sorted(str(p) for p in Path("/etc/systemd/system").glob("pitboard-*"))
    out = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    return f"{out.returncode} {out.stdout}{out.stderr}".strip()


def health(port: int) -> Any:
    deadline = time.monotonic() + 90
    body: Any = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                body = json.load(r)
                if body.get("status") == "ok":
                    return body
        except OSError as exc:
            body = str(exc)
        time.sleep(0.5)
    return body


def bridge_online(port: int) -> bool:
    passwords = read_env(Path("/etc/mosquitto/pitboard/credentials.env"))
    watcher = Client(
        SimpleNamespace(port=port, passwords=passwords),  # type: ignore[arg-type]
        "core",
        subscribe="pitboard/demo/view/devices/bridge-1",
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(m and m["row"]["online"] for _, m in watcher.messages):
                return True
            time.sleep(0.2)
        return False
    finally:
        watcher.close()


def main() -> int:
    report, site, db_name, port, fake_bin, logs = sys.argv[1:7]
    said = set_up(site, db_name, port, fake_bin)
    secrets = read_env(Path("/etc/pitboard/core.env"))
    # Again, as after adding a device or updating the checkout: the same secrets and data.
    said += set_up(site, db_name, port, fake_bin)
    kept = read_env(Path("/etc/pitboard/core.env")) == secrets
    verified = verify_units()
    root, web = Path("/"), free_port()
    log = open(Path(logs) / "mosquitto.log", "ab")  # noqa: SIM115 - owned by the child
    conf = "/etc/mosquitto/conf.d/pitboard.conf"
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    procs = [subprocess.Popen([mosquitto, "-c", conf], stdout=log, stderr=log)]
    try:
        wait_for_port(int(port))
        for name, extra in (("core", ["--web-port", str(web)]), ("devices", [])):
            unit = f"pitboard-{name}.service"
            procs.append(
                start_as_unit(root, unit, *extra, drop=NOT_INHERITED, as_user=True, logs=Path(logs))
            )
        found = {
            "said": said,
            "kept": kept,
            "verify": verified,
            "health": health(web),
            "bridge_online": bridge_online(int(port)),
        }
    finally:
        for proc in reversed(procs):
            stop(proc)
    Path(report).write_text(json.dumps(found), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
