"""deploy/compose.yaml, checked as far as it can be without Docker (no image can be pulled
where Pitboard is tested): its `setup` service's command is run as `pitboard setup` with
/box standing for a folder here; every file the other services mount, source or name is
one that setup wrote (or one shipped in deploy/); the core's and the bridge's commands are
their units' commands; Mosquitto, started from the configuration the compose file mounts
into it, lets the core in with the password setup wrote and nobody without one."""

from __future__ import annotations

import re
import shlex
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from core.broker import free_port, wait_for_port
from pitboard.cli import main
from pitboard.site_setup import Postgres, read_env
from tests.deploy_layout import expand, stop, unit
from tests.helpers import DEMO_SITE

pytestmark = [pytest.mark.mosquitto, pytest.mark.postgres]

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
BOX = "/box"  # where every container mounts the folder setup writes
ENV = {"POSTGRES_PASSWORD": "secret", "PITBOARD_SITE": "/srv/site.toml"}
PITBOARD = {"setup", "core", "devices"}


def services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return compose["services"]  # type: ignore[no-any-return]


@pytest.fixture
def db_name(postgres_server: str) -> Iterator[str]:
    name = "pitboard_compose_" + uuid.uuid4().hex[:8]
    yield name
    Postgres(postgres_server).drop(name)


def run_setup_service(box: Path, server: str, name: str, port: int, tmp: Path) -> None:
    """The `setup` service's command, its container paths standing for folders here."""
    command = [expand(a, ENV) for a in services()["setup"]["command"]]
    assert command[:2] == ["pitboard", "setup"]
    args = dict(zip(command[2::2], command[3::2], strict=True))
    # The image keeps its source where the units are read from.
    copied = re.search(r"^COPY \. (\S+)$", (DEPLOY / "Dockerfile").read_text(), re.M)
    assert copied and args["--units"] == f"{copied.group(1)}/deploy"
    assert args["--root"] == BOX and args["--config"] == "/site.toml"
    admin = args["--postgres"]
    assert admin == "postgresql+psycopg://postgres:secret@127.0.0.1:5432/postgres"
    site = tmp / "site.toml"
    site.write_bytes(DEMO_SITE.read_bytes())
    args.update({"--root": str(box), "--config": str(site), "--postgres": server})
    args.update({"--units": str(DEPLOY), "--db-name": name, "--broker-port": str(port)})
    assert main(["setup", *(x for kv in args.items() for x in kv)]) == 0


def test_compose_runs_what_setup_writes(
    mosquitto_bin: str, postgres_server: str, db_name: str, tmp_path: Path
) -> None:
    compose = services()
    assert set(compose) == {"postgres", "setup", "mosquitto", "core", "devices"}
    box = tmp_path / "box"
    port = free_port()
    run_setup_service(box, postgres_server, db_name, port, tmp_path)

    def here(path: str) -> str:
        """A path in a container, here; the written port for the broker's own."""
        return path.replace(BOX, str(box)).replace("127.0.0.1:1883", f"127.0.0.1:{port}")

    for name, service in compose.items():
        for volume in service.get("volumes", []):
            source, target = expand(volume, ENV).split(":")[:2]
            if source == "./box":
                assert target == BOX, name
            elif source.startswith("./"):
                assert (DEPLOY / source).is_file(), volume  # shipped beside the compose file
            else:
                assert source in ("postgres-data", "mosquitto-data", ENV["PITBOARD_SITE"]), volume
        if name in PITBOARD:
            assert service["build"]["dockerfile"] == "deploy/Dockerfile"
            assert (DEPLOY.parent / service["build"]["dockerfile"]).is_file()

    for name in ("core", "devices"):
        sh, dash_c, script = compose[name]["command"]
        found = re.fullmatch(r"set -a && \. (\S+) && exec (pitboard .*)", script)
        assert (sh, dash_c) == ("sh", "-c") and found, script
        service = unit(box, f"pitboard-{name}.service")
        assert here(found.group(1)) == service["environmentfile"]
        assert Path(service["environmentfile"]).is_file()
        assert shlex.split(here(found.group(2)))[1:] == shlex.split(service["execstart"])[1:]
        assert here(compose[name]["working_dir"]) == service["workingdirectory"]
        # The shell reads the environment file as systemd does.
        shown = subprocess.run(
            ["sh", "-c", here(script.replace(found.group(2), "env"))],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
            check=True,
        ).stdout.splitlines()
        assert {f"{k}={v}" for k, v in read_env(Path(service["environmentfile"])).items()} <= set(
            shown
        )

    # Mosquitto as its container starts it: the mounted file, which includes setup's.
    mounted = [v for v in compose["mosquitto"]["volumes"] if v.endswith(":ro")]
    assert "./compose-mosquitto.conf:/mosquitto/config/mosquitto.conf:ro" in mounted
    conf = tmp_path / "mosquitto.conf"
    data = tmp_path / "mosquitto-data"
    data.mkdir()
    shipped = (DEPLOY / "compose-mosquitto.conf").read_text()
    assert "persistence_location /mosquitto/data/\n" in shipped
    assert "mosquitto-data:/mosquitto/data" in compose["mosquitto"]["volumes"]
    conf.write_text(here(shipped.replace("/mosquitto/data/", f"{data}/")), encoding="utf-8")
    log = open(tmp_path / "mosquitto.log", "ab")  # noqa: SIM115 - owned by the child
    broker = subprocess.Popen([mosquitto_bin, "-c", str(conf)], stdout=log, stderr=log)
    try:
        wait_for_port(port)
        password = read_env(box / "etc/pitboard/core.env")["PITBOARD_MQTT_PASSWORD"]
        assert login(port, "core", password) == 0
        assert login(port, "core", "wrong") != 0
    finally:
        stop(broker)


def login(port: int, user: str, password: str) -> int:
    """paho's connect result: 0 when the broker let the user in."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(user, password)
    result: list[int] = []
    client.on_connect = lambda _c, _u, _f, rc, _p=None: result.append(rc.value)
    client.connect("127.0.0.1", port)
    for _ in range(40):
        client.loop(timeout=0.5)
        if result:
            break
    client.disconnect()
    assert result, "no answer from the broker"
    return result[0]
