"""Head office's broker for the hub's tests, and a site's bridge on it: a real Mosquitto
with the shipped settings, users ``hub`` and ``site-{id}`` and an ACL that lets each site
write only its own feed and read only its own acks, and the hub read every feed and answer
every site."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from sqlalchemy import Engine, select

from core.broker import (
    BROKER_CONFIG,
    free_port,
    launch_mosquitto,
    password_hash,
    stop_mosquitto,
)
from core.contract.group import GroupFeed
from core.contract.messages import dump
from core.mqtt import BrokerAddress
from hub import tables as t
from hub.config import HUB_STATUS, bridge_user
from tests.mqtt_client import Client


def hub_acl(sites: list[str]) -> str:
    lines = [
        "user hub",
        "topic read pitboard/+/group/feed",
        "topic write pitboard/+/group/ack",
        f"topic readwrite {HUB_STATUS}",
        "",
    ]
    for site in sites:
        lines += [
            f"user {bridge_user(site)}",
            f"topic write pitboard/{site}/group/feed",
            f"topic read pitboard/{site}/group/ack",
            "",
        ]
    return "\n".join(lines)


class HubBroker:
    """A child ``mosquitto`` on a loopback port for ``sites`` (the config's and others)."""

    kind = "mosquitto"
    protocol = "5"

    def __init__(
        self, workdir: Path, sites: list[str], port: int | None = None, relay_all: bool = False
    ) -> None:
        self.workdir = workdir.resolve()
        self.sites = sites
        self.port = port or free_port()
        #: A user ``all-sites`` that speaks for every site at once (the benchmark's).
        self.relay_all = relay_all
        users = ["hub", *(bridge_user(s) for s in sites), *(["all-sites"] if relay_all else [])]
        self.passwords = {u: secrets.token_urlsafe(12) for u in users}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> HubBroker:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "passwd").write_text(
            "".join(f"{u}:{password_hash(p)}\n" for u, p in self.passwords.items()),
            encoding="utf-8",
        )
        os.chmod(self.workdir / "passwd", 0o600)
        acl = hub_acl(self.sites)
        if self.relay_all:
            acl += "user all-sites\ntopic write pitboard/+/group/feed\n"
            acl += "topic read pitboard/+/group/ack\n"
        (self.workdir / "acl").write_text(acl, encoding="utf-8")
        conf = (BROKER_CONFIG / "mosquitto.conf").read_text(encoding="utf-8")
        conf = conf.replace("password_file passwd", f"password_file {self.workdir / 'passwd'}")
        conf = conf.replace("acl_file acl", f"acl_file {self.workdir / 'acl'}")
        conf += f"\nlistener {self.port} 127.0.0.1\n"
        self.proc = launch_mosquitto(self.workdir, conf, [self.port])
        return self

    def stop(self) -> None:
        stop_mosquitto(self.proc)
        self.proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def hub_address(self) -> BrokerAddress:
        return BrokerAddress("127.0.0.1", self.port, "hub", self.passwords["hub"])

    def log(self) -> str:
        path = self.workdir / "mosquitto.log"
        return path.read_text(encoding="utf-8", errors="replace")[-2000:] if path.exists() else ""


def logged(engine: Engine, site: str) -> list[int]:
    with engine.connect() as c:
        q = select(t.facts.c.seq).where(t.facts.c.site == site).order_by(t.facts.c.seq)
        return list(c.execute(q).scalars())


class Site(Client):
    """A site's bridge as the hub sees it: publishes on its feed, reads its acks, and
    notes what the hub's database held at the moment each ack arrived."""

    def __init__(self, broker: HubBroker, site: str, engine: Engine) -> None:
        self.site = site
        self.engine = engine
        #: (upto, the seqs in the hub's log when the ack was seen)
        self.acks: list[tuple[int, list[int]]] = []
        super().__init__(broker, bridge_user(site), subscribe=f"pitboard/{site}/group/ack")

    def _on_message(self, c: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
        held = logged(self.engine, self.site)
        with self._cv:
            self.acks.append((json.loads(m.payload)["upto"], held))
        super()._on_message(c, u, m)

    def send(self, feed: GroupFeed | bytes) -> None:
        body = feed if isinstance(feed, bytes) else dump(feed)
        # 16: no one subscribed yet (the hub not started): taken all the same, and lost.
        assert self.publish(f"pitboard/{self.site}/group/feed", body).value in (0, 16)

    def acked(self, n: int) -> list[tuple[int, list[int]]]:
        """The first ``n`` acks, once there are that many."""
        self.wait(lambda _ms: len(self.acks) >= n)
        with self._cv:
            return self.acks[:n]
