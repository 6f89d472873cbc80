"""Help calls (安灯) in the domain: called from a bay by someone signed in there, answered,
closed with what was done; unanswered, up the tiers of its kind on an injected clock, one
fact per tier, never twice, and no more once answered.

Pure domain: the clock is the test's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.help_calls import Tier, escalated_to
from core.domain.help_report import HelpTimes, help_csv_rows, help_report, p50_p90
from core.domain.vocabulary import HelpKind, HelpState
from core.domain.workshop import Workshop
from tests.helpers import at, domain_workshop

TIERS = {
    HelpKind.DIAGNOSTIC: (
        Tier(timedelta(minutes=5), "foreman"),
        Tier(timedelta(minutes=15), "manager"),
    ),
}


@pytest.fixture
def ws() -> Workshop:
    w = domain_workshop()
    w.help_tiers = TIERS
    w.sign_in("T002", "B03", at(0))
    w.take_events()
    return w


def test_a_call_from_the_bay_is_numbered_and_recorded(ws: Workshop) -> None:
    call = ws.call_help("B03", "T002", HelpKind.DIAGNOSTIC, at(1), note=" 故障码 P0301 ")
    assert call.id == "H-20261124-0001"
    assert (call.state, call.bay, call.caller, call.note) == (
        HelpState.CALLED,
        "B03",
        "T002",
        "故障码 P0301",
    )
    [fact] = ws.take_events()
    assert isinstance(fact, ev.HelpCalled)
    assert (fact.call, fact.kind, fact.bay, fact.by) == (call.id, "diagnostic", "B03", "T002")
    assert fact.counters() == ("help:20261124",) and fact.help_calls() == (call.id,)
    assert ws.call_help("B03", "T002", HelpKind.QC, at(2)).id == "H-20261124-0002"


def test_only_someone_signed_in_at_the_bay_calls_from_it(ws: Workshop) -> None:
    with pytest.raises(errors.NotSignedIn):
        ws.call_help("B04", "T002", HelpKind.FOREMAN, at(1))
    with pytest.raises(errors.UnknownBay):
        ws.call_help("B99", "T002", HelpKind.FOREMAN, at(1))
    assert ws.help_calls == {} and ws.take_events() == []


def test_the_same_kind_is_not_called_twice_from_a_bay_while_open(ws: Workshop) -> None:
    first = ws.call_help("B03", "T002", HelpKind.PARTS, at(1))
    with pytest.raises(errors.IllegalTransition) as refused:
        ws.call_help("B03", "T002", HelpKind.PARTS, at(2))
    assert refused.value.code == "help_already_called"
    ws.close_help(first.id, "F1", "零件已送到", at(3))
    assert ws.call_help("B03", "T002", HelpKind.PARTS, at(4)).state is HelpState.CALLED


def test_answered_then_closed_with_what_was_done(ws: Workshop) -> None:
    call = ws.call_help("B03", "T002", HelpKind.QC, at(1))
    ws.acknowledge_help(call.id, "QC1", at(3))
    assert call.state is HelpState.ACKNOWLEDGED and call.response() == timedelta(minutes=2)
    with pytest.raises(errors.IllegalTransition):
        ws.acknowledge_help(call.id, "QC2", at(4))
    with pytest.raises(errors.InvalidData):
        ws.close_help(call.id, "QC1", "   ", at(5))
    ws.close_help(call.id, "QC1", "扭矩复核合格", at(9))
    assert call.state is HelpState.CLOSED and call.resolution() == timedelta(minutes=8)
    assert (call.closed_by, call.outcome) == ("QC1", "扭矩复核合格")
    with pytest.raises(errors.IllegalTransition):
        ws.close_help(call.id, "QC1", "again", at(10))
    names = [e.name for e in ws.take_events()]
    assert names == ["help.called", "help.acknowledged", "help.closed"]
    assert ws.let_go_closed_help() == [call.id] and ws.help_calls == {}


def test_a_call_closed_unanswered_is_answered_by_whoever_closed_it(ws: Workshop) -> None:
    call = ws.call_help("B03", "T002", HelpKind.SAFETY, at(1))
    ws.close_help(call.id, "F1", "漏油已清理", at(4))
    assert (call.acknowledged_by, call.response()) == ("F1", timedelta(minutes=3))


def test_an_unknown_call_is_refused_with_its_code(ws: Workshop) -> None:
    with pytest.raises(errors.UnknownHelpCall) as refused:
        ws.acknowledge_help("H-nope", "F1", at(1))
    assert refused.value.code == "unknown_help_call"


def test_unanswered_it_goes_up_each_tier_once_on_the_clock(ws: Workshop) -> None:
    call = ws.call_help("B03", "T002", HelpKind.DIAGNOSTIC, at(0))
    ws.take_events()
    assert ws.next_help_escalation() == at(5)
    assert ws.escalate_help(at(4.9)) == [] and ws.take_events() == []
    assert ws.escalate_help(at(5)) == [call.id]
    [up] = ws.take_events()
    assert isinstance(up, ev.HelpEscalated)
    assert (up.tier, up.to, up.due, up.at, up.bay) == (1, "foreman", at(5), at(5), "B03")
    assert escalated_to(call, ws.help_tiers) == "foreman"
    assert ws.escalate_help(at(10)) == [] and ws.next_help_escalation() == at(15)
    ws.escalate_help(at(16))
    assert [(e.tier, e.to) for e in ws.take_events()] == [(2, "manager")]  # type: ignore[attr-defined]
    assert escalated_to(call, ws.help_tiers) == "manager"
    assert ws.next_help_escalation() is None and ws.escalate_help(at(60)) == []


def test_a_core_that_looks_late_records_every_tier_passed_at_its_time(ws: Workshop) -> None:
    ws.call_help("B03", "T002", HelpKind.DIAGNOSTIC, at(0))
    ws.take_events()
    ws.escalate_help(at(30))
    ups = ws.take_events()
    assert [(e.tier, e.due, e.at) for e in ups] == [  # type: ignore[attr-defined]
        (1, at(5), at(30)),
        (2, at(15), at(30)),
    ]


def test_an_answered_call_goes_up_no_more(ws: Workshop) -> None:
    call = ws.call_help("B03", "T002", HelpKind.DIAGNOSTIC, at(0))
    ws.escalate_help(at(6))
    ws.acknowledge_help(call.id, "T001", at(7))
    assert ws.next_help_escalation() is None
    ws.take_events()
    assert ws.escalate_help(at(20)) == [] and ws.take_events() == []
    assert call.tier == 1


def test_a_kind_without_tiers_never_escalates(ws: Workshop) -> None:
    ws.call_help("B03", "T002", HelpKind.PARTS, at(0))
    assert ws.next_help_escalation() is None and ws.escalate_help(at(600)) == []


def test_a_kiosk_answers_and_closes_only_its_own_bays_calls(ws: Workshop) -> None:
    call = ws.call_help("B03", "T002", HelpKind.LEADER, at(1))
    with pytest.raises(errors.WrongBay):
        ws.acknowledge_help(call.id, "T001", at(2), bay="B04")
    with pytest.raises(errors.WrongBay):
        ws.close_help(call.id, "T001", "done", at(2), bay="B04")
    ws.acknowledge_help(call.id, "T001", at(2), bay="B03")
    ws.close_help(call.id, "T001", "已指导", at(3), bay="B03")
    assert call.state is HelpState.CLOSED


# ----------------------------------------------------------------- the report
def test_the_report_gives_each_kinds_median_and_slowest_tenth() -> None:
    made = [
        HelpTimes(HelpKind.QC, at(0), at(0 + m), at(0 + 2 * m), escalated=m > 5)
        for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    ]
    made.append(HelpTimes(HelpKind.PARTS, at(0), None, None))
    report = help_report(made)
    qc = next(k for k in report.kinds if k.kind is HelpKind.QC)
    assert (qc.calls, qc.answered, qc.closed, qc.escalated) == (10, 10, 10, 5)
    assert (qc.response_p50, qc.response_p90) == (5.5, pytest.approx(9.1))
    assert (qc.resolution_p50, qc.resolution_p90) == (11.0, pytest.approx(18.2))
    parts = next(k for k in report.kinds if k.kind is HelpKind.PARTS)
    assert (parts.calls, parts.answered, parts.response_p50) == (1, 0, None)
    assert [k.kind for k in report.kinds] == list(HelpKind) and report.calls == 11
    assert p50_p90([4.0]) == (4.0, 4.0) and p50_p90([]) == (None, None)
    rows = help_csv_rows(report)
    assert rows[0][:2] == ["help_kind", "calls"]
    assert ["qc", "10", "10", "10", "5", "5.5", "9.1", "11.0", "18.2"] in rows
