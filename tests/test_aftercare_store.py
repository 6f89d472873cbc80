"""A delivered car's call and complaint as the store keeps them: the open complaints, the
week's calls, and the rows the migration fills from documents written before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.domain.model import FollowUpOutcome
from core.engine.effects import rows_to_write
from core.store.backup import migrate_to
from core.store.codec import job_to_doc
from core.store.database import make_engine, migrate
from core.store.document_versions import SCHEMA
from core.store.repository import Batch, Store
from core.store.tables import AftercareRow, JobRow
from tests.helpers import at, delivered_car, domain_workshop, order

DAY = 24 * 60


def test_complaints_stay_open_in_storage_until_resolved_and_calls_add_up(store: Store) -> None:
    ws = domain_workshop()
    happy, unhappy, unanswered = (delivered_car(ws, p) for p in ("京A1", "京A2", "京A3"))
    ws.record_follow_up(happy, FollowUpOutcome.GOOD, "", "SA01", at(3 * DAY))
    ws.record_follow_up(unhappy, FollowUpOutcome.COMPLAINT, "", "SA01", at(3 * DAY), ["price"])
    ws.record_follow_up(unanswered, FollowUpOutcome.UNREACHABLE, "", "SA01", at(3 * DAY))
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), at(3 * DAY))
    assert [j.ro for j in store.open_complaints()] == [unhappy]
    calls = {c.ro: c for c in store.aftercare_calls(at(0), at(DAY))}
    assert calls[happy].outcome is FollowUpOutcome.GOOD
    assert calls[unhappy].categories == ("price",)
    assert (calls[unanswered].outcome, calls[unanswered].attempts) == (None, 1)
    assert store.aftercare_calls(at(DAY), at(2 * DAY)) == []
    assert [j.ro for j in store.awaiting_follow_up(at(0) - timedelta(days=1))] == [unanswered]

    ws.complaint_action(unhappy, "退差价", "SA01", at(4 * DAY))
    ws.resolve_complaint(unhappy, "已退差价", "M001", at(4 * DAY))
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), at(4 * DAY))
    assert store.open_complaints() == []
    with store.engine.connect() as conn:
        resolved = conn.execute(
            select(AftercareRow.complaint_resolved_at).where(AftercareRow.ro == unhappy)
        ).scalar_one()
    assert resolved == at(4 * DAY)


def test_the_migration_fills_the_aftercare_rows_from_the_stored_documents(db_url: str) -> None:
    """Cars delivered and called before the aftercare rows existed: a row each, from their
    documents (a version-2 one, which knew no categories), none for a car still in."""
    engine = make_engine(db_url)
    try:
        migrate_to(engine, "0006")
        ws = domain_workshop()
        called, waiting = delivered_car(ws, "京M1"), delivered_car(ws, "京M2")
        ws.record_follow_up(called, FollowUpOutcome.GOOD, "满意", "SA01", at(3 * DAY))
        inside = ws.check_in(order(plate="京M3"), at(0)).ro
        docs = {ro: job_to_doc(ws.jobs[ro]) for ro in (called, waiting, inside)}
        v2 = {**docs[called], SCHEMA: 2}
        del v2["follow_up"]["categories"]
        docs[called] = v2
        with engine.begin() as conn:
            for ro, doc in docs.items():
                conn.execute(
                    JobRow.__table__.insert(),
                    {
                        "site": "demo",
                        "ro": ro,
                        "status": doc["status"],
                        "bay": None,
                        "plate": doc["vehicle"]["plate"],
                        "public_token": None,
                        "promised_at": at(240),
                        "checked_in_at": at(0),
                        "updated_at": at(5000),
                        "doc": doc,
                    },
                )
        migrate(engine)
        with engine.connect() as conn:
            rows = {
                r.ro: r
                for r in conn.execute(
                    select(
                        AftercareRow.ro,
                        AftercareRow.outcome,
                        AftercareRow.called_at,
                        AftercareRow.delivered_at,
                        AftercareRow.categories,
                    )
                )
            }
        assert set(rows) == {called, waiting}
        assert (rows[called].outcome, rows[called].called_at) == ("good", at(3 * DAY))
        assert rows[called].delivered_at == at(60) and rows[called].categories == ""
        assert rows[waiting].outcome is None
        store = Store(engine, "demo")
        assert [c.ro for c in store.aftercare_calls(at(0), at(DAY))] == sorted([called, waiting])
    finally:
        engine.dispose()
