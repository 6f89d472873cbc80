"""Engines and migrations: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from .writer_wait import WRITER_WAIT

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")

#: The newest revision under migrations/versions (tests/test_migrations.py holds the two
#: together): a database already there is not handed to Alembic, whose import and reading
#: of every revision took a quarter of the core's start-up.
HEAD = "0013"


def sqlite_url(data_dir: str | Path) -> str:
    path = Path(data_dir) / "pitboard.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    """An engine set up for durability: a commit is on disk before we ack."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(WRITER_WAIT * 1000)}")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, connect_args=_unanswered_limits(url))


#: libpq's own waits, by default without end (or the system's two hours): for a connection
#: to be made, for what was sent to a server that stopped answering (its machine gone, a
#: cable pulled) to be acknowledged, and for an answer on a connection that went silent
#: (keep-alive probes after 5 s, three 2 s apart); a statement the server itself holds up
#: is bounded by writer_wait.py.
_LIBPQ_LIMITS = {
    "connect_timeout": 10,
    "tcp_user_timeout": int(WRITER_WAIT * 1000),
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


def _unanswered_limits(url: str) -> dict[str, Any]:
    """The limits a libpq driver is given where the site's URL sets none of its own."""
    parsed = make_url(url)
    if parsed.get_driver_name() not in ("psycopg", "psycopg2"):
        return {}
    return {k: v for k, v in _LIBPQ_LIMITS.items() if k not in parsed.query}


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (safe to call on every start)."""
    if at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is at ``HEAD`` (False for one without Alembic's table:
    new, or older than any revision)."""
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False
    return found == [HEAD]
