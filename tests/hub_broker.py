"""Head office's broker for the tests: a real Mosquitto from deploy/hub/mosquitto.conf, its
password file, ACL and certificate written by the `pitboard hub` commands, its /box paths
and ports standing for a folder and free ports here."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from core.broker import free_port, mosquitto_binary, read_credentials, wait_for_port
from pitboard.cli import main

DEPLOY_HUB = Path(__file__).resolve().parents[1] / "deploy" / "hub"
BOX = "/box"
DATA = "/mosquitto/data/"


def hub_conf_here(text: str, box: Path, data: Path, port: int, tls_port: int) -> str:
    """The shipped head-office conf with its container paths and ports standing for ours."""
    text = text.replace(DATA, f"{data}/").replace(f"{BOX}/", f"{box}/")
    text = text.replace("listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
    text = text.replace("listener 8883\n", f"listener {tls_port} 127.0.0.1\n")
    if os.geteuid() != 0:
        text = text.replace("user root\n", "")
    return text


class HubBroker:
    """Set up as the compose file's set-up step does, then started (and restarted with its
    ports and saved sessions kept)."""

    def __init__(self, hub_toml: Path, workdir: Path, extra_acl: str = "") -> None:
        self.hub_toml = hub_toml
        self.workdir = workdir.resolve()
        self.box = self.workdir / "box"
        self.data = self.workdir / "data"
        self.port = free_port()
        self.tls_port = free_port()
        self.extra_acl = extra_acl
        self.proc: subprocess.Popen[bytes] | None = None
        self.passwords: dict[str, str] = {}

    def set_up(self, extra_users: dict[str, str] | None = None) -> HubBroker:
        config = ["--config", str(self.hub_toml)]
        mosq = self.box / "mosquitto"
        assert main(["hub", "credentials", *config, "-o", str(mosq / "passwd")]) == 0
        assert main(["hub", "acl", *config, "-o", str(mosq / "acl")]) == 0
        hosts = ["--host", "127.0.0.1", "--host", "localhost"]
        assert main(["hub", "certs", *config, *hosts, "-o", str(self.box / "tls")]) == 0
        if extra_users:
            from core.broker import write_password_file

            known = {**read_credentials(mosq), **extra_users}
            write_password_file(list(known), mosq / "passwd", mosq / "credentials.env", known)
        if self.extra_acl:
            with open(mosq / "acl", "a", encoding="utf-8") as acl:
                acl.write(self.extra_acl)
        self.passwords = read_credentials(mosq)
        self.data.mkdir(parents=True, exist_ok=True)
        conf = (DEPLOY_HUB / "mosquitto.conf").read_text(encoding="utf-8")
        here = hub_conf_here(conf, self.box, self.data, self.port, self.tls_port)
        (self.workdir / "mosquitto.conf").write_text(here, encoding="utf-8")
        return self

    @property
    def ca_file(self) -> Path:
        return self.box / "tls" / "ca.crt"

    def start(self) -> HubBroker:
        binary = mosquitto_binary()
        assert binary is not None
        log = open(self.workdir / "mosquitto.log", "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(
            [binary, "-c", str(self.workdir / "mosquitto.conf")], stdout=log, stderr=log
        )
        try:
            wait_for_port(self.port)
            wait_for_port(self.tls_port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"mosquitto did not start: {self.log()[-2000:]}") from None
        return self

    def stop(self) -> None:
        """A clean stop (SIGTERM): Mosquitto saves its sessions as it goes."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self) -> str:
        path = self.workdir / "mosquitto.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
