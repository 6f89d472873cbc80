"""The department's figures from repair orders (pure: no database, no pages)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.model import FollowUpOutcome, PartLine, PauseReason, Severity
from core.domain.reports import build_report, percentile, period, report_csv_rows
from core.domain.workshop import NewFinding, Workshop
from tests.helpers import T0, at, order

ZONE = ZoneInfo("Asia/Shanghai")


def through(ws: Workshop, plate: str, begin: float, work: float, rework: bool) -> str:
    """Checked in at ``begin``, waits 30 min for dispatch, ``work`` minutes of work, checks;
    with ``rework`` the final inspection fails once and 10 more minutes are worked."""
    job = ws.check_in(
        order(plate=plate, wash_requested=False, promised_at=at(begin + 180)), at(begin)
    )
    t = begin + 30
    ws.dispatch(job.ro, "B03", at(t))
    ws.sign_in("T002", "B03", at(t))
    ws.sign_in("T001", "B03", at(t))
    ws.sign_in("Q001", "Q01", at(t))
    ws.start(job.ro, "T002", "B03", at(t))
    t += work
    ws.self_check(job.ro, "T002", "B03", at(t))
    ws.leader_check(job.ro, "T001", "B03", at(t + 1))
    if rework:
        ws.qc_fail(job.ro, "Q001", "Q01", ["螺栓扭矩"], at(t + 2))
        ws.start(job.ro, "T002", "B03", at(t + 3))
        t += 13
        ws.self_check(job.ro, "T002", "B03", at(t))
        ws.leader_check(job.ro, "T001", "B03", at(t + 1))
    ws.qc_pass(job.ro, "Q001", "Q01", at(t + 5), complete(job.job_type))
    return job.ro


def test_a_days_figures(ws: Workshop) -> None:
    a = through(ws, "京A11111", begin=0, work=60, rework=False)  # ready at 95, promised 180
    b = through(ws, "京A22222", begin=100, work=150, rework=True)  # ready at 298, promised 280
    for ro, when in ((a, 200), (b, 300)):
        ws.check_handover(ro, all_ticked(ws.jobs[ro]), "SA01", at(when))
        ws.deliver(ro, at(when))
    ws.record_follow_up(a, FollowUpOutcome.GOOD, "", "SA01", at(400))
    cancelled = ws.check_in(order(plate="京A33333"), at(5))
    ws.cancel(cancelled.ro, "customer left", at(6))
    start, end = period("day", T0.astimezone(ZONE).date(), ZONE)
    r = build_report(list(ws.jobs.values()), start, end, ZONE, at(600), ["B03"], 10.0)
    assert r.jobs_in == 2 and r.delivered == 2
    assert r.on_time_rate == pytest.approx(0.5)
    assert r.first_time_fix_rate == pytest.approx(0.5)
    assert r.average_wait_hours == pytest.approx(0.5)
    assert r.average_cycle_hours == pytest.approx((95 + 198) / 2 / 60)
    tech = {t.tech: t for t in r.technicians}["T002"]
    assert tech.standard_hours == pytest.approx(2.0)
    assert tech.worked_hours == pytest.approx((60 + 150 + 10) / 60, abs=0.01)
    assert tech.efficiency == pytest.approx(2.0 / (220 / 60), abs=0.01)
    (bay,) = r.bays
    assert bay.busy_hours == pytest.approx(220 / 60, abs=0.01) and bay.open_hours == 10.0
    rows = report_csv_rows(r)
    assert ["jobs_in", "2"] in rows and ["on_time_delivery_pct", "50.0"] in rows


def test_findings_approval_rate_and_value(ws: Workshop) -> None:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B03", at(1))
    ws.sign_in("T002", "B03", at(1))
    ws.start(job.ro, "T002", "B03", at(2))
    ws.report_finding(
        job.ro, "T002", "B03", NewFinding("F1", "刹车片", Severity.SAFETY, 1.0, 380), at(3)
    )
    ws.report_finding(
        job.ro, "T002", "B03", NewFinding("F2", "雨刮", Severity.ADVISORY, 0.2, 90), at(4)
    )
    ws.report_finding(
        job.ro, "T002", "B03", NewFinding("F3", "轮胎", Severity.ADVISORY, 0.5, 800), at(4)
    )
    ws.pause(job.ro, "T002", "B03", PauseReason.WAITING_APPROVAL, at(5))
    ws.answer_finding(job.ro, "F1", approved=True, by="SA01", at=at(10))
    ws.answer_finding(job.ro, "F2", approved=False, by="SA01", at=at(11))
    start, end = period("week", T0.astimezone(ZONE).date(), ZONE)
    r = build_report(list(ws.jobs.values()), start, end, ZONE, at(60), ["B03"], 10.0)
    assert r.findings_answered == 2 and r.findings_approved == 1  # F3 still unanswered
    assert r.approval_rate == pytest.approx(0.5)
    assert r.approved_parts == pytest.approx(380) and r.approved_hours == pytest.approx(1.0)


def test_periods_are_whole_local_days_weeks_and_months() -> None:
    day = T0.astimezone(ZONE).date()  # a Tuesday
    start, end = period("week", day, ZONE)
    assert start.weekday() == 0 and (end - start) == timedelta(days=7)
    start, end = period("month", day, ZONE)
    assert start.day == 1 and end.day == 1 and end.month == start.month % 12 + 1
    start, end = period("day", day, ZONE)
    assert start.hour == 0 and start.tzinfo == ZONE and end - start == timedelta(days=1)


def test_parts_waits_give_p50_and_p90_of_the_requests_served_in_the_period(
    ws: Workshop,
) -> None:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B03", at(1))
    ws.sign_in("T002", "B03", at(1))
    ws.start(job.ro, "T002", "B03", at(2))
    waits = [4, 9, 15, 6, 30, 12, 8, 45, 10, 20]  # minutes, as the counter took them
    for n, wait in enumerate(waits):
        asked = 10 + n
        ws.request_parts((job.ro, "T002", "B03"), f"PR{n}", [PartLine("机滤")], at(asked))
        ws.parts_ready(job.ro, f"PR{n}", "PC01", at(asked + wait), delivered=n % 2 == 0)
    # Still waiting, and cancelled: no wait is counted for either.
    ws.request_parts((job.ro, "T002", "B03"), "PR-open", [PartLine("机滤")], at(30))
    ws.request_parts((job.ro, "T002", "B03"), "PR-gone", [PartLine("机滤")], at(31))
    ws.cancel_parts((job.ro, "T002", "B03"), "PR-gone", at(32))
    start, end = period("day", T0.astimezone(ZONE).date(), ZONE)
    r = build_report(list(ws.jobs.values()), start, end, ZONE, at(600), ["B03"], 10.0)
    assert r.parts_waits == sorted(w * 60 for w in waits)
    # Nearest rank: the 5th and the 9th of ten, waits some request really had.
    assert r.parts_wait_p50_minutes == 10.0 and r.parts_wait_p90_minutes == 30.0
    rows = report_csv_rows(r)
    assert ["parts_requests_served", "10"] in rows
    assert ["parts_wait_p50_minutes", "10.00"] in rows
    assert ["parts_wait_p90_minutes", "30.00"] in rows
    # A week counts them too; the day before none.
    week = build_report(
        list(ws.jobs.values()), *period("week", T0.date(), ZONE), ZONE, at(600), ["B03"], 10.0
    )
    assert week.parts_wait_p90_minutes == 30.0
    before = period("day", T0.astimezone(ZONE).date() - timedelta(days=1), ZONE)
    empty = build_report(list(ws.jobs.values()), *before, ZONE, at(600), ["B03"], 10.0)
    assert empty.parts_waits == [] and empty.parts_wait_p50_minutes is None
    assert ["parts_wait_p50_minutes", ""] in report_csv_rows(empty)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 0.5, None), ([7], 0.9, 7), ([1, 2], 0.5, 1), ([1, 2, 3], 0.5, 2), ([1, 2, 3], 0.9, 3)],
)
def test_percentiles_are_by_nearest_rank(values: list[int], q: float, expected: int | None) -> None:
    assert percentile(values, q) == expected
