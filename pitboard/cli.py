"""The ``pitboard`` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import ConfigError, SiteConfig, load_config
from core.logs import setup as setup_logging

if TYPE_CHECKING:
    from core.mqtt import BrokerAddress

logger = logging.getLogger("pitboard")

DEMO_CONFIG = "demo"


def _config(path: str) -> SiteConfig:
    if path == DEMO_CONFIG:
        text = resources.files("core.demo").joinpath("site.toml").read_text(encoding="utf-8")
        from core.config import parse_config

        return parse_config(text, "demo site")
    return load_config(path)


def cmd_check_config(args: argparse.Namespace) -> int:
    cfg = _config(args.config)
    consoles = sum(1 for k in cfg.kiosks if k.by_hand)
    screens = len(cfg.kiosks) - consoles
    kiosks = f"{screens} kiosk{'' if screens == 1 else 's'}"
    if consoles:  # a console taps by hand (mosquitto_pub): no screen stands there
        kiosks += f" and {consoles} console{'' if consoles == 1 else 's'} sending by hand"
    print(
        f"{args.config}: OK — site {cfg.site.id}, {len(cfg.bays)} bays, "
        f"{len(cfg.technicians)} technicians, {kiosks}"
    )
    return 0


def cmd_core(args: argparse.Namespace) -> int:
    """Run the core service alone against a configured broker and database."""
    from pitboard.app import Pitboard, Plan
    from pitboard.web import session_secret

    cfg = _config(args.config).on_port(args.web_port or None)
    if not (args.broker_url or cfg.broker.url):
        print(
            "pitboard core needs a broker: set [broker] url or pass --broker-url", file=sys.stderr
        )
        return 2
    # Asked first: a site that cannot sign anyone in safely starts nothing.
    secret = session_secret(cfg) if args.web_port != 0 else None
    site = Pitboard(cfg, Plan(broker_url=args.broker_url, database_url=args.database_url))
    site.start()
    if secret is None:
        site.wait()
    else:
        site.serve(cfg.web.host, args.web_port or cfg.web.port, secret)
    return 0


def _device_address(cfg: SiteConfig, url: str | None) -> BrokerAddress | None:
    """Where a device process finds the broker; its user and password are its own."""
    from core.mqtt import BrokerAddress
    from pitboard.app import mqtt_version

    url = url or cfg.broker.url
    if not url:
        return None
    return BrokerAddress.from_url(url, None, None, mqtt_version(cfg), cfg.broker.ca_file)


def cmd_kiosk(args: argparse.Namespace) -> int:
    """Run one bay's kiosk on this PC against the site's broker."""
    from kiosk.app import kiosk_device
    from pitboard.web import serve_kiosk

    cfg = _config(args.config)
    address = _device_address(cfg, args.broker_url)
    if address is None:
        print(
            "pitboard kiosk needs a broker: set [broker] url or pass --broker-url", file=sys.stderr
        )
        return 2
    try:
        device = kiosk_device(cfg, args.bay)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    password = os.environ.get(args.password_env)
    if password is None:
        logger.warning(
            "%s is not set: connecting to the broker without a password", args.password_env
        )
    state = Path(args.state_dir or Path(cfg.data_dir) / "kiosks")
    logger.info("kiosk %s for bay %s", device, args.bay)
    return serve_kiosk(cfg, args.bay, address, password, args.host, args.port, state)


def cmd_devices(args: argparse.Namespace) -> int:
    """Run the devices bridge: the key-cabinet readers attached to this PC."""
    from devices.bridge import Bridge, reader_specs
    from pitboard.app import wait_for_signal

    cfg = _config(args.config)
    address = _device_address(cfg, args.broker_url)
    if address is None:
        print(
            "pitboard devices needs a broker: set [broker] url or pass --broker-url",
            file=sys.stderr,
        )
        return 2
    password = os.environ.get(args.password_env)
    if password is None:
        logger.warning("%s is not set: connecting without a password", args.password_env)
    state = Path(args.state_dir or Path(cfg.data_dir) / "bridge")
    bridge = Bridge(cfg, address, password, state).start()
    specs = reader_specs(cfg)
    logger.info(
        "bridge %s: %d key reader(s)%s",
        cfg.bridge.device,
        len(specs),
        "".join(f"\n  {s.cabinet} slot {s.slot} ({s.mode}) on {s.url}" for s in specs),
    )
    wait_for_signal()
    bridge.stop()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run everything on this machine: broker, core, pages, kiosks, simulated devices."""
    from pitboard.app import Pitboard, Plan
    from pitboard.web import session_secret
    from pitboard.welcome import welcome

    cfg = _config(args.config).on_port(args.port)
    secret = session_secret(cfg)
    database = None
    if args.demo:  # its own data, afresh, on its own clock: see core/demo/setup.py
        from core.contract import site_clock
        from core.demo.setup import prepare

        demo = prepare(cfg, args.speed)
        site_clock.install(demo.clock)
        cfg, database = demo.config, demo.database_url
    plan = Plan(everything=True, demo=args.demo, speed=args.speed, database_url=database)
    site = Pitboard(cfg, plan).start()
    port = args.port or cfg.web.port
    print(welcome(site, cfg.web.host, port), flush=True)
    site.serve(cfg.web.host, port, secret)
    return 0


