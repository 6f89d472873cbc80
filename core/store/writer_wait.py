"""How long the core's single writer waits on the database before its commit fails.

A tap that comes while the writer is idle is applied and committed on the MQTT thread
(core/engine/loop.py), which meanwhile reads nothing and sends the broker no keep-alive. A
commit that waited without end (a lock held by someone's open transaction, a server that
stopped answering) would have the broker drop the core and tell every kiosk it is gone.
Bounded, the commit fails like any other: the tap is not acknowledged, the loop reads the
store again and tries it once the database answers, and the page shows the store's
problem meanwhile.

SQLite waits this long for a lock (its busy timeout); PostgreSQL cancels a statement that
runs longer (``statement_timeout``, set on the writer's own connection and taken off when it
goes back to the pool, so the pages' reads keep the server's setting).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection

from .driver_errors import as_sqlalchemy

#: Seconds. SQLite's busy timeout has been this long on every connection from the start.
WRITER_WAIT = 10.0


def bound(conn: Connection, seconds: float) -> None:
    """The writer's connection ``conn`` waits at most ``seconds`` for any one statement."""
    ms = max(1, int(seconds * 1000))
    _set(conn, f"PRAGMA busy_timeout={ms}", f"SET statement_timeout = {ms}")


def unbound(conn: Connection) -> None:
    """``conn`` back as the engine made it, before it returns to the pool."""
    _set(conn, f"PRAGMA busy_timeout={int(WRITER_WAIT * 1000)}", "RESET statement_timeout")


def _set(conn: Connection, sqlite: str, postgresql: str) -> None:
    """On the driver's connection, between the writer's transactions: neither a transaction
    of the engine's (whose listeners count the commits) nor one left open. The driver's
    errors come back as SQLAlchemy's (a lost connection invalidated), as every failure of
    the store does: the core reads the store again and tries once more."""
    name = conn.dialect.name
    statement = {"sqlite": sqlite, "postgresql": postgresql}.get(name)
    if statement is None:
        return
    with _as_sqlalchemy(conn, statement):
        driver: Any = conn.connection.driver_connection
        if name == "sqlite":
            driver.execute(statement)
            return
        driver.rollback()  # a failed batch's rows left in its transaction are not committed
        with driver.cursor() as cursor:
            cursor.execute(statement)
        driver.commit()  # a setting of the session, kept after its transaction


@contextmanager
def _as_sqlalchemy(conn: Connection, statement: str) -> Iterator[None]:
    try:
        yield
    except conn.dialect.loaded_dbapi.Error as exc:
        raise as_sqlalchemy(conn, exc, statement, None) from exc
