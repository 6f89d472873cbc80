"""SQLite's log is copied into the database apart from the core's commits: a commit the
core waits for (a tap's, before its ack) does not do the copying; the log's own thread
does, and the log starts again from its beginning once all of it is in. Past a backstop the
writer copies what is left itself, so a flood the thread cannot keep up with, or a thread
that stopped, never lets the log grow without end."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from core.domain.workshop import Workshop
from core.engine.effects import Rows
from core.store import repository
from core.store.database import make_engine, migrate
from core.store.repository import AuditEntry, Batch, Store
from core.store.wal import WalCheckpoints
from tests.helpers import T0, domain_workshop

#: More pages than SQLite lets its log hold before a commit copies it (1,000), fewer than
#: the writer's backstop.
LINES = 500


def a_store(tmp_path: Path) -> tuple[Store, Path]:
    engine = make_engine(f"sqlite:///{tmp_path / 'pitboard.sqlite3'}")
    migrate(engine)
    return Store(engine, "demo"), tmp_path / "pitboard.sqlite3"


def page_sized_lines(store: Store, ws: Workshop, n: int) -> None:
    """``n`` commits of an audit line of about a page each (three pages in the log)."""
    for i in range(n):
        line = AuditEntry(
            at=T0,
            kind="event",
            source="kiosk-b01",
            seq=i,
            type="job.started",
            job=None,
            bay="B01",
            payload={"note": "x" * 4000},
        )
        store.commit(ws, Batch(audit=[line]), Rows(), T0)


def test_a_commit_never_copies_the_log_when_it_is_copied_apart(tmp_path: Path) -> None:
    store, db = a_store(tmp_path)
    store._checkpoints = WalCheckpoints(str(db), every=3600)  # never on its own here
    store.close()
    before = os.path.getsize(db)
    page_sized_lines(store, domain_workshop(), LINES)
    assert os.path.getsize(db) == before  # nothing copied into the database
    with sqlite3.connect(db) as conn:
        busy, log, copied = store._checkpoints.copy(conn)
    assert (busy, copied) == (0, log) and log >= LINES
    assert os.path.getsize(db) > before + LINES * 4096


def test_without_it_sqlite_copies_the_log_inside_a_commit(tmp_path: Path) -> None:
    """What the test above would see if the writer copied the log itself."""
    store, db = a_store(tmp_path)
    before = os.path.getsize(db)
    page_sized_lines(store, domain_workshop(), LINES)
    assert os.path.getsize(db) > before + 400 * 4096


def test_the_logs_thread_copies_it_and_the_log_starts_again(tmp_path: Path) -> None:
    store, db = a_store(tmp_path)
    store.checkpoint_apart()
    assert store._checkpoints is not None
    store._checkpoints.every = 0.05
    ws = domain_workshop()
    page_sized_lines(store, ws, 200)
    wal = Path(f"{db}-wal")
    copies, deadline = store._checkpoints.copies, time.monotonic() + 10
    while store._checkpoints.copies < copies + 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # two copies begun after the last commit: all of it is in
    assert os.path.getsize(db) >= 200 * 4096
    grown = os.path.getsize(wal)
    page_sized_lines(store, ws, 100)  # written from the log's beginning again
    assert os.path.getsize(wal) <= grown
    store.stop_checkpoints()
    assert store._checkpoints is None


def test_a_flood_the_thread_cannot_keep_up_with_leaves_the_log_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits with no pause: the thread's copy never reaches the log's end, so the log
    would never start again; past the backstop the writer copies the rest itself."""
    monkeypatch.setattr(repository, "WRITER_BACKSTOP", 200)
    store, db = a_store(tmp_path)
    store.checkpoint_apart()
    assert store._checkpoints is not None
    store._checkpoints.every = 0.001  # copying all the while
    page_sized_lines(store, domain_workshop(), 1_500)
    store.stop_checkpoints()
    frames = os.path.getsize(f"{db}-wal") // (24 + 4096)
    assert frames <= 2 * 200 + 50, frames


def test_past_the_backstop_the_writer_copies_the_log_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread stopped (or failing): the log still does not grow without end."""
    monkeypatch.setattr(repository, "WRITER_BACKSTOP", 200)
    store, db = a_store(tmp_path)
    store._checkpoints = WalCheckpoints(str(db), every=3600)  # never copies here
    store.close()
    before = os.path.getsize(db)
    page_sized_lines(store, domain_workshop(), 300)
    assert os.path.getsize(db) > before + 150 * 4096
