"""A kiosk's outbox and the bridge's print spool written before their files carried a
schema version (tests/fixtures/stored_v1) open, migrate in place and carry on; a file
from a newer version is refused and left as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.contract.printing import JobTicket, KeyTag, PrintJob
from devices import outbox, spool
from devices.outbox import Outbox
from devices.printers import open_printer
from devices.spool import PrintWorker, Spool, Spooled
from devices.state_file import NewerFileError, open_state_file, schema_version
from devices.tickets import render
from tests.waiting import wait_until

STORED_V1 = Path(__file__).resolve().parent / "fixtures" / "stored_v1"
RO1, RO2 = "RO-20261124-0001", "RO-20261124-0002"
# When the fixture's failed print may be tried again: an hour after it was written.
AFTER_BACKOFF = datetime(2026, 11, 24, 2, 0, tzinfo=UTC).timestamp()


def copy_of(name: str, tmp_path: Path) -> Path:
    """A copy to open: opening a file of an older version rewrites it."""
    return Path(shutil.copy(STORED_V1 / name, tmp_path / name))


def version_of(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return schema_version(db)
    finally:
        db.close()


def test_the_stored_files_are_from_before_versions_were_recorded() -> None:
    assert version_of(STORED_V1 / "kiosk-b03.outbox.sqlite") == 0
    assert version_of(STORED_V1 / "spool.sqlite") == 0


def test_an_old_outbox_keeps_its_unanswered_taps_and_numbers_on(tmp_path: Path) -> None:
    path = copy_of("kiosk-b03.outbox.sqlite", tmp_path)
    box = Outbox(path, "kiosk-b03")
    assert version_of(path) == len(outbox.SCHEMA_STEPS) == 2
    assert box.synced, "an outbox that numbered events before knows where it stands"
    pending = box.pending()
    assert [(p.seq, p.type) for p in pending] == [(3, "job.paused"), (4, "job.resumed")]
    paused = json.loads(pending[0].payload)
    assert (paused["source"], paused["seq"], paused["job"], paused["tech"]) == (
        "kiosk-b03",
        3,
        RO1,
        "T002",
    )
    assert paused["data"] == {"reason": "waiting_parts"} and paused["ts"] == "2026-11-24T01:02:00Z"
    answers = box.answers()
    assert [(a.seq, a.type, a.job, a.result, a.code) for a in answers] == [
        (2, "job.started", RO1, "rejected", "wrong_bay"),
        (1, "tech.signed_in", None, "applied", None),
    ]
    assert answers[0].message == f"{RO1} is not at B03"

    assert box.last_seq == 4
    nxt = box.add("job.self_checked", bay="B03", job=RO1, tech="T002")
    assert nxt.seq == 5 and json.loads(nxt.payload)["seq"] == 5
    assert box.answered(3, "applied") is not None
    box.close()

    again = Outbox(path, "kiosk-b03")
    assert [p.seq for p in again.pending()] == [4, 5] and again.last_seq == 5
    assert [a.seq for a in again.answers()] == [3, 2, 1]
    again.close()


def test_an_old_spool_prints_what_was_waiting_once(tmp_path: Path) -> None:
    path = copy_of("spool.sqlite", tmp_path)
    s = Spool(path)
    assert version_of(path) == len(spool.SCHEMA_STEPS) == 3
    assert s.waiting() == 2
    early = s.due(AFTER_BACKOFF - 3600)
    assert [d.job.print_id for d in early] == [f"{RO2}.key_tag.c3"], "b2 waits for its back-off"
    due = s.due(AFTER_BACKOFF)
    assert [(d.job.print_id, d.attempts, d.maybe_printed) for d in due] == [
        (f"{RO1}.job_ticket.b2", 1, False),
        (f"{RO2}.key_tag.c3", 0, False),
    ]
    ticket, tag = due[0].job.doc, due[1].job.doc
    assert isinstance(ticket, JobTicket) and isinstance(tag, KeyTag)
    assert (ticket.ro, ticket.model, ticket.requests) == (RO1, "别克 GL8", "异响")
    assert [(o.name, o.standard_hours) for o in ticket.operations] == [("小保养", 1.0)]
    assert due[0].job.created_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert (tag.ro, tag.plate, tag.tag, tag.slot) == (RO2, "京B20002", "TAG9", None)

    printer = open_printer("virtual://desk", tmp_path)
    results: list[tuple[str, str | None, int]] = []

    def ticket(item: Spooled) -> bytes:
        return render(item.job.doc, 58, ZoneInfo(item.job.zone))

    def send(job: PrintJob, data: bytes) -> None:
        printer.send(data, job.print_id)

    def heard(job: PrintJob, failure: str | None, attempts: int) -> None:
        results.append((job.print_id, failure, attempts))

    worker = PrintWorker(s, ticket, send, heard, 0.05, lambda: AFTER_BACKOFF)
    worker.start()
    try:
        wait_until(lambda: len(results) == 2, "both waiting prints", timeout=10)
    finally:
        worker.stop()
    assert results == [(f"{RO1}.job_ticket.b2", None, 2), (f"{RO2}.key_tag.c3", None, 1)]
    kept = sorted(p.name for p in (tmp_path / "prints" / "desk").glob("*.bin"))
    assert kept == [f"{RO1}.job_ticket.b2.bin", f"{RO2}.key_tag.c3.bin"]
    assert s.waiting() == 0
    printed_before = PrintJob.model_validate_json(
        sqlite3.connect(path).execute("SELECT job FROM spool WHERE state = 'printed'").fetchone()[0]
    )
    assert not s.add(printed_before), "a print done before the upgrade is not printed again"
    # … and is remembered for a week from the upgrade, as if printed then.
    (upgraded,) = sqlite3.connect(path).execute(
        "SELECT printed_at FROM spool WHERE print_id = ?", (printed_before.print_id,)
    )
    assert abs(upgraded[0] - time.time()) < 600
    s.close()


OPENERS: dict[str, tuple[str, Callable[[Path], Any], int]] = {
    "outbox": (
        "kiosk-b03.outbox.sqlite",
        lambda p: Outbox(p, "kiosk-b03"),
        len(outbox.SCHEMA_STEPS),
    ),
    "spool": ("spool.sqlite", Spool, len(spool.SCHEMA_STEPS)),
}


@pytest.mark.parametrize("kind", sorted(OPENERS))
def test_a_file_from_a_newer_version_is_refused_and_left_as_it_was(
    kind: str, tmp_path: Path
) -> None:
    name, open_, known = OPENERS[kind]
    path = copy_of(name, tmp_path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {known + 1}")
    db.execute("PRAGMA journal_mode = DELETE")  # a newer file need not be in WAL mode
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    newer = rf"schema version {known + 1}, newer than the {known} this Pitboard"
    with pytest.raises(NewerFileError, match=newer):
        open_(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert version_of(path) == known + 1


def test_a_new_step_runs_once_on_an_older_file(tmp_path: Path) -> None:
    path = copy_of("spool.sqlite", tmp_path)
    Spool(path).close()
    by_printer = (
        "ALTER TABLE spool ADD COLUMN printer TEXT",
        "UPDATE spool SET printer = json_extract(job, '$.printer')",
    )
    db = open_state_file(path, "print spool", (*spool.SCHEMA_STEPS, by_printer))
    assert schema_version(db) == len(spool.SCHEMA_STEPS) + 1
    assert db.execute("SELECT DISTINCT printer FROM spool").fetchall() == [("printer-desk",)]
    db.close()
    # Opened again at that version, nothing runs twice (a second ADD COLUMN would fail).
    open_state_file(path, "print spool", (*spool.SCHEMA_STEPS, by_printer)).close()
    with pytest.raises(NewerFileError):
        Spool(path)


def test_a_step_that_fails_changes_nothing(tmp_path: Path) -> None:
    path = copy_of("spool.sqlite", tmp_path)
    Spool(path).close()
    broken = ("ALTER TABLE spool ADD COLUMN printer TEXT", "UPDATE nowhere SET x = 1")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        open_state_file(path, "print spool", (*spool.SCHEMA_STEPS, broken))
    assert version_of(path) == len(spool.SCHEMA_STEPS)
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(spool)")]
    assert "printer" not in columns
    assert Spool(path).waiting() == 2
