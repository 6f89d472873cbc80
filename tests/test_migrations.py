"""A database at the newest revision is left as it is without Alembic; any other is brought
there by it."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from core.store.backup import head_revision, migrate_to
from core.store.codec import job_to_doc
from core.store.database import HEAD, at_head, make_engine, migrate
from core.store.repository import Store
from core.store.tables import JobRow
from tests.helpers import at, child_env, domain_workshop, order


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


def test_orders_stored_before_plate_keys_are_found_however_the_plate_is_typed(
    db_url: str,
) -> None:
    """Rows written before revision 0013 hold the plate as typed: after it, the car's
    history finds them by any spelling of that plate."""
    ws = domain_workshop()
    typed = [ws.check_in(order(p), at(n)) for n, p in enumerate(["京A 12345", "京B67890"])]
    engine = make_engine(db_url)
    try:
        migrate_to(engine, "0012")
        with engine.begin() as conn:
            for job in typed:
                conn.execute(
                    sa.insert(JobRow.__table__).values(
                        site="demo",
                        ro=job.ro,
                        status=job.status.value,
                        bay=None,
                        plate=job.vehicle.plate,  # as the store wrote it then
                        public_token=None,
                        promised_at=job.promised_at,
                        checked_in_at=job.checked_in_at,
                        updated_at=job.checked_in_at,
                        doc=job_to_doc(job),
                    )
                )
        migrate(engine)
        store = Store(engine, "demo")
        assert [j.ro for j in store.jobs_of_vehicle("京a·12345")] == [typed[0].ro]
        assert [j.vehicle.plate for j in store.jobs_of_vehicle("京B 67890")] == ["京B67890"]
    finally:
        engine.dispose()