def cmd_broker_acl(args: argparse.Namespace) -> int:
    from core.contract.acl import render_acl

    text = render_acl(_config(args.config))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_broker_certs(args: argparse.Namespace) -> int:
    from core.certificates import issue

    cfg = _config(args.config)
    issued = issue(Path(args.output), cfg.site.id, args.name, args.host)
    print(
        f"wrote {issued.cert} and {issued.key}, signed by {issued.ca_cert}: give {issued.ca_cert}"
        f" (never {issued.ca_key}) to every kiosk PC and the devices bridge"
    )
    return 0


def cmd_broker_credentials(args: argparse.Namespace) -> int:
    from core.broker import write_credentials

    out = Path(args.output)
    passwords = write_credentials(_config(args.config), out)
    print(f"wrote {out / 'passwd'} and {out / 'credentials.env'} for {len(passwords)} users")
    return 0


def cmd_broker_bridge(args: argparse.Namespace) -> int:
    """The site broker's bridge to head office (docs/group.md), its password in it."""
    from core.contract.bridge import BridgeError, bridge_password, render_bridge, write_bridge

    cfg = _config(args.config)
    try:
        text = render_bridge(cfg, bridge_password(cfg))
    except BridgeError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not cfg.group.enabled:
        logger.warning("[group] enabled is false: the bridge will carry nothing until it is true")
    if args.output:
        write_bridge(args.output, text)
        print(f"wrote {args.output} (0600): put it in the site broker's conf.d and restart it")
    else:
        sys.stdout.write(text)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from core.contract.document import write_docs

    for path in write_docs(Path(args.output), _config(args.config)):
        print(f"wrote {path}")
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Print the hash of a board user's password for the site config's [[users]]."""
    import getpass

    from board.auth import hash_password

    password = args.password if args.password is not None else getpass.getpass("password: ")
    if len(password) < 8:
        print("a password needs at least 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    """Set a technician's kiosk PIN in the site file, or hash every plain PIN of an old one."""
    import getpass

    from pitboard.pins import PinError, hash_plain_pins, min_length, set_pin

    if args.config == DEMO_CONFIG:
        print("name the site file: pitboard pin T001 --config site.toml", file=sys.stderr)
        return 2
    path = Path(args.config)
    try:
        if args.hash_plain:
            done = hash_plain_pins(path)
            print(
                f"{path}: {len(done)} plain PIN(s) now kept as hashes{': ' if done else ''}"
                f"{', '.join(done)}"
            )
            return 0
        if not args.tech:
            print("whose PIN? pitboard pin T001 --config site.toml", file=sys.stderr)
            return 2
        pin = getpass.getpass(f"new PIN for {args.tech} ({min_length(path)}+ digits): ")
        if getpass.getpass("again: ") != pin:
            print("the two PINs differ: nothing changed", file=sys.stderr)
            return 2
        set_pin(path, args.tech, pin)
    except PinError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{path}: PIN of {args.tech} set (kept as a hash); copy the file to the kiosk PCs")
    return 0


def with_config(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        default=os.environ.get("PITBOARD_CONFIG", DEMO_CONFIG),
        help="site configuration TOML (default: the demo site)",
    )


def add_site_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``run`` (everything on one machine) and ``core`` (the core service alone)."""
    p = sub.add_parser("run", help="run everything on this machine (broker, core, pages, devices)")
    with_config(p)
    p.add_argument("--demo", action="store_true", help="also play a compressed workshop day")
    p.add_argument("--port", type=int, default=None, help="web port (default from config)")
    p.add_argument("--speed", type=float, default=60.0, help="demo time compression")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("core", help="run the core service alone")
    with_config(p)
    p.add_argument("--broker-url", default=None)
    p.add_argument("--database-url", default=None)
    p.add_argument(
        "--web-port",
        type=int,
        default=None,
        help="port of the pages, /api/v1, /healthz and /metrics (default from config; 0: none)",
    )
    p.set_defaults(func=cmd_core)


def add_device_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The processes on the floor's PCs: a bay's ``kiosk``, the ``devices`` bridge."""
    p = sub.add_parser("kiosk", help="run one bay's touch kiosk")
    with_config(p)
    p.add_argument("--bay", required=True, help="the bay this kiosk stands at, e.g. B03")
    p.add_argument("--broker-url", default=None, help="mqtt://host:port (default from config)")
    p.add_argument(
        "--password-env",
        default="PITBOARD_DEVICE_PASSWORD",
        help="environment variable holding this kiosk's MQTT password",
    )
    p.add_argument("--host", default="127.0.0.1", help="address the kiosk page listens on")
    p.add_argument("--port", type=int, default=8090, help="port of the kiosk page")
    p.add_argument("--state-dir", default=None, help="where the outbox lives (default data_dir)")
    p.set_defaults(func=cmd_kiosk)

    p = sub.add_parser("devices", help="run the devices bridge (key-cabinet readers)")
    with_config(p)
    p.add_argument("--broker-url", default=None, help="mqtt://host:port (default from config)")
    p.add_argument(
        "--password-env",
        default="PITBOARD_DEVICE_PASSWORD",
        help="environment variable holding the bridge's MQTT password",
    )
    p.add_argument("--state-dir", default=None, help="where the outbox lives (default data_dir)")
    p.set_defaults(func=cmd_devices)


