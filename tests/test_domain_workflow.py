"""The whole service workflow through the pure domain, and its refusals."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.domain import errors
from core.domain.handover import all_ticked
from core.domain.inspection import Inspection, complete
from core.domain.model import (
    BayKind,
    FindingState,
    FollowUpOutcome,
    JobStatus,
    KeyState,
    PauseReason,
    Severity,
)
from core.domain.vocabulary import HelpKind
from core.domain.workshop import NewFinding, OrderChanges, Workshop
from tests.helpers import at, order
from tests.schedule_site import booking


def test_a_car_goes_from_reception_to_follow_up(ws: Workshop) -> None:
    job = ws.check_in(order(key_tag="TAG7", wash_requested=True), at(0))
    assert job.ro == "RO-20261124-0001" and job.status is JobStatus.CHECKED_IN
    ws.key_in("TAG7", "KC1", 7, at(1))
    assert job.key.state is KeyState.IN_CABINET and job.key.slot == 7
    ws.dispatch(job.ro, "B03", at(2))
    assert job.status is JobStatus.DISPATCHED and job.team == "A"
    ws.sign_in("T002", "B03", at(3))
    ws.key_out("TAG7", "KC1", 7, at(3), holder="T002")
    assert job.key.state is KeyState.OUT and job.key.holder == "T002"
    ws.start(job.ro, "T002", "B03", at(5))
    assert job.status is JobStatus.IN_PROGRESS
    ws.report_finding(
        job.ro,
        "T002",
        "B03",
        NewFinding("F1", "前刹车片磨损超限", Severity.SAFETY, 1.0, 380),
        at(20),
    )
    ws.pause(job.ro, "T002", "B03", PauseReason.WAITING_APPROVAL, at(21))
    assert job.status is JobStatus.PAUSED
    with pytest.raises(errors.FindingsPending):
        ws.self_check(job.ro, "T002", "B03", at(22))
    ws.answer_finding(job.ro, "F1", approved=True, by="SA01", at=at(30))
    assert job.findings[0].state is FindingState.APPROVED
    assert job.standard_hours == pytest.approx(2.0)
    ws.resume(job.ro, "T002", "B03", at(31))
    ws.self_check(job.ro, "T002", "B03", at(90))
    assert job.status is JobStatus.SELF_CHECKED
    assert job.worked_seconds(at(200)) == pytest.approx((16 + 59) * 60)
    assert ws.tech_states["T002"].active_job is None
    ws.sign_in("T001", "B03", at(91))
    ws.leader_check(job.ro, "T001", "B03", at(92))
    ws.sign_in("Q001", "Q01", at(93))
    ws.qc_fail(job.ro, "Q001", "Q01", ["左前轮螺栓扭矩"], at(95))
    assert job.status is JobStatus.DISPATCHED and job.rework_count == 1
    assert ws.bay_queue("B03")[0] is job
    ws.start(job.ro, "T002", "B03", at(96))
    ws.self_check(job.ro, "T002", "B03", at(100))
    ws.leader_check(job.ro, "T001", "B03", at(101))
    ws.qc_pass(job.ro, "Q001", "Q01", at(105), complete(job.job_type))
    assert job.status is JobStatus.WASH_WAITING
    ws.sign_in("W001", "W01", at(106))
    ws.wash_start(job.ro, "W001", "W01", at(107))
    ws.wash_done(job.ro, "W001", "W01", at(120))
    assert job.status is JobStatus.READY and job.ready_at == at(120)
    ws.key_in("TAG7", "KC1", 7, at(121))  # back on its hook for the handover
    ws.check_handover(job.ro, all_ticked(job), "SA01", at(140))
    ws.deliver(job.ro, at(150))
    assert job.status is JobStatus.DELIVERED and job.key.state is KeyState.RETURNED
    ws.record_follow_up(job.ro, FollowUpOutcome.VERY_GOOD, "满意", "SA01", at(3 * 24 * 60))
    assert job.status is JobStatus.CLOSED


def test_two_technicians_each_have_their_own_clock(ws: Workshop) -> None:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B01", at(0))
    ws.sign_in("T002", "B01", at(0))
    ws.sign_in("T003", "B01", at(0))
    ws.start(job.ro, "T002", "B01", at(0))
    ws.start(job.ro, "T003", "B01", at(10))
    ws.pause(job.ro, "T002", "B01", PauseReason.BREAK, at(20))
    assert job.status is JobStatus.IN_PROGRESS  # T003 still works
    assert job.worked_seconds(at(30)) == pytest.approx((20 + 20) * 60)
    ws.pause(job.ro, "T003", "B01", PauseReason.TOOL, at(30))
    assert job.status is JobStatus.PAUSED and job.last_pause_reason == "tool"


def test_a_technician_holds_several_paused_jobs_but_runs_one_clock(ws: Workshop) -> None:
    a = ws.check_in(order("京A11111"), at(0))
    b = ws.check_in(order("京A22222"), at(0))
    for j in (a, b):
        ws.dispatch(j.ro, "B02", at(0))
    ws.sign_in("T002", "B02", at(0))
    ws.start(a.ro, "T002", "B02", at(1))
    with pytest.raises(errors.TechnicianBusy):
        ws.start(b.ro, "T002", "B02", at(2))
    ws.pause(a.ro, "T002", "B02", PauseReason.WAITING_PARTS, at(2))
    ws.start(b.ro, "T002", "B02", at(3))
    ws.pause(b.ro, "T002", "B02", PauseReason.WAITING_PARTS, at(4))
    assert a.status is b.status is JobStatus.PAUSED


def test_signing_out_and_shift_end_stop_running_clocks(ws: Workshop) -> None:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B01", at(0))
    ws.sign_in("T002", "B01", at(0))
    ws.start(job.ro, "T002", "B01", at(0))
    assert ws.pause_everyone(PauseReason.SHIFT_END, at(60)) == [job.ro]
    assert job.status is JobStatus.PAUSED and job.last_pause_reason == "shift_end"
    assert job.worked_seconds(at(600)) == pytest.approx(3600)
    ws.resume(job.ro, "T002", "B01", at(61))
    ws.sign_out("T002", "B01", at(70))
    assert job.status is JobStatus.PAUSED and job.last_pause_reason == "signed_out"
    assert ws.tech_states["T002"].bay is None


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (lambda ws, ro: ws.start(ro, "T002", "B01", at(1)), errors.NotSignedIn),
        (lambda ws, ro: ws.start("RO-NOPE", "T002", "B01", at(1)), errors.UnknownJob),
        (lambda ws, ro: ws.dispatch(ro, "W01", at(1)), errors.WrongBay),
        (lambda ws, ro: ws.dispatch(ro, "B99", at(1)), errors.UnknownBay),
        (lambda ws, ro: ws.deliver(ro, at(1)), errors.IllegalTransition),
        (lambda ws, ro: ws.qc_pass(ro, "Q001", "Q01", at(1), Inspection()), errors.NotSignedIn),
        (lambda ws, ro: ws.answer_finding(ro, "F9", True, "SA", at(1)), errors.UnknownFinding),
        (lambda ws, ro: ws.key_in("NOTAG", "KC1", 1, at(1)), errors.UnknownKey),
        (lambda ws, ro: ws.sign_in("T999", "B01", at(1)), errors.UnknownTechnician),
    ],
)
def test_refusals_carry_a_code_and_change_nothing(ws: Workshop, action, error) -> None:
    job = ws.check_in(order(), at(0))
    ws.take_events()
    before = copy.deepcopy(job), dict(ws.tech_states), dict(ws.counters)
    with pytest.raises(error) as info:
        action(ws, job.ro)
    assert info.value.code == error.code and str(info.value)
    assert (job, dict(ws.tech_states), dict(ws.counters)) == before
    assert ws.take_events() == [], "a refused step reported something as happened"


def test_work_at_the_wrong_bay_is_refused(ws: Workshop) -> None:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B01", at(0))
    ws.sign_in("T002", "B02", at(0))
    with pytest.raises(errors.WrongBay):
        ws.start(job.ro, "T002", "B02", at(1))


def test_only_qc_inspectors_pass_final_inspection(ws: Workshop) -> None:
    job = ws.check_in(order(wash_requested=False), at(0))
    ws.dispatch(job.ro, "B01", at(0))
    ws.sign_in("T002", "B01", at(0))
    ws.start(job.ro, "T002", "B01", at(0))
    ws.self_check(job.ro, "T002", "B01", at(10))
    ws.sign_in("T001", "B01", at(11))
    ws.leader_check(job.ro, "T001", "B01", at(11))
    ws.sign_in("T002", "Q01", at(12))
    with pytest.raises(errors.IllegalTransition):
        ws.qc_pass(job.ro, "T002", "Q01", at(13), complete(job.job_type))
    ws.sign_in("Q001", "Q01", at(13))
    ws.qc_pass(job.ro, "Q001", "Q01", at(14), complete(job.job_type))
    assert job.status is JobStatus.READY  # no wash asked for


def test_declined_safety_item_is_marked(ws: Workshop) -> None:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B01", at(0))
    ws.sign_in("T002", "B01", at(0))
    ws.start(job.ro, "T002", "B01", at(0))
    ws.report_finding(job.ro, "T002", "B01", NewFinding("F1", "轮胎", Severity.SAFETY), at(1))
    ws.answer_finding(job.ro, "F1", approved=False, by="SA01", at=at(2), note="客户下次再换")
    assert job.findings[0].declined_safety
    assert ws.bays["W01"].kind is BayKind.WASH


def test_orders_and_bookings_are_numbered_by_the_sites_own_day(ws: Workshop) -> None:
    ws.hours = replace(ws.hours, zone=ZoneInfo("Asia/Shanghai"))
    early = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # 07:30 on the 7th in Shanghai
    assert ws.check_in(order("京A10001"), early).ro == "RO-20261207-0001"
    late = datetime(2026, 12, 7, 15, 59, tzinfo=UTC)  # 23:59 on the 7th
    assert ws.check_in(order("京A10002"), late).ro == "RO-20261207-0002"
    next_day = late.replace(minute=59, hour=16)
    assert ws.check_in(order("京A10003"), next_day).ro == "RO-20261208-0001"
    start = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 10:00 on the 8th
    assert ws.book(booking(start), early).id == "AP-20261207-0001"
    ws.sign_in("T001", "B01", early)
    call = ws.call_help("B01", "T001", HelpKind.FOREMAN, early, "")
    assert call.id == "H-20261207-0001"
    facts = ws.take_events()
    numbered = [c for f in facts for c in f.counters()]
    days = ["ro:20261207", "ro:20261207", "ro:20261208", "appointment:20261207", "help:20261207"]
    assert numbered == days, "each day's counter is the day in its number"


def test_the_customers_requests_are_kept_to_what_a_ticket_prints(ws: Workshop) -> None:
    """Five hundred characters at most, at check-in and when the order changes (a desk
    that let 2,321 through printed a job ticket 66 cm long)."""
    with pytest.raises(errors.InvalidData, match="501 characters"):
        ws.check_in(replace(order(), requests="响" * 501), at(0))
    job = ws.check_in(replace(order(), requests="响" * 500), at(0))
    with pytest.raises(errors.InvalidData):
        ws.update_order(job.ro, OrderChanges(requests="x" * 501), at(1))
    assert job.requests == "响" * 500
