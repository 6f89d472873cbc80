"""SQLite's write-ahead log copied into the database by a thread of its own, not by a tap.

SQLite copies the log into the database itself once it holds a thousand pages, inside the
commit that crossed the line: with a site's year in the file that commit waited tens of
milliseconds (the pages written where they belong and the database file synced) before
its ack and its bay's state, about every hundred and forty taps. Here a thread copies what
has been committed twice a second on a connection of its own (a ``PASSIVE`` checkpoint: it
never waits for the writer or a reader, and neither waits for it); between taps it copies
all of it, and the log starts again from its beginning at the next commit. A copy that
never catches up (a flood of commits with no pause) would let the log grow without end: so
the writer still copies it itself past ``WRITER_BACKSTOP`` pages, then only what this
thread has not copied yet. PostgreSQL keeps its own log: nothing of this runs there."""

from __future__ import annotations

import logging
import sqlite3
import threading

logger = logging.getLogger(__name__)

#: SQLite's own: after this many pages in the log, a commit copies it into the database.
SQLITE_AUTO_CHECKPOINT = 1000
#: Pages in the log past which the core's writer copies it itself (16 MiB): reached only
#: when this thread cannot catch up with a flood, or has stopped.
WRITER_BACKSTOP = 4000
#: Seconds between two copies.
EVERY = 0.5
#: Seconds before a connection that could not be opened is tried again.
RETRY = 5.0


class WalCheckpoints:
    """Copies the committed log of the SQLite database at ``path`` into it, every
    ``every`` seconds, on its own thread."""

    def __init__(self, path: str, every: float = EVERY) -> None:
        self.path = path
        self.every = every
        self.copies = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def start(self) -> WalCheckpoints:
        self._thread = threading.Thread(target=self._run, name="pitboard-wal", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        conn = self._connect()
        while not self._stop.wait(self.every if conn is not None else RETRY):
            if conn is None:
                conn = self._connect()
            if conn is not None:
                self.copy(conn)
        if conn is not None:
            conn.close()

    def _connect(self) -> sqlite3.Connection | None:
        try:
            return sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
        except sqlite3.Error as exc:
            self._said(f"opening the database to copy its log into it failed: {exc}")
            return None

    def _said(self, problem: str) -> None:
        if not self._failing:  # said once, not every time
            logger.warning(
                "%s; the core's writer copies it past %d pages", problem, WRITER_BACKSTOP
            )
        self._failing = True

    def copy(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        """One checkpoint: (1 if it had to stop short, frames in the log, frames copied)."""
        try:
            busy, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            self._said(f"copying the database's log into it failed: {exc}")
            return (1, -1, -1)
        if self._failing:
            logger.info("the database's log is copied into it again")
        self._failing = False
        self.copies += 1
        return (busy, log, copied)
