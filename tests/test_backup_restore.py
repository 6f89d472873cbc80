"""`pitboard backup` and `pitboard restore`: a site with data written by the core, backed up
and restored into a new empty site, on SQLite and PostgreSQL and from one to the other,
holds the same rows and loads the same workshop; a database with rows is refused unless
--force; a damaged or newer backup restores nothing."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from core.engine import Core
from core.store import backup as backups
from core.store.database import make_engine, migrate
from core.store.repository import Store
from pitboard.cli import main
from tests.helpers import FakeBus, fresh_postgres_database
from tests.stored_sites import busy_site, table_rows, workshop_of


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database of a new, empty site: nothing in it, not even the schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new-site' / 'pitboard.sqlite3'}"
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_server")) as url:
        yield url


def test_a_site_restored_into_a_new_site_holds_the_same_rows_and_workshop(
    core: Core, bus: FakeBus, store: Store, new_site: str, tmp_path: Path
) -> None:
    ro = busy_site(core, bus, store.engine)
    before = table_rows(store.engine)
    assert all(before.values()), {t: len(r) for t, r in before.items()}
    source = store.engine.url.render_as_string(hide_password=False)
    file = tmp_path / "site.backup.gz"
    (tmp_path / "new-site").mkdir()

    assert main(["backup", "--database-url", source, "-o", str(file)]) == 0
    assert main(["restore", "--database-url", new_site, str(file)]) == 0

    engine = make_engine(new_site)
    try:
        assert table_rows(engine) == before
        assert workshop_of(engine) == workshop_of(store.engine)
        assert ro in workshop_of(engine)["jobs"]
        # The restored site goes on where the old one stopped: its next check-in and audit
        # line take the next numbers.
        again = Core(core.config, Store(engine, "demo"), FakeBus(), core.clock)
        again.start()
        try:
            from core.commands import CheckInCar
            from tests.helpers import order

            nxt = again.run_command(CheckInCar(order("苏E24680")), actor="advisor:SA01")
        finally:
            again.stop()
        assert nxt.ro.endswith("-0004")
        ids = [r[0] for r in table_rows(engine)["audit_log"]]
        assert ids == sorted(set(ids)) and len(ids) > len(before["audit_log"])
    finally:
        engine.dispose()


def test_a_database_with_rows_is_refused_unless_forced(
    core: Core, bus: FakeBus, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    busy_site(core, bus, store.engine)
    url = store.engine.url.render_as_string(hide_password=False)
    file = tmp_path / "site.backup.gz"
    backups.backup(url, file)
    before = table_rows(store.engine)

    assert main(["restore", "--database-url", url, str(file)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert table_rows(store.engine) == before

    other = tmp_path / "other.sqlite3"
    engine = make_engine(f"sqlite:///{other}")
    migrate(engine)
    engine.dispose()
    # An empty database with the schema already made is taken as it is.
    assert main(["restore", "--database-url", f"sqlite:///{other}", str(file)]) == 0
    # --force replaces everything, and the same rows come back.
    core.stop()
    store.close()
    assert main(["restore", "--force", "--database-url", url, str(file)]) == 0
    assert table_rows(store.engine) == before


def test_a_damaged_or_newer_backup_restores_nothing(
    core: Core, bus: FakeBus, store: Store, tmp_path: Path
) -> None:
    busy_site(core, bus, store.engine)
    file = tmp_path / "site.backup.gz"
    backups.backup(store.engine.url.render_as_string(hide_password=False), file)
    lines = gzip.decompress(file.read_bytes()).decode().splitlines()

    cut = tmp_path / "cut.backup.gz"
    cut.write_bytes(gzip.compress("\n".join(lines[:-3]).encode()))
    target = tmp_path / "target.sqlite3"
    with pytest.raises(backups.BackupError, match="cut short"):
        backups.restore(f"sqlite:///{target}", cut)
    engine = make_engine(f"sqlite:///{target}")
    try:
        assert all(not rows for rows in table_rows(engine).values())
    finally:
        engine.dispose()

    header = json.loads(lines[0]) | {"revision": "9999"}
    newer = tmp_path / "newer.backup.gz"
    newer.write_bytes(gzip.compress("\n".join([json.dumps(header), *lines[1:]]).encode()))
    with pytest.raises(backups.BackupError, match="newer than this Pitboard"):
        backups.restore(f"sqlite:///{tmp_path / 'none.sqlite3'}", newer)

    notours = tmp_path / "notes.gz"
    notours.write_bytes(gzip.compress(b'{"hello": 1}\n'))
    with pytest.raises(backups.BackupError, match="not a Pitboard backup"):
        backups.restore(f"sqlite:///{tmp_path / 'none.sqlite3'}", notours)
    assert not inspect(make_engine(f"sqlite:///{tmp_path / 'none.sqlite3'}")).get_table_names()


def test_a_backup_of_no_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'nothing.sqlite3'}"
    assert main(["backup", "--database-url", url, "-o", str(tmp_path / "b.gz")]) == 2
    assert "no such database" in capsys.readouterr().err
    assert not (tmp_path / "b.gz").exists()
