"""The dealer group's simulation, built from the real parts: head office's Mosquitto (its
generated ACL and password file) and the hub (`pitboard hub run`) on PostgreSQL; for each
site its own Mosquitto with the generated bridge to head office, through a link that can be
cut (bench/link_cut.py), and a headless site (bench/group_site.py) on SQLite."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.link_cut import LinkCut
from bench.soak_procs import Proc, child_env, python
from core.broker import MosquittoBroker, free_port, launch_mosquitto, stop_mosquitto
from core.config import SiteConfig, parse_config
from core.contract import site_clock
from core.contract.bridge import render_bridge
from hub.broker import render_hub_acl, write_hub_credentials
from hub.config import HubConfig, bridge_user, parse_hub_config

ROOT = Path(__file__).resolve().parents[1]
DEMO_SITE = ROOT / "core" / "demo" / "site.toml"
#: The bridge's back-off in the simulation: a real site waits 5 s to 2 min between tries
#: (core/contract/bridge.py); here a restored link is found within a second or two, so
#: that what is measured is the feed, not the wait.
SIM_RESTART = "restart_timeout 1 2"


#: Seconds after a disturbance ends before a site's facts count as "links up" again for the
#: feed's lag: the bridge's reconnect and the backlog in front of them.
SETTLE = 15.0
#: Seconds before a disturbance in which a fact may still have been on its way when it
#: began: its wait is the disturbance's, not the feed's.
IN_FLIGHT = 2.0


@dataclass
class Window:
    """A disturbance: real times, and the sites it concerns (None: every site)."""

    what: str
    start: float
    end: float
    sites: list[str] | None = None

    def covers(self, site: str, at: float) -> bool:
        hit = self.sites is None or site in self.sites
        return hit and self.start - IN_FLIGHT <= at <= self.end + SETTLE


def site_id(i: int) -> str:
    return f"s{i + 1:02d}"


@dataclass
class Site:
    id: str
    config: SiteConfig
    config_path: Path
    database: Path
    broker: MosquittoBroker
    link: LinkCut
    proc: Proc

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"


@dataclass
class HubBroker:
    """Head office's Mosquitto on one port for the whole run: killed and started again."""

    conf: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        conf = self.conf.read_text(encoding="utf-8")
        self.proc = launch_mosquitto(self.conf.parent, conf, [self.port])

    def stop(self) -> None:
        stop_mosquitto(self.proc)
        self.proc = None


@dataclass
class Plant:
    work: Path
    clock: site_clock.SiteClock
    hub_config: HubConfig
    hub_database: str
    hub_broker: HubBroker
    hub: Proc
    sites: list[Site] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def close(self) -> None:
        for s in self.sites:
            s.proc.terminate()
        for s in self.sites:
            s.proc.wait(15)
            s.link.stop()
            s.broker.stop()
        self.hub.terminate()
        self.hub.wait(15)
        self.hub_broker.stop()


def _site_config(i: int, hub_port: int, work: Path) -> tuple[SiteConfig, Path]:
    sid = site_id(i)
    base = DEMO_SITE.read_text(encoding="utf-8")
    body = base.replace('id = "demo"', f'id = "{sid}"', 1).replace(
        'data_dir = "var"', f'data_dir = "{work / sid}"', 1
    )
    body = body.replace('name = "示范4S店 售后车间"', f'name = "示范{i + 1}号店 售后车间"', 1)
    body += (
        "\n[group]\nenabled = true\n"
        f'hub_url = "mqtt://127.0.0.1:{hub_port}"\n'
        'bridge_password_env = "PITBOARD_GROUP_PASSWORD"\n'
    )
    path = work / f"{sid}.toml"
    path.write_text(body, encoding="utf-8")
    return parse_config(body, str(path)), path


def _hub_files(
    sites: int, work: Path, database: str, port: int
) -> tuple[HubConfig, dict[str, str], Path]:
    lines = [
        '[hub]\nname = "集团总部"\n',
        f'[broker]\nurl = "mqtt://127.0.0.1:{port}"\nusername = "hub"\n',
        f'[database]\nurl = "{database}"\n',
    ]
    for i in range(sites):
        lines.append(f'[[sites]]\nid = "{site_id(i)}"\nname = "示范{i + 1}号店"\n')
    path = work / "hub.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    config = parse_hub_config(path.read_text(encoding="utf-8"), str(path))
    broker_dir = work / "hub-broker"
    passwords = write_hub_credentials(config, broker_dir / "passwd")
    (broker_dir / "acl").write_text(render_hub_acl(config), encoding="utf-8")
    conf = broker_dir / "head-office.conf"
    conf.write_text(
        "\n".join(
            [
                "allow_anonymous false",
                f"password_file {broker_dir / 'passwd'}",
                f"acl_file {broker_dir / 'acl'}",
                "persistence true",
                f"persistence_location {broker_dir}/",
                "max_queued_messages 100000",
                f"listener {port} 127.0.0.1",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config, passwords, conf


@contextlib.contextmanager
def hub_database(server: str) -> Iterator[str]:
    """A PostgreSQL database of the simulation's own on ``server``, dropped afterwards."""
    name = f"pitboard_group_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(work: Path, sites: int, speed: float, database: str) -> Plant:
    """Everything started: head office first, then each site (its broker, its link, the
    site itself), all on one site clock that starts at a quarter to eight."""
    zone = parse_config(DEMO_SITE.read_text(encoding="utf-8")).zone
    today = datetime.now(zone).date()
    clock = site_clock.SiteClock.demo(today, clock_time(8, 0), zone, speed)
    hub_port = free_port()
    hub_config, passwords, conf = _hub_files(sites, work, database, hub_port)
    hub_broker = HubBroker(conf, hub_port)
    hub_broker.start()
    hub = Proc(
        "hub",
        python("pitboard", "hub", "run", "--config", str(work / "hub.toml"), "--no-web"),
        child_env(PITBOARD_MQTT_PASSWORD=passwords["hub"]),
        work / "hub.log",
    )
    hub.start()
    plant = Plant(work, clock, hub_config, database, hub_broker, hub)
    env = child_env(**{site_clock.ENV: clock.encode()})
    for i in range(sites):
        link = LinkCut(hub_port).start()
        config, path = _site_config(i, link.port, work)
        bridge = render_bridge(config, passwords[bridge_user(config.site.id)])
        bridge = "\n".join(
            SIM_RESTART if line.startswith("restart_timeout") else line
            for line in bridge.splitlines()
        )
        broker = MosquittoBroker(config, work / f"{config.site.id}-broker", extra_conf=bridge)
        broker.start()
        secrets = work / f"{config.site.id}-passwords.json"
        secrets.write_text(json.dumps(broker.passwords), encoding="utf-8")
        database_file = work / f"{config.site.id}.db"
        proc = Proc(
            config.site.id,
            python(
                "bench.group_site",
                str(path),
                broker.url,
                f"sqlite:///{database_file}",
                str(secrets),
                str(speed),
            ),
            env,
            work / f"{config.site.id}.log",
        )
        proc.start()
        plant.sites.append(Site(config.site.id, config, path, database_file, broker, link, proc))
        time.sleep(0.2)  # not all twenty migrating their databases at the same instant
    return plant
