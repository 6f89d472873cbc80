"""The walk-around record's rules (环车检查): what a sheet must hold before it is signed for,
and what recording it does to the order. Pure: no store, no pages."""

from __future__ import annotations

import base64

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.model import DamageMark, JobStatus
from core.domain.vocabulary import CarDocument, CarZone, MarkKind
from core.domain.walkaround import (
    BELONGINGS_LIMIT,
    MARKS_LIMIT,
    SIGNATURE_LIMIT,
    checked_sheet,
    signature_png,
)
from core.domain.workshop import Workshop
from tests.helpers import at, delivered_car, order
from tests.walkaround_samples import sheet, signature


def test_a_signed_sheet_is_kept_as_filled_in() -> None:
    kept = checked_sheet(sheet())
    assert [(m.kind, m.zone, m.note) for m in kept.marks] == [
        (MarkKind.SCRATCH, CarZone.LEFT_FRONT_DOOR, "约10厘米"),
        (MarkKind.DENT, CarZone.REAR_BUMPER, ""),
    ]
    assert kept.belongings == ("雨伞", "儿童座椅")
    assert kept.documents == (CarDocument.REGISTRATION, CarDocument.SERVICE_BOOK)


def test_a_car_without_a_mark_is_a_statement_too() -> None:
    assert checked_sheet(sheet(marks=())).marks == ()


def test_a_mark_tapped_twice_is_one_mark_and_blank_belongings_are_dropped() -> None:
    mark = DamageMark(MarkKind.CHIP, CarZone.BONNET, " 两 处 ")
    kept = checked_sheet(sheet(marks=(mark, mark), belongings=("雨伞", " ", "雨伞", "行车记录仪")))
    assert kept.marks == (DamageMark(MarkKind.CHIP, CarZone.BONNET, "两 处"),)
    assert kept.belongings == ("雨伞", "行车记录仪")


@pytest.mark.parametrize("fuel", ["", "half", "5/8", "1/2 "])
def test_the_fuel_level_is_one_of_the_gauges(fuel: str) -> None:
    with pytest.raises(errors.InvalidData, match="fuel level"):
        checked_sheet(sheet(fuel_level=fuel))


@pytest.mark.parametrize("km", [-1, 2_000_000])
def test_a_mileage_no_car_has_is_refused(km: int) -> None:
    with pytest.raises(errors.InvalidData, match="mileage"):
        checked_sheet(sheet(mileage_km=km))


def test_the_valuables_reminder_comes_before_the_signature() -> None:
    with pytest.raises(errors.WalkAroundIncomplete, match="valuables") as refused:
        checked_sheet(sheet(valuables_reminded=False))
    assert refused.value.code == "walkaround_incomplete"


def test_the_customer_signs() -> None:
    with pytest.raises(errors.WalkAroundIncomplete, match="signs"):
        checked_sheet(sheet(signature=""))


@pytest.mark.parametrize(
    ("data_url", "why"),
    [
        ("data:image/jpeg;base64,/9j/4AAQ", "PNG image"),
        ("data:image/png;base64,not base64!", "base64"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a....").decode(), "not a PNG"),
        ("data:image/png;base64," + "A" * SIGNATURE_LIMIT, "at most"),
    ],
)
def test_a_signature_is_a_png_within_the_limit(data_url: str, why: str) -> None:
    with pytest.raises(errors.InvalidData, match=why):
        checked_sheet(sheet(signature=data_url))


def test_the_signature_decodes_to_the_drawn_png() -> None:
    png = signature_png(signature())
    assert png.startswith(b"\x89PNG") and len(png) > 100


def test_too_many_marks_or_belongings_or_too_long_a_note_is_refused() -> None:
    many = tuple(DamageMark(kind, zone) for kind in MarkKind for zone in CarZone)[: MARKS_LIMIT + 1]
    with pytest.raises(errors.InvalidData, match="marks"):
        checked_sheet(sheet(marks=many))
    things = tuple(f"物品{i}" for i in range(BELONGINGS_LIMIT + 1))
    with pytest.raises(errors.InvalidData, match="belongings"):
        checked_sheet(sheet(belongings=things))
    with pytest.raises(errors.InvalidData, match="note"):
        checked_sheet(sheet(marks=(DamageMark(MarkKind.DENT, CarZone.ROOF, "长" * 61),)))


def test_recording_it_makes_its_fuel_and_mileage_the_orders(ws: Workshop) -> None:
    ro = ws.check_in(order(), at(0)).ro
    ws.take_events()
    job = ws.record_walk_around(ro, sheet(), "SA01", at(3)).job
    assert (job.vehicle.mileage_km, job.vehicle.fuel_level) == (42_000, "1/2")
    [fact] = ws.take_events()
    assert isinstance(fact, ev.WalkAroundRecorded) and fact.jobs() == (ro,)
    assert (fact.record.by, fact.record.at, fact.record.ro) == ("SA01", at(3), ro)
    assert fact.record.sheet.marks[0].zone is CarZone.LEFT_FRONT_DOOR


def test_a_refused_sheet_changes_nothing(ws: Workshop) -> None:
    ro = ws.check_in(order(), at(0)).ro
    ws.take_events()
    before = ws.jobs[ro].vehicle
    with pytest.raises(errors.WalkAroundIncomplete):
        ws.record_walk_around(ro, sheet(mileage_km=9, signature=""), "SA01", at(3))
    assert ws.jobs[ro].vehicle == before and ws.take_events() == []


def test_it_may_be_recorded_again_while_the_car_is_in(ws: Workshop) -> None:
    ro = ws.check_in(order(), at(0)).ro
    ws.record_walk_around(ro, sheet(), "SA01", at(3))
    ws.dispatch(ro, "B03", at(4))
    ws.record_walk_around(ro, sheet(fuel_level="1/4"), "SA02", at(5))
    assert ws.jobs[ro].vehicle.fuel_level == "1/4"


def test_not_for_a_car_that_has_gone(ws: Workshop) -> None:
    ro = delivered_car(ws)
    assert ws.jobs[ro].status is JobStatus.DELIVERED
    with pytest.raises(errors.IllegalTransition, match="walk-around"):
        ws.record_walk_around(ro, sheet(), "SA01", at(600))


def test_not_for_an_order_that_does_not_exist(ws: Workshop) -> None:
    with pytest.raises(errors.UnknownJob):
        ws.record_walk_around("RO-NONE", sheet(), "SA01", at(1))
