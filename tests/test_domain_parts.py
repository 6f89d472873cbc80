"""Parts requests from the bay (领料) through the pure domain: each state, its refusals, the
clock paused as waiting parts, the advisor told of a part not in stock, the wait measured
on the injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.model import JobStatus, PartLine, PartsState, PauseReason
from core.domain.parts import counter_queue, waited
from core.domain.vocabulary import NoticeKind
from core.domain.workshop import Workshop
from tests.helpers import at, order

OIL = PartLine(name="机油滤清器", qty=1, code="P-OF-01")
PADS = PartLine(name="前刹车片", qty=1, code="P-BP-F")


def _working(ws: Workshop) -> str:
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B03", at(1))
    ws.sign_in("T002", "B03", at(2))
    ws.start(job.ro, "T002", "B03", at(3))
    ws.take_events()
    return job.ro


def test_a_request_goes_from_the_bay_to_ready_and_delivered(ws: Workshop) -> None:
    ro = _working(ws)
    request = ws.request_parts((ro, "T002", "B03"), "PR1", [OIL, PADS], at(10))
    assert request.state is PartsState.REQUESTED and request.requested_at == at(10)
    assert [e.name for e in ws.take_events()] == ["parts.requested"]
    assert [w.request.id for w in counter_queue(ws.jobs.values())] == ["PR1"]
    ws.pick_parts(ro, "PR1", "PC01", at(12))
    assert request.state is PartsState.PICKING and request.picked_at == at(12)
    ws.parts_ready(ro, "PR1", "PC01", at(17))
    assert request.state is PartsState.READY and request.served_at == at(17)
    assert counter_queue(ws.jobs.values()) == []
    # Brought to the bay later: the wait still ends when they were ready.
    ws.parts_ready(ro, "PR1", "PC01", at(20), delivered=True)
    assert request.state is PartsState.DELIVERED and request.delivered_at == at(20)
    assert waited(request, at(99)) == timedelta(minutes=7)
    names = [e.name for e in ws.take_events()]
    assert names == ["parts.picked", "parts.ready", "parts.ready"]


def test_the_wait_runs_on_the_clock_until_the_parts_are_there(ws: Workshop) -> None:
    ro = _working(ws)
    request = ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(10))
    assert waited(request, at(25)) == timedelta(minutes=15)
    ws.parts_ready(ro, "PR1", "PC01", at(30), delivered=True)
    assert request.state is PartsState.DELIVERED
    assert waited(request, at(90)) == timedelta(minutes=20)


def test_asking_with_a_pause_stops_the_clock_as_waiting_parts(ws: Workshop) -> None:
    ro = _working(ws)
    request = ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(10), pause=True)
    job = ws.jobs[ro]
    assert request.paused and job.status is JobStatus.PAUSED
    assert job.segments[-1].reason == PauseReason.WAITING_PARTS.value
    assert ws.tech_states["T002"].active_job is None
    assert [e.name for e in ws.take_events()] == ["parts.requested", "job.paused"]


def test_a_pause_asked_for_with_no_clock_running_is_no_pause(ws: Workshop) -> None:
    ro = _working(ws)
    ws.pause(ro, "T002", "B03", PauseReason.TOOL, at(5))
    request = ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(10), pause=True)
    assert not request.paused
    assert ws.jobs[ro].segments[-1].reason == PauseReason.TOOL.value


def test_not_in_stock_tells_the_advisor_with_the_expected_date(ws: Workshop) -> None:
    ro = _working(ws)
    ws.request_parts((ro, "T002", "B03"), "PR1", [PADS], at(10))
    ws.take_events()
    expected = at(60 * 24)
    request = ws.parts_not_in_stock(ro, "PR1", "PC01", at(14), expected)
    assert request.state is PartsState.NOT_IN_STOCK and request.short_at == at(14)
    events = ws.take_events()
    notices = ws.raise_notices(events)
    assert [(n.kind, n.advisor, n.detail) for n in notices] == [
        (NoticeKind.PARTS_SHORT, "SA01", expected.isoformat())
    ]
    # Still the counter's to act on; found after all, it is ready, the wait from the ask.
    assert [w.request.id for w in counter_queue(ws.jobs.values())] == ["PR1"]
    ws.parts_ready(ro, "PR1", "PC01", at(40))
    assert waited(request, at(99)) == timedelta(minutes=30)


def test_the_bay_cancels_its_own_request_only(ws: Workshop) -> None:
    ro = _working(ws)
    ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(10))
    ws.sign_in("T003", "B04", at(11))
    with pytest.raises(errors.NotSignedIn):
        ws.cancel_parts((ro, "T003", "B03"), "PR1", at(12))
    ws.cancel_parts((ro, "T002", "B03"), "PR1", at(12))
    request = ws.jobs[ro].parts_requests[0]
    assert request.state is PartsState.CANCELLED
    with pytest.raises(errors.IllegalTransition):
        ws.parts_ready(ro, "PR1", "PC01", at(13))
    assert counter_queue(ws.jobs.values()) == []


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ([], "at least one"),
        ([PartLine(name="  ", qty=1)], "needs a name"),
        ([PartLine(name="机油", qty=0)], "quantity"),
        ([PartLine(name="机油", qty=1000)], "quantity"),
        ([PartLine(name="机油", qty=1)] * 21, "at most 20"),
    ],
)
def test_a_request_that_names_nothing_sensible_is_refused(
    ws: Workshop, lines: list[PartLine], why: str
) -> None:
    ro = _working(ws)
    with pytest.raises(errors.InvalidData, match=why):
        ws.request_parts((ro, "T002", "B03"), "PR1", lines, at(10))
    assert ws.jobs[ro].parts_requests == [] and ws.take_events() == []


def test_a_bay_asks_only_for_its_own_job_and_only_while_it_is_there(ws: Workshop) -> None:
    ro = _working(ws)
    ws.sign_in("T003", "B04", at(4))
    with pytest.raises(errors.WrongBay):
        ws.request_parts((ro, "T003", "B04"), "PR1", [OIL], at(10))
    with pytest.raises(errors.NotSignedIn):
        ws.request_parts((ro, "T003", "B03"), "PR1", [OIL], at(10))
    ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(10))
    with pytest.raises(errors.InvalidData, match="already"):
        ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(11))
    ws.self_check(ro, "T002", "B03", at(20))
    with pytest.raises(errors.IllegalTransition):
        ws.request_parts((ro, "T002", "B03"), "PR2", [OIL], at(21))


def test_the_counter_refuses_steps_out_of_order(ws: Workshop) -> None:
    ro = _working(ws)
    ws.request_parts((ro, "T002", "B03"), "PR1", [OIL], at(10))
    with pytest.raises(errors.UnknownPartsRequest):
        ws.pick_parts(ro, "PR9", "PC01", at(11))
    ws.parts_ready(ro, "PR1", "PC01", at(11))
    with pytest.raises(errors.IllegalTransition):
        ws.pick_parts(ro, "PR1", "PC01", at(12))
    with pytest.raises(errors.IllegalTransition):
        ws.parts_not_in_stock(ro, "PR1", "PC01", at(12), None)
    with pytest.raises(errors.IllegalTransition):
        ws.parts_ready(ro, "PR1", "PC01", at(12))  # ready already; only bringing it is left


def test_the_facts_name_the_order_and_the_bay() -> None:
    fact = ev.PartsReady(ro="RO-1", request="PR1", by="PC01", bay="B03", at=at(0))
    assert fact.jobs() == ("RO-1",) and fact.bays() == ("B03",) and fact.techs() == ()
