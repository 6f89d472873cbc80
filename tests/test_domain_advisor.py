"""The advisor's own cars in the domain: which facts tell the advisor what, a promise gone at
risk (told once until it clears), the at-risk notice that goes to the service manager when
nobody acknowledged it in time, the call with a new promise, the work of an approved
finding, and the order cancelled only with a reason.

Pure domain: the clock is the test's, nothing from the engine or the store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.display.rules import promise_at_risk
from core.domain import errors
from core.domain import events as ev
from core.domain.inspection import complete
from core.domain.model import JobStatus, Operation, PauseReason, Severity
from core.domain.notices import Notice, escalated
from core.domain.vocabulary import NoticeKind
from core.domain.workshop import NewFinding, Workshop
from tests.helpers import T0, at, delivered_car, domain_workshop, order

OIL = Operation("M020", "换机油", 0.5, "Oil change")


@pytest.fixture
def ws() -> Workshop:
    return domain_workshop()


def at_work(ws: Workshop, wash: bool = True) -> str:
    ro = ws.check_in(order(wash_requested=wash), at(0)).ro
    ws.dispatch(ro, "B03", at(0))
    ws.sign_in("T002", "B03", at(1))
    ws.start(ro, "T002", "B03", at(2))
    ws.take_events()
    return ro


def finding(ws: Workshop, ro: str, fid: str = "F1", minute: float = 5) -> None:
    new = NewFinding(fid, "前刹车片磨损", Severity.SAFETY, 1.0, 380)
    ws.report_finding(ro, "T002", "B03", new, at(minute))


def through_qc(ws: Workshop, ro: str, spot: str = "") -> None:
    ws.self_check(ro, "T002", "B03", at(30))
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32))
    ws.sign_in("Q001", "Q01", at(33))
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(ws.jobs[ro].job_type), spot=spot)


def told(ws: Workshop) -> list[tuple[NoticeKind, str, str]]:
    """What the facts recorded since the last look tell the advisors: (kind, order, detail)."""
    return [(n.kind, n.ro, n.detail) for n in ws.raise_notices(ws.take_events())]


# ----------------------------------------------------------------- from the facts
def test_a_finding_reported_tells_the_cars_advisor_with_its_title(ws: Workshop) -> None:
    ro = at_work(ws)
    finding(ws, ro)
    assert told(ws) == [(NoticeKind.FINDING, ro, "前刹车片磨损")]
    (notice,) = ws.notices.values()
    assert notice.advisor == "SA01" and notice.at == at(5) and notice.open


def test_the_wash_starting_and_the_car_ready_tell_the_advisor_where_it_is_parked(
    ws: Workshop,
) -> None:
    ro = at_work(ws, wash=True)
    through_qc(ws, ro)
    assert told(ws) == []  # passed, but waiting for the wash: not ready yet
    ws.sign_in("W001", "W01", at(41))
    ws.wash_start(ro, "W001", "W01", at(42))
    assert told(ws) == [(NoticeKind.WASHING, ro, "")]
    ws.wash_done(ro, "W001", "W01", at(55), spot="P07")
    assert told(ws) == [(NoticeKind.READY, ro, "P07")]


def test_the_facts_of_one_batch_tell_each_thing_once_as_it_happened(ws: Workshop) -> None:
    """Several steps in one batch (the engine raises after it): the car passed its final
    inspection into the wash queue, then was washed; it was ready once, after the wash."""
    ro = at_work(ws, wash=True)
    through_qc(ws, ro)
    ws.sign_in("W001", "W01", at(41))
    ws.wash_start(ro, "W001", "W01", at(42))
    ws.wash_done(ro, "W001", "W01", at(55), spot="P07")
    assert told(ws) == [(NoticeKind.WASHING, ro, ""), (NoticeKind.READY, ro, "P07")]


def test_a_car_needing_no_wash_is_ready_once_it_passes_final_inspection(ws: Workshop) -> None:
    ro = at_work(ws, wash=False)
    through_qc(ws, ro, spot="P03")
    assert told(ws) == [(NoticeKind.READY, ro, "P03")]


def test_other_facts_tell_the_advisor_nothing(ws: Workshop) -> None:
    ro = at_work(ws)
    ws.pause(ro, "T002", "B03", PauseReason.WAITING_PARTS, at(10))
    ws.resume(ro, "T002", "B03", at(20))
    assert told(ws) == []


# ----------------------------------------------------------------- at risk
def test_the_rule_of_a_promise_at_risk_is_the_boards() -> None:
    promised = at(60)
    assert promise_at_risk(JobStatus.IN_PROGRESS, promised, at(61))
    assert not promise_at_risk(JobStatus.IN_PROGRESS, promised, at(60))  # on time is on time
    assert not promise_at_risk(JobStatus.IN_PROGRESS, promised, None)
    assert not promise_at_risk(JobStatus.READY, promised, at(90))  # ready: nothing at risk


def test_a_car_going_at_risk_is_told_once_until_it_clears_then_again(ws: Workshop) -> None:
    ro = at_work(ws)
    (first,) = ws.watch_promises({ro: at(300)}, at(10))
    assert first.kind is NoticeKind.AT_RISK and first.ro == ro and first.at == at(10)
    assert ws.watch_promises({ro: at(310)}, at(11)) == []  # still at risk: told already
    assert ws.watch_promises({}, at(12)) == []  # cleared: the notice, open, goes with it
    assert first.id not in ws.notices
    (again,) = ws.watch_promises({ro: at(320)}, at(13))
    assert again.id != first.id
    ws.acknowledge_notice(ro, again.id, "SA01", at(14))
    ws.watch_promises({}, at(15))
    assert not ws.notices[again.id].open  # an acknowledged one stays, with who saw it


def test_an_unacknowledged_at_risk_notice_goes_to_the_manager_after_the_set_time() -> None:
    after = timedelta(minutes=15)
    came = at(10)
    notice = Notice("at_risk-RO-1-1", NoticeKind.AT_RISK, "RO-1", "SA01", came)
    assert not escalated(notice, came + timedelta(minutes=14, seconds=59), after)
    assert escalated(notice, came + after, after)
    seen = Notice("at_risk-RO-1-1", NoticeKind.AT_RISK, "RO-1", "SA01", came, "", at(12), "SA01")
    assert not escalated(seen, came + timedelta(hours=2), after)  # acknowledged in time
    found = Notice("finding-RO-1-2", NoticeKind.FINDING, "RO-1", "SA01", came)
    assert not escalated(found, came + timedelta(hours=2), after)  # findings escalate by [alerts]


def test_acknowledging_a_notice_records_who_and_when_once(ws: Workshop) -> None:
    ro = at_work(ws)
    (notice,) = ws.watch_promises({ro: at(300)}, at(10))
    seen = ws.acknowledge_notice(ro, notice.id, "SA01", at(12))
    assert (seen.acknowledged_at, seen.acknowledged_by) == (at(12), "SA01")
    assert ws.take_events() == [
        ev.NoticeAcknowledged(notice=notice.id, about=ro, by="SA01", at=at(12))
    ]
    again = ws.acknowledge_notice(ro, notice.id, "M001", at(20))
    assert again.acknowledged_by == "SA01" and ws.take_events() == []
    with pytest.raises(errors.UnknownNotice):
        ws.acknowledge_notice("RO-OTHER", notice.id, "SA01", at(21))


def test_the_notices_of_a_car_that_left_are_let_go(ws: Workshop) -> None:
    ro = at_work(ws)
    ws.watch_promises({ro: at(300)}, at(10))
    ws.cancel(ro, "客户不修了", at(11))
    ws.watch_promises({}, at(12))
    assert ws.notices == {}


# ----------------------------------------------------------------- the call and new promise
def test_the_call_with_a_new_promise_answers_the_cars_at_risk_notices(ws: Workshop) -> None:
    ro = at_work(ws)
    (notice,) = ws.watch_promises({ro: at(300)}, at(10))
    was = ws.jobs[ro].promised_at
    job = ws.record_promise_call(ro, at(360), "客户同意晚一点取", "SA01", at(15))
    assert job.promised_at == at(360)
    assert ws.take_events() == [
        ev.PromiseCallRecorded(
            ro=ro, promised_at=at(360), was=was, by="SA01", note="客户同意晚一点取", at=at(15)
        ),
        ev.NoticeAcknowledged(notice=notice.id, about=ro, by="SA01", at=at(15)),
    ]
    assert not ws.notices[notice.id].open


def test_a_new_promise_that_has_passed_or_for_a_ready_car_is_refused(ws: Workshop) -> None:
    ro = at_work(ws, wash=False)
    with pytest.raises(errors.TimePassed):
        ws.record_promise_call(ro, at(14), "", "SA01", at(15))
    through_qc(ws, ro)
    with pytest.raises(errors.IllegalTransition):
        ws.record_promise_call(ro, at(300), "", "SA01", at(45))
    assert ws.jobs[ro].promised_at == T0 + timedelta(hours=4)


# ----------------------------------------------------------------- the finding's work
def test_the_work_of_an_approved_finding_is_added_to_the_order(ws: Workshop) -> None:
    ro = at_work(ws)
    finding(ws, ro)
    ws.answer_finding(ro, "F1", True, "SA01", at(8))
    ws.take_events()
    job = ws.add_finding_work(ro, "F1", (OIL,), at(9))
    assert [o.code for o in job.operations] == ["M010", "M020"]
    assert ws.take_events() == [ev.WorkAdded(ro=ro, finding_id="F1", codes=("M020",), at=at(9))]


@pytest.mark.parametrize(
    ("answer", "refusal"), [(None, errors.FindingNotApproved), (False, errors.FindingNotApproved)]
)
def test_no_work_is_added_for_a_finding_not_approved(
    ws: Workshop, answer: bool | None, refusal: type[errors.DomainError]
) -> None:
    ro = at_work(ws)
    finding(ws, ro)
    if answer is not None:
        ws.answer_finding(ro, "F1", answer, "SA01", at(8))
    with pytest.raises(refusal):
        ws.add_finding_work(ro, "F1", (OIL,), at(9))
    with pytest.raises(errors.UnknownFinding):
        ws.add_finding_work(ro, "F9", (OIL,), at(9))
    assert [o.code for o in ws.jobs[ro].operations] == ["M010"]


def test_no_work_is_added_once_the_bay_work_is_done_or_with_nothing_to_add(ws: Workshop) -> None:
    ro = at_work(ws)
    finding(ws, ro)
    ws.answer_finding(ro, "F1", True, "SA01", at(8))
    with pytest.raises(errors.InvalidData):
        ws.add_finding_work(ro, "F1", (), at(9))
    ws.self_check(ro, "T002", "B03", at(30))
    with pytest.raises(errors.IllegalTransition):
        ws.add_finding_work(ro, "F1", (OIL,), at(31))


# ----------------------------------------------------------------- cancel
def test_an_order_is_cancelled_only_with_a_reason_and_never_once_delivered(
    ws: Workshop,
) -> None:
    ro = at_work(ws)
    with pytest.raises(errors.InvalidData, match="reason"):
        ws.cancel(ro, "  ", at(10))
    assert ws.jobs[ro].status is JobStatus.IN_PROGRESS
    ws.cancel(ro, "客户不修了", at(11))
    assert ws.jobs[ro].cancelled_reason == "客户不修了"
    other = domain_workshop()
    gone = delivered_car(other)
    with pytest.raises(errors.IllegalTransition, match="delivered"):
        other.cancel(gone, "客户要求", at(70))
    assert other.jobs[gone].status is JobStatus.DELIVERED
