"""``pitboard backup`` and ``pitboard restore``: the site's database to one portable file
and back (see docs/operations.md, "Backup and restore"). A backup is safe while the core
runs; a restore wants the core stopped and an empty database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from core.config import SiteConfig


def _url(cfg: SiteConfig, given: str | None) -> str:
    from core.app import database_url

    return given or database_url(cfg)


def _shown(url: str) -> str:
    from sqlalchemy.engine.url import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_backup(cfg: SiteConfig, args: argparse.Namespace) -> int:
    from core.store.backup import BackupError, backup

    url = _url(cfg, args.database_url)
    out = Path(args.output or f"pitboard-{cfg.site.id}-{datetime.now():%Y%m%d-%H%M}.backup.gz")
    try:
        written = backup(url, out)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    total = sum(written.rows.values())
    print(f"wrote {out}: {total:,} rows of {_shown(url)} at schema revision {written.revision}")
    for name, n in written.rows.items():
        print(f"  {name:<18} {n:,}")
    return 0


def cmd_restore(cfg: SiteConfig, args: argparse.Namespace) -> int:
    from core.store.backup import BackupError, read_header, restore

    url = _url(cfg, args.database_url)
    source = Path(args.backup_file)
    try:
        header = read_header(source)
        written = restore(url, source, force=args.force)
    except (BackupError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    total = sum(written.rows.values())
    print(
        f"restored {source} (written {header['written_at']} from {header['dialect']}, "
        f"revision {written.revision}) into {_shown(url)}: {total:,} rows; schema now at "
        "the newest revision. Start the core."
    )
    return 0


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_config: Callable[[argparse.ArgumentParser], None],
    load: Callable[[str], SiteConfig],
) -> None:
    p = sub.add_parser(
        "backup", help="write the site's database to one file (safe while the core runs)"
    )
    with_config(p)
    p.add_argument(
        "-o", "--output", default=None, help="file (default pitboard-{site}-{time}.backup.gz)"
    )
    p.add_argument("--database-url", default=None, help="(default from the config)")
    p.set_defaults(func=lambda args: cmd_backup(load(args.config), args))

    p = sub.add_parser("restore", help="put a backup into an empty database (SQLite or PostgreSQL)")
    with_config(p)
    # Not named "file": that name is check-config's site file.
    p.add_argument("backup_file", metavar="FILE", help="a file `pitboard backup` wrote")
    p.add_argument("--database-url", default=None, help="(default from the config)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace everything in a database that is not empty (its tables are dropped)",
    )
    p.set_defaults(func=lambda args: cmd_restore(load(args.config), args))
