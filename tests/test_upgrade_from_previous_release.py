"""A site's database written by the previous release (schema revision 0004, kept in
tests/fixtures/site_0004 by that release's own code, see make.py there) is migrated to the
newest schema and loads as that release loaded it — on SQLite as the file is, and on
PostgreSQL with the same rows at 0004. The report rows the new revision adds are filled
from the documents, sign-ins and API tokens still work, and the core goes on where the old
one stopped."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from core.access import Access
from core.commands import CheckInCar
from core.engine import Core
from core.store.access import AccessStore
from core.store.backup import advance_identities, current_revision, head_revision, migrate_to
from core.store.codec import job_from_doc, job_to_doc
from core.store.database import make_engine, migrate
from core.store.report_rows import figures_row
from core.store.repository import Store
from core.store.tables import JobFiguresRow
from tests.helpers import Clock, FakeBus, Kiosk, demo_config, order, settle
from tests.stored_sites import workshop_of

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site_0004"
PREVIOUS = "0004"


def expected() -> dict[str, Any]:
    return json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def as_loaded_today(workshop: dict[str, Any]) -> dict[str, Any]:
    """What the previous release loaded, as this one reads it: its job documents upcast to
    today's version, and no appointment book (it had none)."""
    jobs = {ro: job_to_doc(job_from_doc(doc)) for ro, doc in workshop["jobs"].items()}
    return {**workshop, "jobs": jobs, "appointments": {}}


def as_written(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The previous release's database, on SQLite (the file) or PostgreSQL (its rows)."""
    copy = tmp_path / "pitboard.sqlite3"
    shutil.copy(FIXTURE / "pitboard.sqlite3", copy)
    if kind == "sqlite":
        return f"sqlite:///{copy}"
    url: str = request.getfixturevalue("postgres_url")
    old, new = make_engine(f"sqlite:///{copy}"), make_engine(url)
    try:
        migrate_to(new, PREVIOUS)
        source, target = MetaData(), MetaData()
        with old.connect() as src, new.begin() as dst:
            source.reflect(src)
            target.reflect(dst)
            for table in source.sorted_tables:
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows and table.name != "alembic_version":
                    dst.execute(target.tables[table.name].insert(), rows)
            # As a site on PostgreSQL had them: its ids continue after its rows.
            advance_identities(dst, target.sorted_tables)
    finally:
        old.dispose()
        new.dispose()
    return url


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_previous_releases_database_migrates_and_loads(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = as_written(kind, tmp_path, request)
    was = expected()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == PREVIOUS
        migrate(engine)  # what the core does on start
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision() != PREVIOUS
        assert workshop_of(engine) == as_loaded_today(was["workshop"])

        store = Store(engine, "demo")
        cfg = demo_config()
        with engine.connect() as conn:
            figures = {r.ro: r for r in conn.execute(select(JobFiguresRow))}
        assert set(figures) == set(was["workshop"]["jobs"])
        for ro in figures:
            job = store.load_job(ro)
            made = figures_row("demo", job, datetime.now(UTC))
            kept = figures[ro]
            for column in (
                "status",
                "bay",
                "standard_hours",
                "work_seconds",
                "dispatched_at",
                "job_type",
            ):
                assert getattr(kept, column) == made[column], (ro, column)

        access = AccessStore(engine, "demo")
        assert access.session(was["session"]) is not None
        assert Access(access, cfg.web).token(was["token"]) is not None

        bus = FakeBus()
        core = Core(cfg, store, bus, Clock())
        core.start()
        try:
            assert store.audit_events("kiosk-b03") == [tuple(e) for e in was["events"]]
            k = Kiosk("kiosk-b03", "B03")
            core.on_message(*k.event("tech.signed_in"), token=None)  # seq 1 again
            settle(core, bus, 1)
            assert bus.acks("kiosk-b03")[0]["result"] == "duplicate"
            nxt = core.run_command(CheckInCar(order("苏E24680")), actor="advisor:SA01")
            assert nxt.ro.endswith("-0003")
        finally:
            core.stop()
    finally:
        engine.dispose()
