"""deploy/hub/compose.yaml, head office in containers, checked as far as it can be without
Docker: its `setup` service's commands run here with /box standing for a folder; every
file the other services mount or name is shipped beside it or written by that step; the
hub's command reads the password file setup wrote; Mosquitto, started from the conf the
compose file mounts, lets the hub in on its loopback listener and a site's bridge in over
TLS with head office's certificate, and nobody with a wrong password."""

from __future__ import annotations

import re
import shlex
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from core.broker import read_credentials
from hub.config import load_hub_config
from pitboard.cli import main
from pitboard.site_setup import read_env
from tests.deploy_layout import expand
from tests.hub_broker import HubBroker, hub_conf_here

pytestmark = pytest.mark.mosquitto

DEPLOY_HUB = Path(__file__).resolve().parents[1] / "deploy" / "hub"
BOX = "/box"
ENV = {"POSTGRES_PASSWORD": "secret", "PITBOARD_HUB_HOST": "127.0.0.1"}


def services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY_HUB / "compose.yaml").read_text(encoding="utf-8"))
    return compose["services"]  # type: ignore[no-any-return]


def script(service: dict[str, Any]) -> str:
    sh, dash_c, text = service["command"]
    assert (sh, dash_c) == ("sh", "-c")
    return expand(text, ENV)


def test_the_shipped_hub_file_is_valid() -> None:
    config = load_hub_config(DEPLOY_HUB / "hub.toml")
    assert config.sites and config.broker.username == "hub"
    assert config.broker.url == "mqtt://127.0.0.1:1883", "the broker's loopback listener"


def test_compose_runs_what_setup_writes(mosquitto_bin: str, tmp_path: Path) -> None:
    compose = services()
    assert set(compose) == {"postgres", "setup", "mosquitto", "hub"}
    box = tmp_path / "box"

    def here(text: str) -> str:
        return text.replace("/hub.toml", str(DEPLOY_HUB / "hub.toml")).replace(BOX, str(box))

    # The set-up step, each of its commands as `pitboard ...` here.
    for command in script(compose["setup"]).split(" && "):
        argv = shlex.split(here(command))
        assert argv[:2] == ["pitboard", "hub"], command
        assert main(argv[1:]) == 0, command

    for name, service in compose.items():
        for volume in service.get("volumes", []):
            source, target = expand(volume, ENV).split(":")[:2]
            if source == "./box":
                assert target == BOX, name
            elif source == "./hub.toml":
                assert target == "/hub.toml" and (DEPLOY_HUB / source).is_file()
            elif source.startswith("./"):
                assert (DEPLOY_HUB / source).is_file(), volume
            else:
                assert source in ("postgres-data", "mosquitto-data"), volume
        if "build" in service:
            assert (DEPLOY_HUB / service["build"]["context"] / "deploy/Dockerfile").is_file()

    # Every /box path the broker's conf names, setup wrote.
    conf = (DEPLOY_HUB / "mosquitto.conf").read_text(encoding="utf-8")
    named = re.findall(r"^\w+ (/box/\S+)$", conf, re.M)
    assert len(named) == 5, named
    for path in named:
        assert Path(here(path)).is_file(), path

    # The hub: its password from the file setup wrote, then migrate and run.
    found = re.fullmatch(
        r"set -a && \. (/box/\S+) && (pitboard hub migrate .*) && exec (pitboard hub run .*)",
        script(compose["hub"]),
    )
    assert found, script(compose["hub"])
    assert shlex.split(found.group(2)) == ["pitboard", "hub", "migrate", "--config", "/hub.toml"]
    assert shlex.split(found.group(3)) == ["pitboard", "hub", "run", "--config", "/hub.toml"]
    hub_config = load_hub_config(DEPLOY_HUB / "hub.toml")
    env = read_env(Path(here(found.group(1))))
    credentials = read_credentials(box / "mosquitto")
    assert env == {hub_config.broker.password_env: credentials["hub"]}
    database = compose["hub"]["environment"]["PITBOARD_HUB_DATABASE_URL"]
    assert expand(database, ENV).endswith("@127.0.0.1:5432/pitboard_hub")
    assert compose["postgres"]["environment"]["POSTGRES_DB"] == "pitboard_hub"

    # Mosquitto as its container starts it, the ports free ones here.
    broker = HubBroker(DEPLOY_HUB / "hub.toml", tmp_path / "broker")
    broker.data.mkdir(parents=True)
    (broker.workdir / "mosquitto.conf").write_text(
        hub_conf_here(conf, box, broker.data, broker.port, broker.tls_port), encoding="utf-8"
    )
    broker.start()
    try:
        site = f"site-{hub_config.sites[0].id}"
        ca = box / "tls" / "ca.crt"
        assert login(broker.port, "hub", credentials["hub"]) == 0
        assert login(broker.tls_port, site, credentials[site], ca) == 0
        assert login(broker.tls_port, site, "wrong", ca) != 0
        assert login(broker.port, "nobody", "wrong") != 0
    finally:
        broker.stop()


def login(port: int, user: str, password: str, ca: Path | None = None) -> int:
    """paho's connect result: 0 when the broker let the user in."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(user, password)
    if ca is not None:
        client.tls_set(ca_certs=str(ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
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
