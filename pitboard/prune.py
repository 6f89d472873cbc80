"""``pitboard prune``: the site's old inbox events, audit lines and printed prints written
to the archive and removed, by the limits of ``[retention]`` (see docs/operations.md,
"Keeping the database small"). Safe while the core runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import SiteConfig

if TYPE_CHECKING:
    from core.store.retention import Pruned

# Why rows older than the limit stay, per table.
KEPT_WHY = {
    "inbox": "each device's latest event",
    "audit_log": "",
    "prints": "not printed yet",
}
CLOCK_SAYS = {"inbox": "received", "audit_log": "recorded", "prints": "printed"}


def cmd_prune(cfg: SiteConfig, args: argparse.Namespace) -> int:
    from sqlalchemy import inspect

    from core.app import database_url
    from core.store.archive import Archive, ArchiveBusy
    from core.store.database import make_engine
    from core.store.retention import Pruner, cutoffs

    if args.batch < 1:
        print("--batch: at least one row a transaction", file=sys.stderr)
        return 2
    folder = Path(args.archive) if args.archive else cfg.archive_dir
    archive = Archive(folder / cfg.site.id, cfg.zone)
    url = args.database_url or database_url(cfg)
    nothing = "no Pitboard database there yet: start the core once"
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        print(nothing, file=sys.stderr)  # and none made by looking
        return 2
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("inbox"):
            print(nothing, file=sys.stderr)
            return 2
        verb = "would remove" if args.dry_run else "removing"
        print(f"site {cfg.site.id}: {verb} what is past [retention]; archive {archive.folder}")
        pruner = Pruner(engine, cfg.site.id, archive, batch_rows=args.batch)
        try:
            done = pruner.run(cutoffs(cfg.retention, datetime.now(UTC)), dry_run=args.dry_run)
        except ArchiveBusy as exc:
            print(exc, file=sys.stderr)
            return 1
        except OSError as exc:  # the batch it was writing stayed in the database
            print(f"cannot write the archive: {exc}; nothing more removed", file=sys.stderr)
            return 1
    finally:
        engine.dispose()

    def local(at: datetime) -> str:
        return at.astimezone(cfg.zone).strftime("%Y-%m-%d %H:%M")

    for line in report(done, args.dry_run, local):
        print(line)
    return 0


def report(done: list[Pruned], dry_run: bool, local: Callable[[datetime], str]) -> list[str]:
    """What the prune did (or would do), a line or two per table."""
    lines = []
    for d in done:
        if d.before is None:
            lines.append(f"  {d.table:<10} kept for ever ([retention] limit 0)")
            continue
        head = f"  {d.table:<10} {CLOCK_SAYS[d.table]} before {local(d.before)}:"
        if not d.rows:
            lines.append(f"{head} nothing to remove")
        else:
            months = ", ".join(f"{m} {n:,}" for m, n in sorted(d.months.items()))
            lines.append(f"{head} {d.rows:,} {'to remove' if dry_run else 'removed'} ({months})")
        if d.kept:
            lines.append(f"  {'':<10} {d.kept:,} older kept: {KEPT_WHY[d.table]}")
        if not dry_run:
            lines.extend(f"  {'':<10} → {f}" for f in sorted(d.files))
    if dry_run:
        lines.append("dry run: nothing was changed")
    return lines


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_config: Callable[[argparse.ArgumentParser], None],
    load: Callable[[str], SiteConfig],
) -> None:
    p = sub.add_parser(
        "prune",
        help="archive and remove old inbox events, audit lines and prints ([retention])",
    )
    with_config(p)
    p.add_argument("--dry-run", action="store_true", help="say what would go; change nothing")
    p.add_argument(
        "--archive",
        default=None,
        help="folder for the removed rows (default [retention] archive_dir); "
        "they go into its subfolder named after the site",
    )
    p.add_argument("--database-url", default=None, help="(default from the config)")
    p.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    p.set_defaults(func=lambda args: cmd_prune(load(args.config), args))
