"""``pitboard hub run|migrate``: head office's hub and its database."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.mqtt.client import MqttClient
    from hub.config import HubConfig

logger = logging.getLogger("pitboard")
#: Seconds between looks at whether head office's broker refused the hub.
REFUSAL_POLL = 0.5


def with_hub_config(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        default=os.environ.get("PITBOARD_HUB_CONFIG", "hub.toml"),
        help="head office's configuration TOML (default hub.toml)",
    )


def _load(path: str) -> HubConfig:
    from hub.config import load_hub_config

    return load_hub_config(path)


def cmd_hub_migrate(args: argparse.Namespace) -> int:
    """Bring the hub's database to the newest schema (the hub does it on start too)."""
    from sqlalchemy.engine import make_url

    from hub.store import database_url, open_engine

    cfg = _load(args.config)
    url = args.database_url or database_url(cfg)
    engine = open_engine(url)
    engine.dispose()
    print(f"hub database {make_url(url).render_as_string(hide_password=True)}: up to date")
    return 0


def cmd_hub_run(args: argparse.Namespace) -> int:
    """Run the hub: every site's feed applied, the group dashboard served."""
    from core.mqtt import BrokerAddress
    from hub.service import Hub
    from pitboard.app import stop_on_signals, wait_for_signal

    cfg = _load(args.config)
    if not cfg.broker.url:
        print("pitboard hub run needs head office's broker: set [broker] url", file=sys.stderr)
        return 2
    password = cfg.broker.password
    if password is None:
        logger.warning(
            "%s is not set: connecting to the broker without a password", cfg.broker.password_env
        )
    address = BrokerAddress.from_url(
        cfg.broker.url,
        cfg.broker.username,
        password,
        "3.1.1" if cfg.broker.protocol == "3.1.1" else "5",
        cfg.broker.ca_file,
    )
    stop = stop_on_signals()  # from before the hub starts: a refusal may come at once
    hub = Hub(cfg, address, database_url=args.database_url).start()
    logger.info(
        "hub %s: %d sites, broker %s:%s as %s",
        cfg.hub.name,
        len(cfg.sites),
        address.host,
        address.port,
        address.username,
    )
    try:
        if args.no_web:
            refused = _stop_when_refused(hub.client, stop)
            wait_for_signal(stop)
        else:
            from nicegui import app

            from pitboard.web import serve_group

            serving = threading.Event()
            app.on_startup(serving.set)
            refused = _stop_when_refused(hub.client, stop, serving)
            serve_group(hub.reader, cfg)
    finally:
        hub.stop()
    return 1 if refused.is_set() else 0


def _stop_when_refused(
    client: MqttClient, stop: threading.Event, serving: threading.Event | None = None
) -> threading.Event:
    """A hub that head office's broker refuses (a wrong or rotated password) applies
    nothing: it ends, non-zero, for its supervisor (systemd, compose) to start it again
    rather than running on without a connection. Returns an event set once it did; with
    ``serving``, the dashboard's server is told to stop (SIGTERM) once it has started."""
    refused = threading.Event()

    def watch() -> None:
        while client.refused is None:
            if client.state == "stopped":
                return  # the hub stopped for another reason
            time.sleep(REFUSAL_POLL)
        logger.error(
            "head office's broker refused the hub (%s): stopping, for the supervisor to "
            "start it again once the password is right",
            client.refused,
        )
        refused.set()
        stop.set()
        if serving is not None:
            serving.wait()
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="hub-refusal-watch", daemon=True).start()
    return refused


def add_hub_commands(hsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``run`` and ``migrate`` on the ``hub`` command's subcommands."""
    p = hsub.add_parser("run", help="run the hub: apply every site's feed, serve the dashboard")
    with_hub_config(p)
    p.add_argument("--no-web", action="store_true", help="no dashboard: the feed only")
    p.add_argument("--database-url", default=None, help="(default from the config)")
    p.set_defaults(func=cmd_hub_run)

    p = hsub.add_parser("migrate", help="bring the hub's database to the newest schema")
    with_hub_config(p)
    p.add_argument("--database-url", default=None, help="(default from the config)")
    p.set_defaults(func=cmd_hub_migrate)
