"""The jobs' rows, written so that SQLite rewrites no index whose column did not change.

SQLite rewrites an index entry for every column an update sets, changed or not: a job's
plate, public token and check-in time are indexed, so updating them with the rest put
three pages more into the write-ahead log of every tap (six pages for the job's row where
three do; the inbox, audit and technician rows add five). They are fixed when the order is
opened, so once this store has written them, an update leaves them out. A job whose fixed
columns are not known to be stored as they are (the first write after a start, after a
failed commit, or a value that did change) is written whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

from .committed import Committed
from .tables import JobRow

Rows = list[dict[str, Any]]
Upsert = Callable[[Connection, Any, Rows, tuple[str, ...], tuple[str, ...]], None]

KEYS = ("site", "ro")
#: Set when the order is opened (core/domain/workshop.py), never by a later step.
FIXED = ("plate", "public_token", "checked_in_at")


class JobRowWrites(Committed[tuple[Any, ...]]):
    """Each job's fixed columns as the last commit stored them."""

    def __init__(self, upsert: Upsert) -> None:
        super().__init__()
        self._upsert = upsert

    def write(self, conn: Connection, rows: Rows) -> None:
        """Inside the batch's transaction; ``committed`` or ``forget`` once it has ended."""
        known: Rows = []
        whole: Rows = []
        for row in rows:
            fixed = tuple(row[c] for c in FIXED)
            (known if self.stored(row["ro"]) == fixed else whole).append(row)
            self.writing(row["ro"], fixed)
        table = JobRow.__table__
        if known:
            self._upsert(conn, table, known, KEYS, FIXED)
        if whole:
            self._upsert(conn, table, whole, KEYS, ())
