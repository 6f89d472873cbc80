"""The bridge's print spool: a print command is on disk before anything is printed and
leaves only when printed, so a bridge restart, a printer that is off or out of paper,
loses nothing. Failures are retried with back-off and reported."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.contract.printing import PrintJob
from devices.state_file import open_state_file

logger = logging.getLogger(__name__)

# One step per schema version (see devices/state_file.py). Version 1 is the spool as it
# was before versions were recorded; add a step for a change, never edit one.
SCHEMA_STEPS = (
    (
        """CREATE TABLE IF NOT EXISTS spool (
            print_id TEXT PRIMARY KEY,
            job TEXT NOT NULL,
            state TEXT NOT NULL,          -- waiting | printed
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try REAL NOT NULL DEFAULT 0,
            reason TEXT
        )""",
    ),
)


@dataclass(frozen=True)
class Spooled:
    job: PrintJob
    attempts: int


class Spool:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._db = open_state_file(path, "print spool", SCHEMA_STEPS)

    def add(self, job: PrintJob) -> bool:
        """Keep the job; False if this print_id was seen before (a repeated command)."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO spool (print_id, job, state) VALUES (?, ?, 'waiting')",
                (job.print_id, job.model_dump_json()),
            )
            return cur.rowcount == 1

    def due(self, now: float) -> list[Spooled]:
        with self._lock:
            rows = self._db.execute(
                "SELECT job, attempts FROM spool WHERE state = 'waiting' AND next_try <= ? "
                "ORDER BY rowid",
                (now,),
            ).fetchall()
        return [Spooled(PrintJob.model_validate_json(j), int(a)) for j, a in rows]

    def printed(self, print_id: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE spool SET state = 'printed', reason = NULL WHERE print_id = ?", (print_id,)
            )

    def failed(self, print_id: str, reason: str, retry_at: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE spool SET attempts = attempts + 1, next_try = ?, reason = ? "
                "WHERE print_id = ?",
                (retry_at, reason, print_id),
            )

    def waiting(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM spool WHERE state = 'waiting'").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def backoff(attempts: int) -> float:
    """Seconds until the next try: 2, 4, 8 … at most a minute."""
    return float(min(60, 2 ** max(1, attempts)))


class PrintWorker:
    """Prints what is due, one job at a time, and tells ``on_result`` how it went."""

    def __init__(
        self,
        spool: Spool,
        print_one: Callable[[PrintJob], None],
        on_result: Callable[[PrintJob, str | None], None],
        poll: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spool, self.print_one, self.on_result, self.poll = spool, print_one, on_result, poll
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="print-worker", daemon=True)

    def start(self) -> PrintWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(10)

    def _run(self) -> None:
        from devices.printers import PrintError

        while not self._stop.is_set():
            for item in self.spool.due(self.clock()):
                if self._stop.is_set():
                    return
                try:
                    self.print_one(item.job)
                except PrintError as err:
                    logger.warning("print %s failed: %s (%s)", item.job.print_id, err.reason, err)
                    self.spool.failed(
                        item.job.print_id, err.reason, self.clock() + backoff(item.attempts + 1)
                    )
                    self.on_result(item.job, err.reason)
                    continue
                except Exception as exc:  # a document that cannot be rendered
                    logger.exception("print %s cannot be printed", item.job.print_id)
                    self.spool.failed(item.job.print_id, "render_error", self.clock() + 3600)
                    self.on_result(item.job, f"render_error: {exc.__class__.__name__}")
                    continue
                self.spool.printed(item.job.print_id)
                self.on_result(item.job, None)
            self._wake.wait(self.poll)
            self._wake.clear()
