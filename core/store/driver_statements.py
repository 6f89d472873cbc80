"""The writer's statements compiled once for its database and run on the driver's cursor.

SQLAlchemy's ``Connection.execute`` prepares an execution context and a result for every
statement, however often the same one runs: about 60 µs each, five statements a tap, a
third of a tap's commit besides the disk's sync. The rows a tap writes are always the
same few statements with the same columns, so each is compiled once here (SQLAlchemy's
own compiler, and its types' own conversions of the values) and given to the driver's
``executemany`` in the connection's open transaction. The engine's listeners still see
each statement before it runs (``before_cursor_execute``, without an execution context),
and errors come back as SQLAlchemy's, as the rest of the store expects: a value a column's
type refuses as a ``StatementError``, the database's as its ``DBAPIError`` (a lost
connection invalidated, as SQLAlchemy would).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Dialect
from sqlalchemy.exc import StatementError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import Executable

from .driver_errors import as_sqlalchemy
from .written_json import taking_written

Convert = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    #: The values' names in the order the driver takes them (positional drivers), each
    #: with its type's conversion of a Python value.
    names: tuple[tuple[str, Convert], ...]
    positional: bool
    #: PostgreSQL, a plain insert: the same rows as a ``COPY`` (None: no such form).
    copy: str | None = None

    def parameters(self, rows: Sequence[dict[str, Any]], positional: bool) -> list[Any]:
        names = self.names
        if positional:
            return [tuple(r[n] if c is None else c(r[n]) for n, c in names) for r in rows]
        return [{n: (r[n] if c is None else c(r[n])) for n, c in names} for r in rows]


class DriverStatements:
    """Statements run as the driver's own, compiled once per statement and columns."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[Executable, Compiled]] = {}

    def run(self, conn: Connection, stmt: Executable, rows: Sequence[dict[str, Any]]) -> None:
        """Run ``stmt`` once per row (every row with the same columns) in ``conn``'s
        transaction, which must have begun."""
        if not rows:
            return
        compiled = self._compile(stmt, tuple(rows[0]))
        many = len(rows) > 1
        copy = compiled.copy if many else None
        sql = copy or compiled.sql
        try:
            params = compiled.parameters(rows, compiled.positional or copy is not None)
        except Exception as exc:  # a value its column's type refuses (a time without its zone)
            raise StatementError(str(exc), sql, list(rows), exc) from exc
        dbapi = conn.connection
        cursor = dbapi.cursor()
        try:
            # Whoever listens to the engine's statements (a test, a tracer) still sees these.
            conn.dispatch.before_cursor_execute(conn, cursor, sql, params, None, many)
            if copy is not None:
                _copy(cursor, copy, params)
            elif many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params[0])
        except self.dialect.loaded_dbapi.Error as exc:
            raise as_sqlalchemy(conn, exc, sql, params, cursor) from exc
        finally:
            with contextlib.suppress(Exception):  # a lost connection's cursor
                cursor.close()

    def _compile(self, stmt: Executable, columns: tuple[str, ...]) -> Compiled:
        key = (id(stmt), columns)
        known = self._compiled.get(key)
        # The statement is kept with its compiled form, so its id is never another's.
        if known is not None and known[0] is stmt:
            return known[1]
        made = compile_for(stmt, columns, self.dialect)
        self._compiled[key] = (stmt, made)
        return made


def compile_for(stmt: Executable, columns: tuple[str, ...], dialect: Dialect) -> Compiled:
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns))  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    positional = bool(compiled.positional)
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    order = compiled.positiontup if positional else list(binds)
    assert order is not None
    names = []
    for name in order:
        if name not in columns:
            raise ValueError(f"{name!r} is not among the rows' columns {columns}")
        kind = binds[name].type
        convert: Convert = kind.dialect_impl(dialect).bind_processor(dialect)
        if isinstance(kind, JSON) and convert is not None:
            convert = taking_written(convert, dialect)  # a document pydantic wrote
        names.append((name, convert))
    copy = None
    if dialect.driver == "psycopg" and type(stmt) is Insert:  # not an upsert (ON CONFLICT)
        quote = dialect.identifier_preparer
        table = stmt.table
        listed = ", ".join(quote.quote(table.c[n].name) for n, _ in names)
        copy = f"COPY {quote.format_table(stmt.table)} ({listed}) FROM STDIN"
    return Compiled(str(compiled), tuple(names), positional, copy)


def _copy(cursor: Any, sql: str, rows: list[Any]) -> None:
    """psycopg's ``COPY``: many rows in one stream, where ``executemany`` sends a
    statement a row (seventy audit lines in a transaction: about a fifth less time)."""
    with cursor.copy(sql) as stream:
        for row in rows:
            stream.write_row(row)
