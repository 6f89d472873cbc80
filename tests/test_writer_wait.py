"""The core's writer waits on the database only so long: a lock held by someone's open
transaction fails the commit of a tap applied on the MQTT thread, which comes back to its
reading and keep-alives; the loop applies the tap once the lock is gone, once."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, Engine, event

from core.engine import Core
from core.store.database import _unanswered_limits, make_engine, migrate
from core.store.repository import Store
from core.store.writer_wait import WRITER_WAIT
from tests.held_loop import HeldLoop, Wire, tap
from tests.helpers import Clock, Kiosk, demo_config
from tests.waiting import wait_until


@contextmanager
def locked(engine: Engine) -> Iterator[None]:
    """Another session's transaction holding what the writer writes first (the inbox)."""
    if engine.dialect.name == "sqlite":
        assert engine.url.database is not None
        other = sqlite3.connect(engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the one writer's lock
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE")
        yield


def wait_query(engine: Engine) -> str:
    """SQLite's busy timeout, PostgreSQL's statement timeout."""
    return "PRAGMA busy_timeout" if engine.dialect.name == "sqlite" else "SHOW statement_timeout"


def setting(engine: Engine) -> str:
    """The wait a connection from the pool has."""
    with engine.connect() as conn:
        return str(conn.exec_driver_sql(wait_query(engine)).scalar())


def test_a_tap_held_up_by_a_lock_gives_the_mqtt_thread_back_and_is_applied_after(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failed commit is said
    store = Store(engine, "demo", writer_wait=0.5)
    wire = Wire()
    core = Core(demo_config(), store, wire, Clock())
    core.start()
    loop = HeldLoop(core, monkeypatch)
    try:
        loop.hold()
        k = Kiosk("kiosk-b03", "B03")
        with locked(engine):
            reading = threading.Thread(target=tap, args=(core, k), kwargs={"token": "t1"})
            reading.start()
            reading.join(30)
            came_back = not reading.is_alive()  # looked at while the lock is still held
            problem = core.store_problem
        assert came_back, "the MQTT thread waited for the lock's end"
        assert wire.acks == [] and wire.pubacks == [], "acknowledged what was not stored"
        assert problem is not None
        loop.release()
        wait_until(lambda: len(wire.acks) == 1, what="the tap applied once the lock was gone")
        assert [(seq, result) for seq, result, _ in wire.acks] == [(1, "applied")]
        assert wire.pubacks == ["t1"]
        assert core.store_problem is None
    finally:
        loop.release()
        core.stop()


def test_the_writer_s_wait_goes_back_to_the_engine_s_with_its_connection(
    engine: Engine,
) -> None:
    """Only the writer's connection waits less; given back to the pool (the pages read
    through it) it waits as the engine's connections do."""
    before = setting(engine)
    store = Store(engine, "demo", writer_wait=0.25)
    writer = store._writer()
    assert str(writer.exec_driver_sql(wait_query(engine)).scalar()) in ("250", "250ms")
    writer.rollback()
    store.close()
    assert setting(engine) == before
    if engine.dialect.name == "sqlite":
        assert before == str(int(WRITER_WAIT * 1000))


def test_libpq_gives_up_on_a_server_that_does_not_answer() -> None:
    """A connection never made, or a statement sent to a machine that went away, fails in
    time instead of never; what the site's URL says is kept."""
    limits = _unanswered_limits("postgresql+psycopg://u@db/pitboard")
    assert limits["connect_timeout"] == 10
    assert limits["tcp_user_timeout"] == int(WRITER_WAIT * 1000)
    assert limits["keepalives"] == 1 and limits["keepalives_idle"] > 0
    own = _unanswered_limits("postgresql+psycopg://u@db/pitboard?connect_timeout=3")
    assert "connect_timeout" not in own and own["tcp_user_timeout"] == limits["tcp_user_timeout"]
    assert _unanswered_limits("sqlite:///x.sqlite3") == {}


@pytest.mark.postgres
def test_a_postgresql_connection_carries_the_limits(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            params = driver.info.get_parameters()  # type: ignore[union-attr]
        assert params.get("connect_timeout") == "10"
        assert params.get("tcp_user_timeout") == str(int(WRITER_WAIT * 1000))
        assert params.get("keepalives_idle") == "5"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_writer_connection_lost_before_its_first_statement_is_a_failure_the_core_recovers_from(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The server ends the writer's new connection before the wait is set on it: a store
    failure like any other (not a bug of the core's), the tap tried again and applied."""
    caplog.errors_expected = True  # type: ignore[attr-defined]  # the failed commit is said
    engine, admin = make_engine(postgres_url), make_engine(postgres_url)
    migrate(engine)
    store = Store(engine, "demo")
    wire = Wire()
    core = Core(demo_config(), store, wire, Clock())
    core.start()
    loop = HeldLoop(core, monkeypatch)
    ended: list[int] = []

    def end_it(conn: Connection) -> None:
        if not ended:
            pid = conn.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
            with admin.connect() as other:
                other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            ended.append(pid)

    try:
        loop.hold()
        store.close()  # the next commit takes a new connection for the writer
        event.listen(engine, "engine_connect", end_it)
        try:
            tap(core, Kiosk("kiosk-b03", "B03"), token="t1")
        finally:
            event.remove(engine, "engine_connect", end_it)
        assert ended, "no writer connection was made"
        assert wire.acks == [] and core.store_problem is not None
        loop.release()
        wait_until(lambda: len(wire.acks) == 1, what="the tap tried again on a new connection")
        assert [(seq, result) for seq, result, _ in wire.acks] == [(1, "applied")]
        assert not any("core failed" in r.getMessage() for r in caplog.records)
    finally:
        loop.release()
        core.stop()
        admin.dispose()
        engine.dispose()


def test_a_writer_thrown_away_is_closed_without_opening_another(engine: Engine) -> None:
    """After a lost connection the writer is closed at once: asking a connection SQLAlchemy
    threw away for its driver's would open a new one (against a server that does not
    answer, a wait of its own)."""
    store = Store(engine, "demo")
    store._writer().invalidate()
    made: list[object] = []

    def connected(*_args: object) -> None:
        made.append(1)

    event.listen(engine, "connect", connected)
    try:
        store.close()
    finally:
        event.remove(engine, "connect", connected)
    assert made == []
    assert str(store._writer().exec_driver_sql(wait_query(engine)).scalar()) in (
        str(int(WRITER_WAIT * 1000)),
        f"{int(WRITER_WAIT * 1000)}ms",
        f"{int(WRITER_WAIT)}s",
    )
    store.close()
