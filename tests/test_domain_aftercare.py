"""The follow-up call (回访), tried again when nobody answers, and the complaint case it may
open; the week's calls added up: pure domain, no I/Out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.aftercare import call_due, call_overdue, reply_overdue
from core.domain.aftercare_report import AftercareCall, aftercare_report
from core.domain.model import FollowUpOutcome, JobStatus
from core.domain.workshop import Workshop
from tests.helpers import at, delivered_car

delivered = delivered_car

Out = FollowUpOutcome
DAY = 24 * 60


def test_a_good_call_closes_the_order(ws: Workshop) -> None:
    ro = delivered(ws)
    ws.record_follow_up(ro, Out.VERY_GOOD, "很满意", "SA01", at(3 * DAY))
    job = ws.jobs[ro]
    assert job.status is JobStatus.CLOSED and job.follow_up is not None
    assert (job.follow_up.outcome, job.follow_up.categories) == (Out.VERY_GOOD, [])


@pytest.mark.parametrize("outcome", [Out.DISSATISFIED, Out.VERY_DISSATISFIED, Out.COMPLAINT])
def test_an_unhappy_call_names_what_the_customer_was_unhappy_with(
    ws: Workshop, outcome: FollowUpOutcome
) -> None:
    ro = delivered(ws)
    with pytest.raises(errors.InvalidData, match="not happy with"):
        ws.record_follow_up(ro, outcome, "", "SA01", at(3 * DAY))
    with pytest.raises(errors.InvalidData, match="not a dissatisfaction"):
        ws.record_follow_up(ro, outcome, "", "SA01", at(3 * DAY), ["rudeness"])
    assert ws.jobs[ro].follow_up is None and ws.jobs[ro].status is JobStatus.DELIVERED
    ws.record_follow_up(ro, outcome, "等了太久", "SA01", at(3 * DAY), ["time", "price", "time"])
    assert ws.jobs[ro].follow_up.categories == ["time", "price"]  # type: ignore[union-attr]


def test_a_happy_call_names_no_dissatisfaction(ws: Workshop) -> None:
    ro = delivered(ws)
    with pytest.raises(errors.InvalidData):
        ws.record_follow_up(ro, Out.GOOD, "", "SA01", at(3 * DAY), ["price"])


def test_nobody_answering_is_tried_again_not_closed(ws: Workshop) -> None:
    ro = delivered(ws)
    job = ws.jobs[ro]
    ws.take_events()
    for attempt in (1, 2):
        ws.record_follow_up(ro, Out.UNREACHABLE, "无人接听", "SA01", at(3 * DAY + attempt), tries=3)
        assert job.status is JobStatus.DELIVERED and job.follow_up is None
        assert len(job.call_attempts) == attempt
        (event,) = ws.take_events()
        assert event == ev.FollowUpUnanswered(
            ro=ro, attempt=attempt, tries=3, at=at(3 * DAY + attempt)
        )
    ws.record_follow_up(ro, Out.UNREACHABLE, "", "SA01", at(4 * DAY), tries=3)  # the last try
    assert job.status is JobStatus.CLOSED and job.follow_up.outcome is Out.UNREACHABLE  # type: ignore[union-attr]


def test_a_call_that_reaches_them_after_a_miss_closes_it(ws: Workshop) -> None:
    ro = delivered(ws)
    ws.record_follow_up(ro, Out.UNREACHABLE, "", "SA01", at(3 * DAY), tries=2)
    ws.record_follow_up(ro, Out.GOOD, "", "SA01", at(3 * DAY + 60), tries=2)
    job = ws.jobs[ro]
    assert job.status is JobStatus.CLOSED and len(job.call_attempts) == 1
    with pytest.raises(errors.IllegalTransition):
        ws.record_follow_up(ro, Out.GOOD, "", "SA01", at(3 * DAY + 61))


def test_with_one_try_nobody_answering_closes_at_once(ws: Workshop) -> None:
    ro = delivered(ws)
    ws.record_follow_up(ro, Out.UNREACHABLE, "", "SA01", at(3 * DAY), tries=1)
    assert ws.jobs[ro].status is JobStatus.CLOSED
    with pytest.raises(errors.InvalidData):
        ws.record_follow_up(delivered(ws, "京B1"), Out.GOOD, "", "SA01", at(3 * DAY), tries=0)


def test_a_complaint_opens_a_case_that_stays_open_until_resolved(ws: Workshop) -> None:
    ro = delivered(ws)
    ws.take_events()
    ws.record_follow_up(ro, Out.COMPLAINT, "异响没修好", "SA01", at(3 * DAY), ["repair_quality"])
    job = ws.jobs[ro]
    case = job.complaint
    assert case is not None and case.open
    assert (case.owner, case.reply_by) == ("SA01", at(5 * DAY))  # the advisor's, in two days
    assert case.categories == ["repair_quality"] and case.note == "异响没修好"
    assert job.status is JobStatus.DELIVERED, "open while the complaint is"
    assert [type(e) for e in ws.take_events()] == [ev.FollowUpRecorded, ev.ComplaintOpened]
    with pytest.raises(errors.InvalidData, match="already recorded"):
        ws.record_follow_up(ro, Out.GOOD, "", "SA01", at(3 * DAY + 1))
    with pytest.raises(errors.InvalidData, match="nothing was done"):
        ws.resolve_complaint(ro, "已解决", "M001", at(3 * DAY + 2))
    with pytest.raises(errors.InvalidData):
        ws.complaint_action(ro, "  ", "SA01", at(3 * DAY + 2))
    ws.complaint_action(ro, "约客户回厂复检", "SA01", at(3 * DAY + 60))
    ws.complaint_action(ro, "更换减震器胶套", "T002", at(4 * DAY))
    assert [a.text for a in case.actions] == ["约客户回厂复检", "更换减震器胶套"]
    with pytest.raises(errors.InvalidData, match="settled"):
        ws.resolve_complaint(ro, "", "M001", at(4 * DAY + 1))
    assert case.open and job.status is JobStatus.DELIVERED
    ws.resolve_complaint(ro, "免费更换，客户满意", "M001", at(4 * DAY + 2))
    assert not case.open and job.status is JobStatus.CLOSED
    assert (case.resolution, case.resolved_by) == ("免费更换，客户满意", "M001")
    with pytest.raises(errors.ComplaintClosed):
        ws.complaint_action(ro, "再次回访", "SA01", at(5 * DAY))


def test_a_complaint_may_be_given_to_someone_else_and_another_reply_time(ws: Workshop) -> None:
    ro = delivered(ws)
    ws.record_follow_up(
        ro,
        Out.COMPLAINT,
        "",
        "SA02",
        at(3 * DAY),
        ["attitude"],
        owner="M001",
        reply_within=timedelta(hours=24),
    )
    case = ws.jobs[ro].complaint
    assert case is not None and (case.owner, case.reply_by) == ("M001", at(4 * DAY))


def test_no_case_no_complaint_steps(ws: Workshop) -> None:
    ro = delivered(ws)
    with pytest.raises(errors.ComplaintClosed):
        ws.complaint_action(ro, "回电", "SA01", at(3 * DAY))
    with pytest.raises(errors.ComplaintClosed):
        ws.resolve_complaint(ro, "好了", "SA01", at(3 * DAY))


def test_overdue_calls_and_replies(ws: Workshop) -> None:
    ro = delivered(ws)
    job = ws.jobs[ro]
    assert call_due(job) == at(60) + timedelta(days=3)
    assert not call_overdue(job, at(60 + 3 * DAY))
    assert call_overdue(job, at(61 + 3 * DAY))
    ws.record_follow_up(ro, Out.COMPLAINT, "", "SA01", at(61 + 3 * DAY), ["price"])
    assert not call_overdue(job, at(10 * DAY)), "made, if late"
    case = job.complaint
    assert case is not None
    assert not reply_overdue(case, case.reply_by) and reply_overdue(
        case, case.reply_by + timedelta(seconds=1)
    )
    ws.complaint_action(ro, "退差价", "SA01", at(10 * DAY))
    ws.resolve_complaint(ro, "已退", "SA01", at(10 * DAY))
    assert not reply_overdue(case, at(20 * DAY)), "a resolved case is not overdue"


def test_the_weeks_calls_added_up() -> None:
    calls = [
        AftercareCall("R1", Out.VERY_GOOD),
        AftercareCall("R2", Out.GOOD),
        AftercareCall("R3", Out.DISSATISFIED, categories=("time", "price")),
        AftercareCall("R4", Out.COMPLAINT, categories=("time", "repair_quality")),
        AftercareCall("R5", Out.UNREACHABLE, attempts=2),
        AftercareCall("R6", None, attempts=1),  # tried once, to be tried again
        AftercareCall("R7", None),  # not yet called
        AftercareCall("R8", Out.VERY_DISSATISFIED, categories=("attitude", "price", "time")),
    ]
    report = aftercare_report(calls, open_complaints=2)
    assert (report.delivered, report.called, report.reached, report.satisfied) == (8, 6, 5, 2)
    assert report.completion_pct == pytest.approx(75.0)
    assert report.satisfaction_pct == pytest.approx(40.0)
    assert report.score == pytest.approx((5 + 4 + 2 + 1 + 1) / 5)
    assert report.top_dissatisfaction == [("time", 3), ("price", 2), ("attitude", 1)]
    assert report.open_complaints == 2
    assert report.outcomes[Out.UNREACHABLE] == 1
    empty = aftercare_report([], 0)
    assert empty.completion_pct is None and empty.satisfaction_pct is None and empty.score is None
