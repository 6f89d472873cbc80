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
from datetime import datetime
from pathlib import Path
from typing import Unpack

from core.contract import site_clock
from core.contract.messages import Envelope, dump, event_digest, make_event
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
    # 2: 'synced' once the core has answered one of ours. An outbox that has numbered
    # events before knows where it stands; a new one (a reinstalled tablet) does not yet.
    ("INSERT OR IGNORE INTO meta SELECT 'synced', 1 FROM meta WHERE key = 'seq'",),
)

# Answers are kept only so a screen can show what happened to recent taps.
_KEEP_ANSWERS = 200


def _names(event: str | None, payload: bytes) -> bool:
    """Whether an answer is for this payload (an answer naming nothing is taken as is)."""
    return event is None or event == event_digest(payload)


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
        at = fields.get("ts") or site_clock.now()
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
        self,
        seq: int,
        result: str,
        code: str | None = None,
        message: str | None = None,
        event: str | None = None,
    ) -> Answer | None:
        """The core answered ``seq``: the event leaves the outbox. None if it was not there,
        or if the answer names another message (``event``, its digest)."""
        now = site_clock.now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT type, payload FROM outbox WHERE seq = ?", (seq,)
                ).fetchone()
                if row is None or not _names(event, bytes(row[1])):
                    self._db.execute("COMMIT")
                    return None
                job = json.loads(row[1]).get("job")
                self._set_synced()
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

    def move(self, seq: int, next_seq: int, event: str | None = None) -> list[Pending]:
        """The core had ``seq`` from another message (a lost outbox began again at 1, or
        someone published under our name): the event, with every later one still here
        under a number the core had already used (below ``next_seq``), goes again, in
        order, under new numbers past the core's and past every one given out here.
        Nothing if the event is not here or the answer names another message."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                first = self._db.execute(
                    "SELECT payload FROM outbox WHERE seq = ?", (seq,)
                ).fetchone()
                if first is None or not _names(event, bytes(first[0])):
                    self._db.execute("COMMIT")
                    return []
                # Until the core has answered one of ours, nothing but this one was sent:
                # every event here follows it, whatever its number.
                upto = next_seq if self._meta("synced") else None
                moved = self._renumber(seq, next_seq, upto)
                self._set_synced()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return moved

    def begin_after(self, seq: int) -> bool:
        """A device set up where the core already holds numbers of its name (the demo's
        weeks of history, tapped at these kiosks): its own begin after ``seq``, as if it
        had sent those, so its first event is not refused as a number taken. Only for an
        outbox that has numbered nothing yet; returns whether it did."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                fresh = self._meta("seq") is None
                if fresh and seq > 0:
                    self._db.execute("INSERT INTO meta VALUES ('seq', ?)", (seq,))
                    self._set_synced()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return fresh and seq > 0

    def _set_synced(self) -> None:
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('synced', 1)")

    @property
    def synced(self) -> bool:
        """Whether the core has answered one of this outbox's events: until then a device
        sends one event at a time (its numbers may be ones the core had)."""
        with self._lock:
            return bool(self._meta("synced"))

    def _renumber(self, seq: int, next_seq: int, upto: int | None) -> list[Pending]:
        rows = self._db.execute(
            "SELECT seq, type, payload, created_at FROM outbox WHERE seq >= ? AND seq < ?"
            " ORDER BY seq",
            (seq, 2**63 - 1 if upto is None else max(upto, seq + 1)),
        ).fetchall()
        # Not yet synced, every event here moves and none was answered: they follow on from
        # the core's number exactly (past our own would leave a gap the core waits on).
        new = next_seq if upto is None else max(next_seq, (self._meta("seq") or 0) + 1)
        moved = []
        # All out first: the new numbers may be ones the moved events had.
        self._db.executemany("DELETE FROM outbox WHERE seq = ?", [(r[0],) for r in rows])
        for _old, type_, payload, created_at in rows:
            envelope = Envelope.model_validate_json(bytes(payload))
            body = dump(envelope.model_copy(update={"seq": new}))
            self._db.execute(
                "INSERT INTO outbox VALUES (?, ?, ?, ?)", (new, type_, body, created_at)
            )
            moved.append(Pending(new, str(type_), body))
            new += 1
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (new - 1,))
        return moved

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