def add_broker_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``broker acl|credentials|certs``: what the broker is set up with."""
    p = sub.add_parser("broker", help="broker set-up: ACL and credentials")
    bsub = p.add_subparsers(dest="what", required=True)
    a = bsub.add_parser("acl", help="print the Mosquitto ACL for the site")
    with_config(a)
    a.add_argument("-o", "--output")
    a.set_defaults(func=cmd_broker_acl)
    c = bsub.add_parser("credentials", help="create passwords for every device of the site")
    with_config(c)
    c.add_argument("-o", "--output", default="broker_config/site")
    c.set_defaults(func=cmd_broker_credentials)
    t = bsub.add_parser(
        "certs", help="the site's own CA and a certificate for the broker or the web pages"
    )
    with_config(t)
    t.add_argument("--host", action="append", required=True, help="name or address (repeat)")
    t.add_argument("--name", default="broker", help="file name: broker, web, …")
    t.add_argument("-o", "--output", default="broker_config/site/tls")
    t.set_defaults(func=cmd_broker_certs)
    b = bsub.add_parser(
        "bridge", help="the site broker's bridge to head office (a conf.d file with its password)"
    )
    with_config(b)
    b.add_argument("-o", "--output", help="file to write, 0600 (default: print)")
    b.set_defaults(func=cmd_broker_bridge)


def add_setup_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Keeping the site file and its secrets: passwords, PINs, API tokens, pruning, docs."""
    p = sub.add_parser("hash-password", help="hash a board user's password for [[users]]")
    p.add_argument("--password", default=None, help="(default: asked for, not echoed)")
    p.set_defaults(func=cmd_hash_password)

    p = sub.add_parser("pin", help="set a technician's kiosk PIN (kept as a hash) in the site file")
    with_config(p)
    p.add_argument("tech", nargs="?", help="the technician's id, e.g. T004 (asked for twice)")
    p.add_argument(
        "--hash-plain",
        action="store_true",
        help="turn every plain `pin` of an older site file into a `pin_hash`",
    )
    p.set_defaults(func=cmd_pin)

    from pitboard.tokens import add_parser as add_token_parser

    add_token_parser(sub, with_config, _config)

    from pitboard.prune import add_parser as add_prune_parser

    add_prune_parser(sub, with_config, _config)

    from pitboard.backups import add_parser as add_backup_parsers

    add_backup_parsers(sub, with_config, _config)

    from pitboard.site_setup import add_parser as add_site_setup_parser

    add_site_setup_parser(sub, with_config, _config)

    p = sub.add_parser("docs", help="write the protocol document and JSON Schemas")
    with_config(p)
    p.add_argument("-o", "--output", default="docs")
    p.set_defaults(func=cmd_docs)


def add_hub_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``hub …``: head office (docs/group.md) — the hub, which applies every site's group
    feed, and its broker's ACL, passwords and certificate."""
    from pitboard.hub_broker_cli import add_hub_broker_commands
    from pitboard.hub_cli import add_hub_commands

    p = sub.add_parser("hub", help="head office: the hub of a dealer group's sites, its broker")
    hsub = p.add_subparsers(dest="what", required=True)
    add_hub_commands(hsub)
    add_hub_broker_commands(hsub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pitboard", description="Pitboard workshop floor system")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--log-json", action="store_true", help="log JSON lines")
    sub = parser.add_subparsers(dest="command", required=True)
    add_site_parsers(sub)
    add_device_parsers(sub)
    p = sub.add_parser("check-config", help="validate a site configuration")
    with_config(p)
    p.add_argument("file", nargs="?")
    p.set_defaults(func=cmd_check_config)
    add_broker_parsers(sub)
    add_hub_parsers(sub)
    add_setup_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "file", None):
        args.config = args.file
    setup_logging(args.verbose, args.log_json)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
