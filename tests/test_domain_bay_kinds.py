"""Work that needs a special bay (alignment, body, paint) goes to a bay of that kind; a
foreman sends it elsewhere only saying why. Pure domain."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from core.catalogue import bay_kinds, operations
from core.domain import errors
from core.domain.bay_needs import bay_hours, needed_kind, serves, special_needs
from core.domain.model import BayKind, Job, JobStatus, Operation
from core.domain.workshop import Workshop
from tests.helpers import at, order

ALIGNMENT = Operation("T010", "四轮定位", 1.0, "Four-wheel alignment")
PADS = Operation("B010", "更换前刹车片", 1.0, "Replace front brake pads")
PANEL = Operation("S010", "钣金修复", 3.0, "Panel beating")
PAINT = Operation("S020", "喷漆", 4.0, "Paint")
WASH = Operation("W010", "洗车", 0.5, "Car wash")


@pytest.fixture
def kinds() -> dict[str, BayKind]:
    return bay_kinds()


def checked_in(ws: Workshop, *ops: Operation) -> Job:
    ws.operation_kinds = bay_kinds()
    return ws.check_in(replace(order(), operations=ops), at(0))


def test_the_catalogue_says_which_bay_each_operation_needs(kinds: dict[str, BayKind]) -> None:
    assert kinds["T010"] is BayKind.ALIGNMENT and kinds["M010"] is BayKind.GENERAL
    assert kinds["S010"] is BayKind.BODY and kinds["S020"] is BayKind.PAINT
    assert set(kinds) == set(operations())


def test_the_bay_a_cars_work_needs(kinds: dict[str, BayKind]) -> None:
    assert needed_kind([PADS, ALIGNMENT], kinds) is BayKind.ALIGNMENT
    assert needed_kind([PADS], kinds) is BayKind.GENERAL
    assert needed_kind([PANEL, PAINT], kinds) is BayKind.PAINT  # the most hours
    assert special_needs([PANEL, PAINT, PADS], kinds) == {BayKind.BODY, BayKind.PAINT}
    # The wash is the wash bay's: no bay's planned time, no need of a special bay.
    assert bay_hours([PADS, WASH], kinds) == {BayKind.GENERAL: 1.0}
    assert needed_kind([WASH], kinds) is BayKind.GENERAL
    assert serves(BayKind.ALIGNMENT, frozenset()) and not serves(
        BayKind.GENERAL, frozenset({BayKind.ALIGNMENT})
    )


def test_an_alignment_sent_to_a_general_bay_is_refused_and_changes_nothing(
    ws: Workshop,
) -> None:
    job = checked_in(ws, PADS, ALIGNMENT)
    before = copy.deepcopy(job)
    ws.take_events()
    with pytest.raises(errors.BayKindNeeded) as refused:
        ws.dispatch(job.ro, "B03", at(1))
    assert refused.value.code == "bay_kind_needed"
    assert job == before and ws.take_events() == []


def test_an_alignment_goes_to_the_alignment_bay(ws: Workshop) -> None:
    job = checked_in(ws, PADS, ALIGNMENT)
    ws.dispatch(job.ro, "B06", at(1))
    assert job.bay == "B06" and job.status is JobStatus.DISPATCHED
    assert ws.take_events()[-1].forced is None  # type: ignore[attr-defined]


def test_forced_with_a_reason_it_goes_and_the_reason_is_on_the_fact(ws: Workshop) -> None:
    job = checked_in(ws, ALIGNMENT)
    with pytest.raises(errors.InvalidData):
        ws.dispatch(job.ro, "B03", at(1), force=True, reason="  ")
    ws.dispatch(job.ro, "B03", at(1), force=True, reason="定位仪在3号工位校准")
    fact = ws.take_events()[-1]
    assert job.bay == "B03" and fact.forced == "定位仪在3号工位校准"  # type: ignore[attr-defined]


def test_general_work_goes_to_any_bay_and_without_the_catalogue_all_work_is_general(
    ws: Workshop,
) -> None:
    job = checked_in(ws, PADS)
    ws.dispatch(job.ro, "B06", at(1))  # the alignment lift does general work too
    ws.operation_kinds = {}
    other = ws.check_in(replace(order("京B00001"), operations=(ALIGNMENT,)), at(2))
    ws.dispatch(other.ro, "B01", at(3))
    assert other.bay == "B01"


def test_moving_a_job_to_a_bay_of_the_wrong_kind_is_refused_too(ws: Workshop) -> None:
    job = checked_in(ws, ALIGNMENT)
    ws.dispatch(job.ro, "B06", at(1))
    with pytest.raises(errors.BayKindNeeded):
        ws.dispatch(job.ro, "B01", at(2))
    assert job.bay == "B06"
