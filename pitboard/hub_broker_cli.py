"""``pitboard hub acl|credentials|certs``: what head office's broker is set up with
(docs/group.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: What `pitboard hub ...` reads when --config is not given.
DEFAULT_HUB_CONFIG = "hub.toml"


def cmd_hub_acl(args: argparse.Namespace) -> int:
    from hub.broker import render_hub_acl
    from hub.config import load_hub_config

    text = render_hub_acl(load_hub_config(args.config))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_hub_credentials(args: argparse.Namespace) -> int:
    from hub.broker import write_hub_credentials
    from hub.config import load_hub_config

    out = Path(args.output)
    passwords = write_hub_credentials(load_hub_config(args.config), out)
    print(
        f"wrote {out} and {out.parent / 'credentials.env'} for {len(passwords)} users, and "
        f"{out.parent / 'hub.env'} (the hub's own): give each site its site-… line's password "
        "for its [group] bridge_password_env"
    )
    return 0


def cmd_hub_certs(args: argparse.Namespace) -> int:
    from core.certificates import issue
    from hub.config import load_hub_config

    config = load_hub_config(args.config)
    issued = issue(Path(args.output), config.hub.name, "broker", args.host)
    print(
        f"wrote {issued.cert} and {issued.key}, signed by {issued.ca_cert}: give {issued.ca_cert}"
        f" (never {issued.ca_key}) to every site for its [group] hub_ca_file"
    )
    return 0


def with_hub_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=DEFAULT_HUB_CONFIG, help="hub.toml (default: ./hub.toml)")


def add_hub_broker_commands(hsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = hsub.add_parser("acl", help="the ACL of head office's broker: the hub and every site")
    with_hub_config(a)
    a.add_argument("-o", "--output", help="file to write (default: print)")
    a.set_defaults(func=cmd_hub_acl)
    c = hsub.add_parser(
        "credentials", help="passwords for the hub and every site's bridge at head office's broker"
    )
    with_hub_config(c)
    c.add_argument(
        "-o",
        "--output",
        required=True,
        help="the Mosquitto password file; credentials.env and hub.env are written beside it",
    )
    c.set_defaults(func=cmd_hub_credentials)
    t = hsub.add_parser(
        "certs", help="head office's own CA and a certificate for its broker (mqtts:// for sites)"
    )
    with_hub_config(t)
    t.add_argument("--host", action="append", required=True, help="name or address (repeat)")
    t.add_argument("-o", "--output", required=True, help="folder for ca.crt, broker.crt, …")
    t.set_defaults(func=cmd_hub_certs)
