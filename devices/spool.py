"""The bridge's print spool: a print command is on disk before anything is printed and
leaves only when printed, so a bridge restart, a printer that is off or out of paper,
loses nothing. Failures are retried with back-off and reported.

Before the bytes of an attempt go out, the spool notes on disk that the print may be on
paper; an attempt that fails before anything left (the printer unreachable, or out of paper
when asked first) takes the note back. A print retried with the note standing — an
earlier attempt sent the ticket and was never confirmed, or the bridge stopped while it
waited — is rendered marked as a reprint.

A print on paper stays in the spool for ``KEEP_PRINTED``, long enough to know a repeated
command for it (the core stops sending one once the print's ``print.done`` reaches it),
then goes: a busy site prints a thousand documents a day, and a spool that kept them all
would grow by gigabytes a year on the bridge's machine."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.contract.printing import PrintJob
from devices.printers import PrintError
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
    # 2: whether an attempt may have put the print on paper unconfirmed (see above)
    ("ALTER TABLE spool ADD COLUMN maybe_printed INTEGER NOT NULL DEFAULT 0",),
    # 3: when a print was on paper (those printed before are counted from the upgrade), and
    # the waiting prints found without reading the printed ones
    (
        "ALTER TABLE spool ADD COLUMN printed_at REAL",
        "UPDATE spool SET printed_at = CAST(strftime('%s', 'now') AS REAL) WHERE state = 'printed'",
        "CREATE INDEX IF NOT EXISTS spool_due ON spool (state, next_try)",
    ),
)

# A document that cannot be rendered is tried again this much later (a newer bridge may
# render it); it is reported every time.
RENDER_RETRY = 3600.0
#: Seconds a print on paper is remembered (a repeated command for it is not printed again).
KEEP_PRINTED = 7 * 24 * 3600.0
#: Seconds between two looks for prints to forget.
FORGET_EVERY = 3600.0


@dataclass(frozen=True)
class Spooled:
    job: PrintJob
    attempts: int  # attempts begun so far
    maybe_printed: bool = False  # an earlier attempt may have put it on paper


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
                "SELECT job, attempts, maybe_printed FROM spool "
                "WHERE state = 'waiting' AND next_try <= ? ORDER BY rowid",
                (now,),
            ).fetchall()
        return [Spooled(PrintJob.model_validate_json(j), int(a), bool(m)) for j, a, m in rows]

    def sending(self, print_id: str, attempt: int) -> None:
        """Attempt ``attempt`` begins: from here its bytes may reach the paper."""
        with self._lock:
            self._db.execute(
                "UPDATE spool SET attempts = ?, maybe_printed = 1 WHERE print_id = ?",
                (attempt, print_id),
            )

    def printed(self, print_id: str, at: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE spool SET state = 'printed', reason = NULL, printed_at = ? "
                "WHERE print_id = ?",
                (at, print_id),
            )

    def forget_printed(self, before: float) -> int:
        """The prints on paper since before ``before`` gone; how many. A command for one of
        them coming after this would print it again."""
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM spool WHERE state = 'printed' AND printed_at < ?", (before,)
            )
        return int(cur.rowcount)

    def failed(
        self, print_id: str, attempt: int, reason: str, retry_at: float, maybe_printed: bool
    ) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE spool SET attempts = ?, next_try = ?, reason = ?, maybe_printed = ? "
                "WHERE print_id = ?",
                (attempt, retry_at, reason, int(maybe_printed), print_id),
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
    """Prints what is due, one job at a time: ``render`` makes an item's bytes, ``send``
    puts them on its printer (raising PrintError unless the printer confirmed them), and
    ``on_result(job, failure or None, attempt)`` hears how each attempt went."""

    def __init__(
        self,
        spool: Spool,
        render: Callable[[Spooled], bytes],
        send: Callable[[PrintJob, bytes], None],
        on_result: Callable[[PrintJob, str | None, int], None],
        poll: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spool, self.render, self.send, self.on_result = spool, render, send, on_result
        self.poll, self.clock = poll, clock
        self._forget_at = float("-inf")  # the first look at start
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
        while not self._stop.is_set():
            for item in self.spool.due(self.clock()):
                if self._stop.is_set():
                    return
                self._attempt(item)
            self._forget_old()
            self._wake.wait(self.poll)
            self._wake.clear()

    def _forget_old(self) -> None:
        now = self.clock()
        # Once an hour; a clock set back looks again at once rather than an hour late.
        if self._forget_at - FORGET_EVERY <= now < self._forget_at:
            return
        self._forget_at = now + FORGET_EVERY
        try:
            gone = self.spool.forget_printed(now - KEEP_PRINTED)
        except Exception:  # the spool's disk: printing goes on, the look an hour on tries again
            logger.exception("forgetting the prints on paper a week ago failed")
            return
        if gone:
            logger.info("%d prints on paper before %s forgotten", gone, _day(now - KEEP_PRINTED))

    def _attempt(self, item: Spooled) -> None:
        job, attempt = item.job, item.attempts + 1
        try:
            data = self.render(item)
        except Exception as exc:
            logger.exception("print %s cannot be printed", job.print_id)
            retry_at = self.clock() + RENDER_RETRY
            self.spool.failed(job.print_id, attempt, "render_error", retry_at, item.maybe_printed)
            self.on_result(job, f"render_error: {exc.__class__.__name__}", attempt)
            return
        self.spool.sending(job.print_id, attempt)
        try:
            self.send(job, data)
        except Exception as exc:
            err = exc if isinstance(exc, PrintError) else _unexpected(job, exc)
            logger.warning("print %s failed: %s (%s)", job.print_id, err.reason, err)
            retry_at = self.clock() + backoff(attempt)
            maybe = item.maybe_printed or err.sent
            self.spool.failed(job.print_id, attempt, err.reason, retry_at, maybe)
            self.on_result(job, err.reason, attempt)
            return
        self.spool.printed(job.print_id, self.clock())
        self.on_result(job, None, attempt)


def _day(moment: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(moment))


def _unexpected(job: PrintJob, exc: Exception) -> PrintError:
    logger.error("print %s: unexpected %r", job.print_id, exc)
    return PrintError("failed", f"{exc.__class__.__name__}: {exc}", sent=True)
