"""The three checks by three people, and what the leader check and the final inspection
record: pure domain, no I/O."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.inspection import CHECKLISTS, ROAD_TEST_NEEDED, Inspection, checklist, complete
from core.domain.model import JobStatus, JobType
from core.domain.workshop import Workshop
from tests.helpers import at, order


def self_checked(ws: Workshop, tech: str = "T002", job_type: JobType = JobType.REPAIR) -> str:
    """A car worked at B03 by ``tech`` and self-checked by them."""
    job = ws.check_in(order(wash_requested=False, job_type=job_type), at(0))
    ws.dispatch(job.ro, "B03", at(0))
    ws.sign_in(tech, "B03", at(1))
    ws.start(job.ro, tech, "B03", at(2))
    ws.self_check(job.ro, tech, "B03", at(30))
    return job.ro


def leader_checked(ws: Workshop, job_type: JobType = JobType.REPAIR) -> str:
    ro = self_checked(ws, job_type=job_type)
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32))
    ws.sign_in("Q001", "Q01", at(33))
    return ro


def test_three_people_check_a_car(ws: Workshop) -> None:
    ro = self_checked(ws)
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32), "刹车盘有轻微划痕", ("三个月后复查刹车盘",))
    ws.sign_in("Q001", "Q01", at(33))
    ws.take_events()
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(JobType.REPAIR, "异响消失"))
    job = ws.jobs[ro]
    assert [(c.level, c.by) for c in job.checks] == [
        ("self", "T002"),
        ("leader", "T001"),
        ("qc", "Q001"),
    ]
    leader, qc = job.checks[1], job.checks[2]
    assert (leader.notes, leader.recommendations) == ("刹车盘有轻微划痕", ["三个月后复查刹车盘"])
    assert qc.checklist == list(CHECKLISTS[JobType.REPAIR]) and qc.road_test is True
    assert qc.road_test_note == "异响消失"
    assert all(c.override is None for c in job.checks)
    assert ws.take_events() == [
        ev.QcPassed(ro=ro, by="Q001", bay="Q01", road_test=True, override=None, at=at(40))
    ]
    assert job.status is JobStatus.READY


def test_the_leader_check_is_not_the_self_checkers(ws: Workshop) -> None:
    ro = self_checked(ws, tech="T001")  # the leader worked on the car himself
    with pytest.raises(errors.SameChecker):
        ws.leader_check(ro, "T001", "B03", at(31))
    assert ws.jobs[ro].status is JobStatus.SELF_CHECKED and len(ws.jobs[ro].checks) == 1
    ws.sign_in("T005", "B03", at(31))  # the other team's leader
    ws.leader_check(ro, "T005", "B03", at(32))
    assert ws.jobs[ro].status is JobStatus.LEADER_CHECKED


def test_a_leader_checks_at_the_cars_bay_and_stays_at_their_own_work(ws: Workshop) -> None:
    """The team leader, at work on a car of their own at B01, comes over to B03 and badges
    there: the check is theirs, and they are still signed in at B01 with their clock on."""
    ro = self_checked(ws)  # T002's, at B03
    own = ws.check_in(order(plate="京B22222", wash_requested=False), at(0))
    ws.dispatch(own.ro, "B01", at(0))
    ws.sign_in("T001", "B01", at(1))
    ws.start(own.ro, "T001", "B01", at(2))
    ws.take_events()
    ws.leader_check(ro, "T001", "B03", at(31))
    assert ws.jobs[ro].status is JobStatus.LEADER_CHECKED
    assert (ws.jobs[ro].checks[-1].level, ws.jobs[ro].checks[-1].by) == ("leader", "T001")
    assert (ws.tech_states["T001"].bay, ws.tech_states["T001"].active_job) == ("B01", own.ro)
    assert [type(e) for e in ws.take_events()] == [ev.JobLeaderChecked]


def test_the_leader_check_is_refused_to_a_non_leader_elsewhere_or_unsigned_at_qc(
    ws: Workshop,
) -> None:
    ro = self_checked(ws)
    with pytest.raises(errors.IllegalTransition, match="needs role leader"):
        ws.leader_check(ro, "T004", "B03", at(31))  # not a leader
    with pytest.raises(errors.WrongBay):
        ws.leader_check(ro, "T001", "B05", at(31))  # a bay the car is not at
    with pytest.raises(errors.NotSignedIn):
        ws.leader_check(ro, "Q001", "Q01", at(31))  # at the QC station: signed in there
    assert ws.jobs[ro].status is JobStatus.SELF_CHECKED and len(ws.jobs[ro].checks) == 1


def test_the_final_inspection_is_a_third_persons(ws: Workshop) -> None:
    slim = replace(ws.technicians["Q001"], may_check_twice=False)
    ws.technicians["Q001"] = slim
    ro = self_checked(ws)
    ws.sign_in("Q001", "Q01", at(31))
    ws.leader_check(ro, "Q001", "Q01", at(32))  # the inspector did the leader check
    for step in (
        lambda: ws.qc_pass(ro, "Q001", "Q01", at(33), complete(JobType.REPAIR)),
        lambda: ws.qc_fail(ro, "Q001", "Q01", ["扭矩"], at(33)),
    ):
        with pytest.raises(errors.SameChecker, match="leader check"):
            step()
    assert ws.jobs[ro].status is JobStatus.LEADER_CHECKED


def test_a_manager_may_let_one_person_do_two_checks_with_a_reason(ws: Workshop) -> None:
    ro = self_checked(ws, tech="T001")
    with pytest.raises(errors.InvalidData):
        ws.allow_same_checker(ro, "  ", "M001", at(31))
    assert ws.jobs[ro].checks_override is None
    ws.take_events()
    ws.allow_same_checker(ro, "周日只有一人值班", "M001", at(31))
    assert ws.take_events() == [
        ev.ChecksOverrideAllowed(ro=ro, by="M001", reason="周日只有一人值班", at=at(31))
    ]
    ws.leader_check(ro, "T001", "B03", at(32))
    (event,) = ws.take_events()
    assert isinstance(event, ev.JobLeaderChecked)
    assert event.override == "周日只有一人值班"
    assert ws.jobs[ro].checks[-1].override == "周日只有一人值班"


def test_a_site_may_let_its_inspector_check_twice_and_each_such_check_says_so(
    ws: Workshop,
) -> None:
    assert ws.technicians["Q001"].may_check_twice  # the demo site's one inspector
    ro = self_checked(ws)
    ws.sign_in("Q001", "Q01", at(31))
    ws.leader_check(ro, "Q001", "Q01", at(32))
    ws.take_events()
    ws.qc_pass(ro, "Q001", "Q01", at(33), complete(JobType.REPAIR))
    (event,) = ws.take_events()
    assert isinstance(event, ev.QcPassed) and event.override == "site"
    assert ws.jobs[ro].checks[-1].override == "site"
    assert ws.jobs[ro].checks[-2].override is None  # the leader check was another person's


def test_after_rework_the_checks_of_the_new_round_count(ws: Workshop) -> None:
    ro = leader_checked(ws)
    ws.qc_fail(ro, "Q001", "Q01", ["扭矩"], at(40))
    ws.start(ro, "T001", "B03", at(41))  # the leader fixes it himself this time
    ws.self_check(ro, "T001", "B03", at(50))
    with pytest.raises(errors.SameChecker):
        ws.leader_check(ro, "T001", "B03", at(51))
    ws.sign_in("T002", "B03", at(51))
    with pytest.raises(errors.IllegalTransition):  # T002, the first round's self-checker,
        ws.leader_check(ro, "T002", "B03", at(51))  # is no leader anyway
    ws.sign_in("T005", "B03", at(52))
    ws.leader_check(ro, "T005", "B03", at(52))
    ws.qc_pass(ro, "Q001", "Q01", at(60), complete(JobType.REPAIR))
    assert ws.jobs[ro].status is JobStatus.READY


@pytest.mark.parametrize("job_type", list(JobType))
def test_final_inspection_needs_the_job_types_whole_checklist(
    ws: Workshop, job_type: JobType
) -> None:
    ro = leader_checked(ws, job_type)
    items = checklist(job_type)
    for short in (items[1:], items[:-1]):
        with pytest.raises(errors.InspectionIncomplete, match="not yet checked"):
            ws.qc_pass(ro, "Q001", "Q01", at(40), Inspection(short, True))
    with pytest.raises(errors.InspectionIncomplete, match="not on the"):
        ws.qc_pass(ro, "Q001", "Q01", at(40), Inspection((*items, "made_up"), True))
    assert ws.jobs[ro].status is JobStatus.LEADER_CHECKED
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(job_type))
    assert ws.jobs[ro].checks[-1].checklist == list(items)


@pytest.mark.parametrize("job_type", list(JobType))
def test_the_road_test_is_recorded_and_needed_for_a_repair(ws: Workshop, job_type: JobType) -> None:
    ro = leader_checked(ws, job_type)
    items = checklist(job_type)
    with pytest.raises(errors.InspectionIncomplete):  # not done, and no word why
        ws.qc_pass(ro, "Q001", "Q01", at(40), Inspection(items, False, " "))
    skipped = Inspection(items, False, "客户不同意路试")
    if job_type in ROAD_TEST_NEEDED:
        with pytest.raises(errors.InspectionIncomplete, match="needs a road test"):
            ws.qc_pass(ro, "Q001", "Q01", at(40), skipped)
        return
    ws.qc_pass(ro, "Q001", "Q01", at(40), skipped)
    qc = ws.jobs[ro].checks[-1]
    assert (qc.road_test, qc.road_test_note) == (False, "客户不同意路试")


def test_a_repair_and_a_comeback_need_the_road_test_a_service_does_not() -> None:
    assert {JobType.REPAIR, JobType.COMEBACK, JobType.WARRANTY} <= ROAD_TEST_NEEDED
    assert JobType.MAINTENANCE not in ROAD_TEST_NEEDED
    assert set(CHECKLISTS) == set(JobType)


def test_the_leaders_empty_recommendations_are_dropped(ws: Workshop) -> None:
    ro = self_checked(ws)
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32), "  ", ("", "  更换雨刮 ", " "))
    leader = ws.jobs[ro].checks[-1]
    assert (leader.notes, leader.recommendations) == ("", ["更换雨刮"])
