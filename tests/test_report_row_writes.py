"""The report rows are written as changes (a tap writes the one stretch it added or closed),
and whatever the changes — stretches added, closed, moved, taken away by a correction,
findings answered and taken back, a commit that failed half-way — the tables hold exactly
the rows the job's document gives."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from core.domain.model import Finding, FindingState, Job, Segment, Severity
from core.domain.workshop import Workshop
from core.engine.effects import Rows
from core.store.report_rows import finding_rows, work_rows
from core.store.repository import Batch, Store
from core.store.tables import AnsweredFindingRow, WorkRow
from tests.helpers import T0, domain_workshop, order

_plates = itertools.count(10000)

# One change of a job between two commits, as the domain or a correction can make it.
CHANGES = st.sampled_from(
    ["start", "close", "pause", "drop_last", "move_first", "report", "answer", "reopen"]
)


def stored(store: Store, ro: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with store.engine.connect() as conn:
        work = conn.execute(
            select(WorkRow.__table__).where(WorkRow.ro == ro).order_by(WorkRow.n)
        ).mappings()
        found = conn.execute(
            select(AnsweredFindingRow.__table__)
            .where(AnsweredFindingRow.ro == ro)
            .order_by(AnsweredFindingRow.finding_id)
        ).mappings()
        return [dict(r) for r in work], [dict(r) for r in found]


def expected(store: Store, job: Job) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the document gives, read back through the same columns."""
    work = work_rows(store.site, job)
    found = sorted(finding_rows(store.site, job), key=lambda r: r["finding_id"])
    return work, found


def change(job: Job, what: str, at: datetime) -> None:
    segs = job.segments
    open_ = [s for s in segs if s.end is None]
    if what == "start":
        segs.append(Segment(tech="T001", kind="work", start=at))
    elif what == "close" and open_:
        open_[-1].end = at
    elif what == "pause":
        segs.append(Segment(tech="T001", kind="pause", start=at, reason="waiting_parts"))
    elif what == "drop_last" and segs:
        segs.pop()
    elif what == "move_first" and segs:
        segs[0].start -= timedelta(minutes=3)
    elif what == "report":
        n = len(job.findings) + 1
        job.findings.append(
            Finding(f"F{n}", "刹车片磨损", Severity.SAFETY, 1.0, 300.0, "", "T001", at)
        )
    elif what == "answer" and job.findings:
        f = job.findings[len(segs) % len(job.findings)]
        f.state, f.answered_at = FindingState.APPROVED, at
    elif what == "reopen" and job.findings:
        f = job.findings[-1]
        f.state, f.answered_at = FindingState.PENDING, None


def commit(store: Store, ws: Workshop, ros: set[str], now: datetime, fail: bool) -> bool:
    """Commit the jobs' rows; with ``fail`` the transaction breaks after they were written."""
    counters = frozenset({"no such counter"}) if fail else frozenset()
    try:
        store.commit(ws, Batch(), Rows(jobs=frozenset(ros), counters=counters), now)
    except KeyError:
        return False
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(CHANGES, st.sampled_from([{0}, {1}, {0, 1}]), st.booleans()),
        min_size=1,
        max_size=14,
    )
)
def test_the_tables_hold_the_rows_of_the_document_after_every_commit(
    store: Store, steps: list[tuple[str, set[int], bool]]
) -> None:
    ws = domain_workshop()
    jobs = [ws.check_in(order(plate=f"京A{next(_plates)}"), T0) for _ in range(2)]
    assert commit(store, ws, {j.ro for j in jobs}, T0, fail=False)
    last_good = [expected(store, j) for j in jobs]
    for n, (what, which, fails) in enumerate(steps, start=1):
        now = T0 + timedelta(minutes=n)
        for i in which:
            change(jobs[i], what, now)
        if commit(store, ws, {jobs[i].ro for i in which}, now, fail=fails):
            for i in which:
                last_good[i] = expected(store, jobs[i])
        # A job changed in memory but not committed keeps its stored rows.
        assert [stored(store, j.ro) for j in jobs] == last_good


def test_a_tap_writes_the_stretch_it_changed_not_the_job_again(store: Store) -> None:
    ws = domain_workshop()
    job = ws.check_in(order(plate=f"京A{next(_plates)}"), T0)
    for n in range(6):
        change(job, "start", T0 + timedelta(minutes=2 * n))
        change(job, "close", T0 + timedelta(minutes=2 * n + 1))
    commit(store, ws, {job.ro}, T0, fail=False)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.split()[0] + " " + statement.split()[2])

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        change(job, "start", T0 + timedelta(minutes=20))
        commit(store, ws, {job.ro}, T0 + timedelta(minutes=20), fail=False)
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    work = [s for s in statements if "job_work" in s]
    assert work == ["INSERT job_work"], statements  # one row, no delete of the other six
    assert not [s for s in statements if "job_findings" in s]
    assert stored(store, job.ro) == expected(store, job)
