"""A job's row after its first write leaves out what was fixed when its order was opened
(plate, public token, check-in time): on SQLite an update rewrites the index of every
column it sets, changed or not. Leaving them out must never leave a stale value: a job
whose fixed columns this store has not stored as they are now is written whole."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.domain.workshop import Workshop
from core.engine.effects import Rows
from core.store.database import make_engine, migrate
from core.store.repository import Batch, Store
from core.store.tables import JobRow
from tests.helpers import T0, domain_workshop, order

WAL_FRAME = 24 + 4096  # a frame's header and one page (SQLite's default page size)


def opened(store: Store) -> tuple[Workshop, str]:
    ws = domain_workshop()
    job = ws.check_in(order(plate="京A12345"), T0)
    ws.take_events()
    store.commit(ws, Batch(), Rows(jobs=frozenset({job.ro})), T0)
    return ws, str(job.ro)


def stored(store: Store, ro: str) -> tuple[str, str | None, str]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(JobRow.plate, JobRow.public_token, JobRow.status).where(JobRow.ro == ro)
        ).one()
    return row.plate, row.public_token, row.status


def test_a_fixed_column_that_did_change_is_stored(store: Store) -> None:
    """Nothing in the workshop changes a plate today; a step that one day corrects one
    must find it in the table, not only in the job's document."""
    ws, ro = opened(store)
    job = ws.jobs[ro]
    job.vehicle = replace(job.vehicle, plate="京A54321")
    job.public_token = "another-token"
    store.commit(ws, Batch(), Rows(jobs=frozenset({ro})), T0 + timedelta(minutes=1))
    assert stored(store, ro)[:2] == ("京A54321", "another-token")


def test_what_a_failed_commit_wrote_is_not_taken_for_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, ro = opened(store)
    job = ws.jobs[ro]
    job.vehicle = replace(job.vehicle, plate="京A54321")

    def disk_fails(*_: object) -> None:  # after the job's row, before the commit's end
        raise OperationalError("INSERT INTO job_figures", {}, OSError("disk I/O error"))

    monkeypatch.setattr(store, "_write_report_rows", disk_fails)
    with pytest.raises(OperationalError):
        store.commit(ws, Batch(), Rows(jobs=frozenset({ro})), T0 + timedelta(minutes=1))
    monkeypatch.undo()
    assert stored(store, ro)[0] == "京A12345"  # rolled back
    store.commit(ws, Batch(), Rows(jobs=frozenset({ro})), T0 + timedelta(minutes=2))
    assert stored(store, ro)[0] == "京A54321"


def test_an_update_puts_fewer_pages_in_sqlites_log(tmp_path: Path) -> None:
    """The whole row (the first write after a start) against the row without its fixed
    columns: the three indexes on them are not rewritten."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pitboard.sqlite3'}")
    migrate(engine)
    ws, ro = opened(Store(engine, "demo"))
    store = Store(engine, "demo")  # started again: it knows nothing it stored
    wal = tmp_path / "pitboard.sqlite3-wal"

    def pages_of_a_step(minutes: int) -> int:
        ws.jobs[ro].promised_at = T0 + timedelta(hours=minutes)  # a promise moved
        before = os.path.getsize(wal)
        store.commit(ws, Batch(), Rows(jobs=frozenset({ro})), T0 + timedelta(minutes=minutes))
        assert stored(store, ro)[2] == ws.jobs[ro].status.value
        return (os.path.getsize(wal) - before) // WAL_FRAME

    whole, without_fixed = pages_of_a_step(1), pages_of_a_step(2)
    assert without_fixed <= whole - 3, (whole, without_fixed)
