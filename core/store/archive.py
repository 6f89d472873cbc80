"""The archive `pitboard prune` writes before it removes anything: the removed rows as JSON
Lines compressed with gzip, one file per table and month (``inbox-2026-01.jsonl.gz``).

Each batch is appended to its files as a gzip member of its own and forced to disk before
the rows' delete commits, so nothing leaves the database without being in the archive. A
batch that fails before its commit is rolled back (a half-written one is cut off again); one
whose commit fails, or a prune stopped between the two (the machine lost its power), may
leave the batch in the archive and in the database: the next prune writes it again, and
reading drops the doubles by key."""

from __future__ import annotations

import fcntl
import gzip
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SUFFIX = ".jsonl.gz"


class ArchiveBusy(Exception):
    """Another prune writes to the same archive folder."""


@dataclass(frozen=True)
class Appended:
    """A file a batch appended to, and its length before: where to cut it back to."""

    path: Path
    length_before: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot archive a {type(value).__name__}")


def encode(row: Mapping[str, Any]) -> str:
    """One row as one line of JSON (times in ISO 8601 with their offset)."""
    return json.dumps(dict(row), ensure_ascii=False, default=_plain, separators=(",", ":"))


class Archive:
    """One site's archive folder."""

    def __init__(self, folder: Path, zone: ZoneInfo) -> None:
        self.folder = folder
        self.zone = zone

    def file(self, table: str, month: str) -> Path:
        return self.folder / f"{table}-{month}{SUFFIX}"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Only one prune at a time appends here (two would interleave their batches)."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self.folder.mkdir(mode=0o700, exist_ok=True)  # the log of who did what: not for all
        with open(self.folder / ".prune.lock", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ArchiveBusy(f"another prune is writing to {self.folder}") from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def month(self, at: datetime) -> str:
        """The month a row is filed under: of its time in the workshop's zone."""
        return at.astimezone(self.zone).strftime("%Y-%m")

    def append(self, table: str, rows: Sequence[Mapping[str, Any]], clock: str) -> list[Appended]:
        """Append the rows to their months' files and force them to disk."""
        by_month: dict[str, list[str]] = {}
        for row in rows:
            by_month.setdefault(self.month(row[clock]), []).append(encode(row))
        done: list[Appended] = []
        try:
            for month, lines in sorted(by_month.items()):
                done.append(self._append_member(self.file(table, month), lines))
        except BaseException:
            self.take_back(done)
            raise
        return done

    def _append_member(self, path: Path, lines: list[str]) -> Appended:
        member = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
        new = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with open(fd, "ab") as f:
            before = f.seek(0, os.SEEK_END)
            try:
                f.write(member)
                f.flush()
                os.fsync(f.fileno())
            except BaseException:
                f.truncate(before)
                raise
        if new:  # the file's name must survive a power cut as well as its bytes
            _fsync_folder(path.parent)
        return Appended(path, before)

    @staticmethod
    def take_back(appended: Sequence[Appended]) -> None:
        """Cut the files back to where they were before a batch that failed half-written."""
        for a in appended:
            with open(a.path, "r+b") as f:
                f.truncate(a.length_before)
                os.fsync(f.fileno())

    def lines(self, table: str) -> Iterator[dict[str, Any]]:
        """Every archived row of a table as written, oldest month first."""
        for path in sorted(self.folder.glob(f"{table}-*{SUFFIX}")):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield json.loads(line)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
