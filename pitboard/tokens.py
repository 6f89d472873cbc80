"""``pitboard token``: API tokens for the dealer system and dashboards, made, listed and
revoked on the site's database (the core need not be running; a revoked token is refused
by a running core at its next request)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from core.config import ID_PATTERN, SiteConfig

if TYPE_CHECKING:
    from core.access import Access


@contextmanager
def site_access(
    cfg: SiteConfig, database_url: str | None
) -> Iterator[tuple[Access, Callable[..., str]]]:
    """The site's tokens, and how to show a stored time in the workshop's zone."""
    from core.access import Access
    from core.app import database_url as configured_url
    from core.store.access import AccessStore
    from core.store.database import make_engine, migrate

    engine = make_engine(database_url or configured_url(cfg))
    try:
        migrate(engine)
        yield (
            Access(AccessStore(engine, cfg.site.id), cfg.web),
            (lambda at: at.astimezone(cfg.zone).strftime("%Y-%m-%d %H:%M")),
        )
    finally:
        engine.dispose()


def who() -> str:
    """How the audit log names a person at the command line."""
    return f"cli:{getpass.getuser()}"[:64]


def cmd_create(cfg: SiteConfig, args: argparse.Namespace) -> int:
    from core.domain.access import Scope

    if not ID_PATTERN.match(args.name):
        print(
            "a token's name is letters, digits, '.', '_' or '-' (at most 64), "
            f"e.g. dms or grafana; not {args.name!r}",
            file=sys.stderr,
        )
        return 2
    with site_access(cfg, args.database_url) as (access, _):
        token, secret = access.create_token(args.name, Scope(args.scope), by=who())
    print(f"API token {token.name} ({token.scope}), id {token.id}:\n\n    {secret}\n")
    print(
        "It is shown only this once: put it in the calling system's settings now "
        f"(Authorization: Bearer …). Revoke it with `pitboard token revoke {token.id}`."
    )
    return 0


def cmd_list(cfg: SiteConfig, args: argparse.Namespace) -> int:
    with site_access(cfg, args.database_url) as (access, local):
        tokens = access.tokens()
    if not tokens:
        print("no API tokens: make one with `pitboard token create --scope read|write --name X`")
    for t in tokens:
        state = "live" if t.revoked_at is None else f"revoked {local(t.revoked_at)}"
        print(f"{t.id}  {t.name:<20} {t.scope:<5}  created {local(t.created_at)}  {state}")
    return 0


def cmd_revoke(cfg: SiteConfig, args: argparse.Namespace) -> int:
    with site_access(cfg, args.database_url) as (access, _):
        revoked = access.revoke_token(args.id, by=who())
    if not revoked:
        print(f"no live API token {args.id!r} (see `pitboard token list`)", file=sys.stderr)
        return 2
    print(f"API token {args.id} revoked: it is refused from its next request on")
    return 0


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_config: Callable[[argparse.ArgumentParser], None],
    load: Callable[[str], SiteConfig],
) -> None:
    p = sub.add_parser("token", help="API tokens: create, list, revoke")
    tsub = p.add_subparsers(dest="what", required=True)

    def command(
        name: str, help_: str, run: Callable[[SiteConfig, argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        c = tsub.add_parser(name, help=help_)
        with_config(c)
        c.add_argument("--database-url", default=None, help="(default from the config)")
        c.set_defaults(func=lambda args: run(load(args.config), args))
        return c

    c = command("create", "make a token and print it (once)", cmd_create)
    c.add_argument("--scope", required=True, choices=["read", "write"])
    c.add_argument("--name", required=True, help="who uses it, e.g. dms or grafana")
    command("list", "list the tokens (never the tokens themselves)", cmd_list)
    r = command("revoke", "refuse a token from now on", cmd_revoke)
    r.add_argument("id", help="the token's id from `pitboard token list`")
