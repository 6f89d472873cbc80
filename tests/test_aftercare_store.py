"""A delivered car's call and complaint as the store keeps them: the open complaints, the
week's calls, and the rows the migration fills from documents written before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.domain.model import FollowUpOutcome
from core.engine.effects import rows_to_write
from core.store.repository import Batch, Store
from core.store.tables import AftercareRow
from tests.helpers import at, delivered_car, domain_workshop

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
