"""The writer's statements run on the driver's cursor store what SQLAlchemy would, in the
connection's transaction, seen by the engine's listeners, failing as SQLAlchemy fails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from core.store.database import make_engine, migrate
from core.store.driver_statements import DriverStatements
from core.store.tables import AuditRow, CounterRow, InboxRow

AT = datetime(2026, 12, 5, 9, 15, 2, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
AUDIT = AuditRow.__table__.insert()
INBOX = InboxRow.__table__.insert()


def audit(source: str, seq: int = 1) -> dict[str, Any]:
    return {
        "site": "demo",
        "at": AT,  # another zone's wall clock: stored as UTC, as every time is
        "recorded_at": AT.astimezone(UTC),
        "kind": "event",
        "source": source,
        "seq": seq,
        "type": "job.finding",
        "job": None,
        "bay": "B03",
        "payload": {"title": "刹车片磨损", "labor_hours": 1.5, "parts": [None, 2]},
    }


def stored_audit(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Each source's rows as the database holds them, as text."""
    query = text(
        "SELECT source, CAST(at AS TEXT), CAST(recorded_at AS TEXT), CAST(payload AS TEXT)"
        " FROM audit_log ORDER BY id"
    )
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for source, *values in conn.execute(query):
            out.setdefault(source, []).append(tuple(values))
    return out


def test_rows_are_stored_as_sqlalchemy_stores_them(engine: Engine) -> None:
    driver = DriverStatements(engine.dialect)
    with engine.begin() as conn:
        conn.execute(AUDIT, [audit("sqlalchemy")])
        driver.run(conn, AUDIT, [audit("one")])
        driver.run(conn, AUDIT, [audit("many", 1), audit("many", 2)])
    got = stored_audit(engine)
    assert got["one"] == got["sqlalchemy"]
    assert got["many"] == got["sqlalchemy"] * 2
    with engine.connect() as conn:
        back = conn.execute(AuditRow.__table__.select().where(AuditRow.source == "many")).first()
    assert back is not None
    assert back.at == AT and back.at.tzinfo is UTC
    assert back.payload == audit("many")["payload"]


def test_each_set_of_columns_is_compiled_for_itself(engine: Engine) -> None:
    driver = DriverStatements(engine.dialect)
    short = {"site": "demo", "source": "kiosk-b03", "seq": 1, "result": "applied"}
    whole = {
        **short,
        "seq": 2,
        "result": "rejected",
        "error_code": "bad_bay",
        "received_at": AT,
        "digest": "abc",
    }
    with engine.begin() as conn:
        driver.run(conn, INBOX, [short | {"received_at": AT}])
        driver.run(conn, INBOX, [whole])
        rows = conn.execute(
            text("SELECT seq, result, error_code, digest FROM inbox ORDER BY seq")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "applied", None, None),
        (2, "rejected", "bad_bay", "abc"),
    ]


def test_a_failure_is_sqlalchemys_and_undoes_the_transaction(engine: Engine) -> None:
    driver = DriverStatements(engine.dialect)
    row = {
        "site": "demo",
        "source": "kiosk-b03",
        "seq": 7,
        "result": "applied",
        "error_code": None,
        "received_at": AT,
        "digest": None,
    }
    with pytest.raises(IntegrityError), engine.begin() as conn:
        driver.run(conn, AUDIT, [audit("before the failure")])
        driver.run(conn, INBOX, [row, row])  # the same event twice
    assert stored_audit(engine) == {}, "nothing of the failed transaction stays"
    with engine.connect() as conn:
        conn.begin()
        driver.run(conn, AUDIT, [audit("rolled back")])
        conn.rollback()
    assert stored_audit(engine) == {}


def test_the_engines_listeners_see_each_statement(engine: Engine) -> None:
    """One row an ``INSERT``; many an ``executemany`` (PostgreSQL: a ``COPY``)."""
    driver = DriverStatements(engine.dialect)
    seen: list[tuple[str, int, bool]] = []

    def listen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        table = "audit_log" if "audit_log" in statement else statement
        seen.append((table, len(params) if many else 1, many))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        with engine.begin() as conn:
            driver.run(conn, AUDIT, [audit("a")])
            driver.run(conn, AUDIT, [audit("b", 1), audit("b", 2), audit("b", 3)])
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert seen == [("audit_log", 1, False), ("audit_log", 3, True)]


def test_a_value_the_rows_do_not_give_is_refused_before_anything_runs(engine: Engine) -> None:
    driver = DriverStatements(engine.dialect)
    stmt = update(CounterRow).where(CounterRow.site == "demo").values(value=1)
    with pytest.raises(ValueError, match="site_1"), engine.begin() as conn:
        driver.run(conn, stmt, [{"value": 2}])


def test_a_value_its_column_refuses_is_a_statement_error(engine: Engine) -> None:
    driver = DriverStatements(engine.dialect)
    no_zone = audit("no zone") | {"at": datetime(2026, 12, 5, 9, 15)}
    with pytest.raises(StatementError, match="without its zone"), engine.begin() as conn:
        driver.run(conn, AUDIT, [audit("before it")])
        driver.run(conn, AUDIT, [audit("many"), no_zone])
    assert stored_audit(engine) == {}


def test_columns_named_otherwise_than_their_keys(engine: Engine) -> None:
    """A column's key is what a row calls it, its name what the database does."""
    table = Table(
        "driver_named",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("Order Note", String(32), key="note"),
    )
    table.create(engine)
    driver = DriverStatements(engine.dialect)
    with engine.begin() as conn:
        driver.run(conn, table.insert(), [{"id": 1, "note": "一"}])
        driver.run(conn, table.insert(), [{"id": 2, "note": "二"}, {"id": 3, "note": "三"}])
        got = conn.execute(select(table.c.id, table.c.note).order_by(table.c.id)).all()
    assert [tuple(r) for r in got] == [(1, "一"), (2, "二"), (3, "三")]


@pytest.mark.postgres
def test_a_lost_connection_is_invalidated_as_sqlalchemy_would(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    driver = DriverStatements(engine.dialect)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            conn.commit()
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            conn.begin()
            with pytest.raises(DBAPIError) as lost:
                driver.run(conn, AUDIT, [audit("a"), audit("b")])
            assert lost.value.connection_invalidated and conn.invalidated
        with engine.begin() as conn:  # the pool gives a new one
            driver.run(conn, AUDIT, [audit("after")])
        assert list(stored_audit(engine)) == ["after"]
    finally:
        engine.dispose()
