"""One car, one order on the floor, one hook for its key, a team the site has: what a
check-in and a dispatch refuse, however the plate was typed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain import errors
from core.domain.handover import presented_for
from core.domain.plates import plate_key, tidy_plate
from core.domain.workshop import Workshop
from tests.helpers import at, delivered_car, domain_workshop, order


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (" 京a 12345 ", "京A 12345"),
        ("京Ａ１２３４５", "京A12345"),  # a Chinese keyboard's full-width letters
        ("沪AD\u300012345", "沪AD 12345"),  # and its wide space
        ("ab12  cde", "AB12 CDE"),
    ],
)
def test_a_plate_is_kept_tidy(typed: str, kept: str) -> None:
    assert tidy_plate(typed) == kept


def test_plates_typed_otherwise_are_the_same_car() -> None:
    assert {plate_key(p) for p in ("京A·12345", "京a 12345", "京Ａ12345", "京A-12345")} == {
        "京A12345"
    }
    assert plate_key("京A12345") != plate_key("京A12346")


PLATE_CHARACTERS = st.sampled_from(list("京沪粤苏浙新ABCDHJKLMNPXYZadxy0123456789ＡＢ１２"))


@given(st.text(PLATE_CHARACTERS, max_size=9), st.sampled_from(["", " ", "·", "-", "\u3000"]))
def test_what_is_typed_between_a_plates_characters_does_not_make_another_car(
    plate: str, between: str
) -> None:
    key = plate_key(plate)
    assert plate_key(between.join(plate)) == key
    assert plate_key(key) == key and plate_key(tidy_plate(plate)) == key


def test_a_car_in_the_workshop_is_not_checked_in_again(ws: Workshop) -> None:
    first = ws.check_in(order("京A12345"), at(0)).ro
    ws.take_events()
    with pytest.raises(errors.CarInWorkshop, match=first):
        ws.check_in(order("京a·12345"), at(5))
    assert list(ws.jobs) == [first] and not ws.take_events()
    assert ws.check_in(order("京A12346"), at(6)).ro != first  # another car


def test_a_car_gone_or_cancelled_is_checked_in_again(ws: Workshop) -> None:
    delivered_car(ws, "京A12345")
    again = ws.check_in(order("京A 12345"), at(200))
    ws.cancel(again.ro, "客户改天再来", at(201))
    assert ws.check_in(order("京A12345"), at(300)).ro not in (again.ro,)


def test_a_key_hook_is_one_of_the_cabinets_and_no_other_cars(ws: Workshop) -> None:
    ws.check_in(replace(order("京A10001"), key_tag="T1", key_slot=3), at(0), key_slots=4)
    for slot, why in ((3, "already"), (5, "1 to 4"), (0, "1 to 4")):
        with pytest.raises(errors.InvalidData, match=why):
            ws.check_in(replace(order("京A10002"), key_tag="T2", key_slot=slot), at(1), key_slots=4)
    assert len(ws.jobs) == 1
    job = ws.check_in(replace(order("京A10002"), key_tag="T2", key_slot=4), at(2), key_slots=4)
    assert job.key_slot == 4
    with pytest.raises(errors.InvalidData, match="numbered from 1"):
        ws.check_in(replace(order("京A10003"), key_slot=-1), at(3))  # no cabinet configured
    assert ws.check_in(replace(order("京A10003"), key_slot=77), at(3)).key_slot == 77


def test_work_is_dispatched_to_a_team_the_site_has(ws: Workshop) -> None:
    ro = ws.check_in(order("京A12345"), at(0)).ro
    with pytest.raises(errors.UnknownTeam):
        ws.dispatch(ro, "B01", at(1), team="Z")
    assert ws.jobs[ro].bay is None and ws.jobs[ro].team is None
    assert ws.dispatch(ro, "B01", at(2), team="B").team == "B"


def test_a_plate_of_no_letter_or_digit_is_no_plate(ws: Workshop) -> None:
    with pytest.raises(errors.InvalidData, match="plate"):
        ws.check_in(order("··"), at(0))
    assert not ws.jobs


def test_a_plate_with_no_digit_names_no_one_car(ws: Workshop) -> None:
    """Cars not yet registered come in as 无牌 ("no plate"): each is a car of its own."""
    first = ws.check_in(order("无牌"), at(0)).ro
    assert ws.check_in(order("无牌"), at(1)).ro != first


def test_the_plate_presented_at_handover_is_the_cars_however_typed() -> None:
    job = domain_workshop().check_in(order("粤B14540"), at(0))
    for said in ("粤Ｂ１４５４０", "粤b 14540", "粤B·14540"):
        assert presented_for(job, said) == "plate", said
    assert presented_for(job, "粤B14541") is None
