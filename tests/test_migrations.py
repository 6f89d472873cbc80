"""A database at the newest revision is left as it is without Alembic; any other is brought
there by it."""

from __future__ import annotations

import subprocess
import sys

from core.store.backup import head_revision, migrate_to
from core.store.database import HEAD, at_head, make_engine, migrate
from tests.helpers import child_env


def test_the_head_the_core_knows_is_alembics() -> None:
    """A new revision under migrations/versions moves ``HEAD`` with it, or this fails."""
    assert head_revision() == HEAD


def test_a_new_and_an_older_database_are_brought_to_the_head(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert not at_head(engine)  # no schema at all
        migrate_to(engine, "0010")
        assert not at_head(engine)
        migrate(engine)
        assert at_head(engine)
        migrate(engine)  # again: nothing to do
        assert at_head(engine)
    finally:
        engine.dispose()


def test_a_database_at_the_head_is_not_handed_to_alembic(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    started = (
        "import sys\n"
        "from core.store.database import make_engine, migrate\n"
        f"migrate(make_engine({db_url!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", started], env=child_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
