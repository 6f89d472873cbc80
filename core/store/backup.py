"""A site's database written to one portable file and read back: every table's rows as
gzip-compressed JSON lines, with the schema revision they belong to.

The same file restores into SQLite or PostgreSQL, whichever wrote it, so a backup also
moves a site from one to the other. A backup is taken while the core runs: from a copy made
with SQLite's online backup API, or inside one read-only repeatable-read transaction on
PostgreSQL, so it is one moment of the database. A restore goes into an empty database
only (or replaces everything with ``force``): the schema is brought to the backup's
revision, the rows are written in one transaction, and the schema is then migrated to this
version's newest, as an upgrade would.
"""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url

from .database import _MIGRATIONS, make_engine

FORMAT = "pitboard-backup"
VERSION = 1
VERSION_TABLE = "alembic_version"
_BATCH = 1000


class BackupError(Exception):
    """A backup that cannot be written or restored, with the reason for a person."""


@dataclass(frozen=True)
class Written:
    revision: str
    rows: dict[str, int]


def _alembic() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_alembic()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def migrate_to(engine: Engine, revision: str) -> None:
    cfg = _alembic()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _tables(conn: Connection) -> list[Table]:
    """The database's tables (as they are, whatever revision), parents before children."""
    meta = MetaData()
    meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name != VERSION_TABLE]


# ----------------------------------------------------------------------- values
def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back the stored UTC time without its zone.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$t": aware.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, (bytes, memoryview)):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("$"):
        return {"$j": value}  # a JSON document that looks like one of ours
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "$t":
            return datetime.fromisoformat(inner)
        if key == "$d":
            return date.fromisoformat(inner)
        if key == "$b":
            return base64.b64decode(inner)
        if key == "$j":
            return inner
    return value


# ----------------------------------------------------------------------- backup
def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _write(conn: Connection, out: gzip.GzipFile, source: str) -> Written:
    revision = current_revision(conn)
    if revision is None:
        raise BackupError(f"{source}: no Pitboard database there (start the core once)")
    tables = _tables(conn)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "revision": revision,
        "written_at": datetime.now(UTC).isoformat(),
        "dialect": conn.dialect.name,
        "tables": {t.name: [c.name for c in t.columns] for t in tables},
    }
    out.write((json.dumps(header, ensure_ascii=False) + "\n").encode())
    counts: dict[str, int] = {}
    for table in tables:
        order = list(table.primary_key.columns) or list(table.columns)
        counts[table.name] = 0
        for row in conn.execute(select(table).order_by(*order)):
            line = {"t": table.name, "r": [_encode(v) for v in row]}
            out.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
            counts[table.name] += 1
    out.write((json.dumps({"end": counts}) + "\n").encode())
    return Written(revision, counts)


def backup(url: str, target: Path) -> Written:
    """Write the database at ``url`` to ``target`` (gzip'd JSON lines); safe while the core
    runs. The file appears only once it is complete."""
    partial = target.with_name(target.name + ".partial")
    try:
        with gzip.open(partial, "wb") as out:
            written = _backup_to(url, out)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return written


def _backup_to(url: str, out: gzip.GzipFile) -> Written:
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"{path}: no such database")
        with tempfile.TemporaryDirectory(prefix="pitboard-backup-") as tmp:
            copy = Path(tmp) / "snapshot.sqlite3"
            _sqlite_snapshot(path, copy)
            engine = make_engine(f"sqlite:///{copy}")
            try:
                with engine.connect() as conn:
                    return _write(conn, out, str(path))
            finally:
                engine.dispose()
    engine = make_engine(url)
    try:
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as conn,
            conn.begin(),
        ):
            return _write(conn, out, engine.url.render_as_string(hide_password=True))
    finally:
        engine.dispose()


def _sqlite_snapshot(path: Path, copy: Path) -> None:
    """One moment of a live SQLite database (WAL included), by its online backup API."""
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


# ----------------------------------------------------------------------- restore
def read_header(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return _header(f.readline(), path)


def _header(line: str, path: Path) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path}: not a Pitboard backup")
    if header.get("version") != VERSION:
        raise BackupError(f"{path}: backup format {header.get('version')} is not known here")
    return header


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)
    except (OSError, EOFError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: damaged or cut short ({exc})") from exc


def rows_in(conn: Connection) -> dict[str, int]:
    """How many rows each of the database's tables holds (the schema's version left out)."""
    return {
        t.name: int(conn.execute(select(text("count(*)")).select_from(t)).scalar_one())
        for t in _tables(conn)
    }


def restore(url: str, source: Path, force: bool = False) -> Written:
    """Put the backup ``source`` into the database at ``url`` and migrate it to the newest
    schema. A database holding rows is refused unless ``force``, which first drops every
    table of it."""
    header = read_header(source)
    revision = header["revision"]
    if revision not in known_revisions():
        raise BackupError(
            f"{source}: written at schema revision {revision}, newer than this Pitboard "
            f"knows (newest {head_revision()}): restore it with the version that wrote it"
        )
    engine = make_engine(url)
    try:
        _make_room(engine, force)
        migrate_to(engine, revision)
        counts = _insert(engine, source, header)
        migrate_to(engine, "head")
    finally:
        engine.dispose()
    return Written(revision, counts)


def _make_room(engine: Engine, force: bool) -> None:
    with engine.begin() as conn:
        held = {name: n for name, n in rows_in(conn).items() if n}
        if held and not force:
            listed = ", ".join(f"{name} {n}" for name, n in sorted(held.items()))
            raise BackupError(
                f"the database is not empty ({listed} rows): restore into a new database, "
                "or pass --force to replace everything in it"
            )
        names = inspect(conn).get_table_names()
        if force and names:
            meta = MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)


def _insert(engine: Engine, source: Path, header: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    ended: dict[str, int] | None = None
    with engine.begin() as conn:
        tables = {t.name: t for t in _tables(conn)}
        expected = header["tables"]
        for name, columns in expected.items():
            have = [c.name for c in tables[name].columns] if name in tables else None
            if have is None or set(have) != set(columns):
                raise BackupError(
                    f"{source}: table {name} does not match revision {header['revision']}"
                )
        pending: dict[str, list[dict[str, Any]]] = {}
        lines = _lines(source)
        next(lines)  # the header
        for line in lines:
            if "end" in line:
                ended = line["end"]
                break
            name = line["t"]
            row = dict(zip(expected[name], (_decode(v) for v in line["r"]), strict=True))
            batch = pending.setdefault(name, [])
            batch.append(row)
            counts[name] = counts.get(name, 0) + 1
            if len(batch) >= _BATCH:
                conn.execute(tables[name].insert(), batch)
                batch.clear()
        for name, batch in pending.items():
            if batch:
                conn.execute(tables[name].insert(), batch)
        if ended is None or {k: v for k, v in ended.items() if v} != counts:
            raise BackupError(f"{source}: cut short (its last line is missing): nothing restored")
        advance_identities(conn, tables.values())
    return counts


def advance_identities(conn: Connection, tables: Any) -> None:
    """PostgreSQL's identity columns continue after the restored ids."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for col in table.primary_key.columns:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}
            ).scalar()
            if seq:
                conn.execute(
                    text(
                        f"SELECT setval(:s, COALESCE((SELECT max({col.name}) FROM "
                        f"{table.name}), 0) + 1, false)"
                    ),
                    {"s": seq},
                )
