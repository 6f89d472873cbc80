"""A device's durable outbox: every event is numbered and on disk before anyone is told
"sent", and leaves only when the core's ack for it has arrived.

One SQLite file per device. The sequence number and the event are written in the same
transaction, so a power cut can neither lose an event nor reuse a number. Kiosks and the
devices bridge use this same code.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Unpack

from core.contract.messages import make_event
from core.contract.sender import EventFields
from devices.state_file import open_state_file

# One step per schema version (see devices/state_file.py). Version 1 is the outbox as it
# was before versions were recorded; add a step for a change, never edit one.
SCHEMA_STEPS = (
    (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        """CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            payload BLOB NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS answers (
            seq INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            job TEXT,
            result TEXT NOT NULL,
            code TEXT,
            message TEXT,
            answered_at TEXT NOT NULL
        )""",
    ),
)

# Answers are kept only so a screen can show what happened to recent taps.
_KEEP_ANSWERS = 200


@dataclass(frozen=True)
class Pending:
    seq: int
    type: str
    payload: bytes


@dataclass(frozen=True)
class Answer:
    seq: int
    type: str
    job: str | None
    result: str
    code: str | None
    message: str | None
    answered_at: datetime


class Outbox:
    def __init__(self, path: Path, source: str) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._db = open_state_file(path, "device outbox", SCHEMA_STEPS)

    def _meta(self, key: str) -> int | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def add(self, type_: str, **fields: Unpack[EventFields]) -> Pending:
        """Number the event and make it durable; returns what to publish."""
        at = fields.get("ts") or datetime.now(UTC)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = (self._meta("seq") or 0) + 1
                payload = make_event(
                    self.source,
                    seq,
                    type_,
                    at,
                    bay=fields.get("bay"),
                    job=fields.get("job"),
                    tech=fields.get("tech"),
                    data=fields.get("data"),
                )
                self._db.execute(
                    "INSERT INTO meta VALUES ('seq', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (seq,),
                )
                self._db.execute(
                    "INSERT INTO outbox VALUES (?, ?, ?, ?)",
                    (seq, type_, payload, at.isoformat()),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Pending(seq, type_, payload)

    def pending(self, after: int = 0, limit: int = -1) -> list[Pending]:
        """Unanswered events with ``seq`` above ``after``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, type, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [Pending(int(s), str(t), bytes(p)) for s, t, p in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._meta("seq") or 0

    def answered(
        self, seq: int, result: str, code: str | None = None, message: str | None = None
    ) -> Answer | None:
        """The core answered ``seq``: the event leaves the outbox. None if it was not there."""
        now = datetime.now(UTC)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT type, payload FROM outbox WHERE seq = ?", (seq,)
                ).fetchone()
                if row is None:
                    self._db.execute("COMMIT")
                    return None
                job = json.loads(row[1]).get("job")
                self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
                self._db.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (seq, row[0], job, result, code, message, now.isoformat()),
                )
                self._db.execute("DELETE FROM answers WHERE seq <= ?", (seq - _KEEP_ANSWERS,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Answer(seq, str(row[0]), job, result, code, message, now)

    def answers(self, limit: int = 20) -> list[Answer]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, type, job, result, code, message, answered_at FROM answers "
                "ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            Answer(int(s), t, j, r, c, m, datetime.fromisoformat(a)) for s, t, j, r, c, m, a in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()
