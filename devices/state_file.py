"""A device's SQLite state file (outbox, print spool), its schema version kept in
``PRAGMA user_version`` and brought up to date in place when the file is opened."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

#: One step per version: ``steps[k]`` holds the statements that take a file from version
#: ``k`` to ``k + 1``, so the code's version is ``len(steps)``.
Steps = Sequence[Sequence[str]]


class NewerFileError(RuntimeError):
    """The file was written by a newer Pitboard than this one; it is left as it is."""


def open_state_file(path: Path, what: str, steps: Steps) -> sqlite3.Connection:
    """Open (or create) ``path`` at the newest version, for one process's exclusive use.

    A file written before versions were recorded reads 0; the first step creates its
    tables only if they are missing, so such a file and a new one both come to version 1.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        # Refuse a newer file before anything below writes to it (WAL mode included).
        _refuse_newer(db, path, what, len(steps))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        _migrate(db, path, what, steps)
    except BaseException:
        db.close()
        raise
    return db


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(db: sqlite3.Connection, path: Path, what: str, known: int) -> int:
    found = schema_version(db)
    if found > known:
        raise NewerFileError(
            f"{path} is a {what} of schema version {found}, newer than the {known} this "
            "Pitboard knows; it was left untouched: run the newer Pitboard with it"
        )
    return found


def _migrate(db: sqlite3.Connection, path: Path, what: str, steps: Steps) -> None:
    """Run the missing steps and record the new version in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        found = _refuse_newer(db, path, what, len(steps))  # read again under the lock
        for step in steps[found:]:
            for statement in step:
                db.execute(statement)
        if found < len(steps):
            db.execute(f"PRAGMA user_version = {len(steps):d}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if 0 < found < len(steps):
        logger.info("%s: %s brought from version %d to %d", path, what, found, len(steps))
