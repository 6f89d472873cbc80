"""The walk-around as the store keeps it: every signed record in its own row beside the
order, the latest the order's; written with the step's audit line and its print; and the
migration that made its table."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from core.commands import CheckInCar, RecordWalkAround
from core.domain.errors import WalkAroundIncomplete
from core.domain.model import Job
from core.domain.walkaround import Walked
from core.engine import Core
from core.engine.effects import rows_to_write
from core.store.backup import migrate_to
from core.store.database import make_engine, migrate
from core.store.repository import Batch, Store
from core.store.tables import PrintRow, WalkAroundRow
from tests.helpers import at, domain_workshop, order
from tests.walkaround_samples import sheet, signature


def test_a_walk_around_round_trips_through_the_store(store: Store) -> None:
    ws = domain_workshop()
    ro = ws.check_in(order(), at(0)).ro
    first = ws.record_walk_around(ro, sheet(), "advisor:SA01", at(3)).record
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), at(3))
    again = ws.record_walk_around(ro, sheet(fuel_level="F", marks=()), "manager:M001", at(9))
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), at(9))
    kept = store.walkarounds(ro)
    assert kept == [first, again.record]  # the marks, belongings, papers and signature too
    assert kept[0].sheet.signature == signature() and kept[0].at == at(3)
    assert store.walkarounds("RO-OTHER") == []
    loaded = store.load_job(ro)
    assert (loaded.vehicle.fuel_level, loaded.vehicle.mileage_km) == ("F", 42_000)
    with store.engine.connect() as conn:
        doc = (
            conn.execute(select(WalkAroundRow.doc).where(WalkAroundRow.ro == ro)).scalars().first()
        )
    assert doc is not None and doc["schema"] == 1 and "signature" not in doc


def test_recorded_at_the_desk_it_is_audited_printed_and_kept(core: Core, store: Store) -> None:
    job: Job = core.run_command(CheckInCar(order()), "advisor:SA01")
    walked = core.run_command(RecordWalkAround(job.ro, sheet()), "advisor:SA01")
    assert isinstance(walked, Walked) and walked.record.by == "advisor:SA01"
    [kept] = store.walkarounds(job.ro)
    assert kept == walked.record
    [line] = [e for e in store.audit_trail(job.ro) if e["type"] == "job.walked_around"]
    assert line["source"] == "advisor:SA01"
    sheet_said = line["payload"]["sheet"]
    assert sheet_said["fuel_level"] == "1/2" and sheet_said["mileage_km"] == 42_000
    assert sheet_said["marks"][0] == {
        "kind": "scratch",
        "zone": "left_front_door",
        "note": "约10厘米",
    }
    seal = sheet_said["signature"]
    assert set(seal) == {"sha256", "chars"} and seal["chars"] == len(signature())
    assert "base64" not in str(line["payload"])  # the image stays with the record
    with store.engine.connect() as conn:
        docs = conn.execute(select(PrintRow.document).where(PrintRow.ro == job.ro)).scalars()
        assert "customer_copy" in set(docs)


def test_a_refused_walk_around_leaves_nothing_behind(core: Core, store: Store) -> None:
    job: Job = core.run_command(CheckInCar(order()), "advisor:SA01")
    with pytest.raises(WalkAroundIncomplete):
        core.run_command(RecordWalkAround(job.ro, sheet(signature="")), "advisor:SA01")
    assert store.walkarounds(job.ro) == []
    assert not [e for e in store.audit_trail(job.ro) if e["type"] == "job.walked_around"]


def test_the_migration_adds_an_empty_table_to_a_database_of_the_release_before(
    db_url: str,
) -> None:
    """A database at 0007 with a car in it: after the upgrade the car loads as it was,
    has no walk-around, and one can be recorded and read back."""
    engine = make_engine(db_url)
    try:
        migrate_to(engine, "0007")
        assert "walkarounds" not in inspect(engine).get_table_names()
        ws = domain_workshop()
        ro = ws.check_in(order(), at(0)).ro
        before = Store(engine, "demo")
        rows = rows_to_write(ws.take_events())
        # The car's own rows only: its report rows would touch a table of a later revision.
        before.commit(ws, Batch(), rows, at(0), reports=[])
        migrate(engine)
        assert "walkarounds" in inspect(engine).get_table_names()
        after = Store(engine, "demo")
        assert after.load_job(ro) == ws.jobs[ro] and after.walkarounds(ro) == []
        ws.record_walk_around(ro, sheet(), "advisor:SA01", at(5))
        after.commit(ws, Batch(), rows_to_write(ws.take_events()), at(5))
        assert [w.by for w in after.walkarounds(ro)] == ["advisor:SA01"]
    finally:
        engine.dispose()
