"""The driver's own errors, for code that runs statements on the driver's connection itself,
given back as SQLAlchemy gives them: the rest of the store (and the core's reload) knows
only those. A lost connection is invalidated, as SQLAlchemy does, so it is not given out
again."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    SQLAlchemyError,
    StatementError,
)


def as_sqlalchemy(
    conn: Connection, exc: Exception, statement: str, params: Any, cursor: Any = None
) -> BaseException:
    """``exc``, one of the driver's errors raised by ``statement`` on ``conn``, as SQLAlchemy's
    ``DBAPIError`` of its kind."""
    dialect = conn.dialect
    lost = dialect.is_disconnect(exc, conn.connection, cursor)  # type: ignore[arg-type]
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(
        statement,
        params,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )


def unstorable(exc: SQLAlchemyError) -> bool:
    """Whether the database refused what it was given, not its being away: a value out of
    its range or a key it holds already, or a value the driver could not even send (a date
    whose offset takes it out of the calendar). Written again, it fails again; a lost
    connection, a lock or a full disk pass."""
    if isinstance(exc, DataError | IntegrityError):
        return not exc.connection_invalidated
    # A value the driver could not convert; not SQLAlchemy's own (a pool's wait, say).
    if not isinstance(exc, StatementError) or isinstance(exc, DBAPIError):
        return False
    return isinstance(exc.orig, OverflowError | ValueError | TypeError)
