"""The finished car's spot, the advisor's handover checklist (内部交车) and the delivery it
opens: pure domain, no I/O."""

from __future__ import annotations

import pytest

from core.domain import errors
from core.domain import events as ev
from core.domain.handover import all_ticked, handover_gaps, handover_items, presented_for
from core.domain.inspection import complete
from core.domain.model import JobStatus, JobType, KeyState
from core.domain.vocabulary import HandoverItem
from core.domain.workshop import Workshop
from tests.helpers import at, order

_I = HandoverItem


def inspected(ws: Workshop, wash: bool = False, spot: str = "P07", **kw: object) -> str:
    """A car worked, checked by three people and passed (washed, if asked)."""
    job = ws.check_in(order(wash_requested=wash, **kw), at(0))  # type: ignore[arg-type]
    ws.dispatch(job.ro, "B03", at(0))
    ws.sign_in("T002", "B03", at(1))
    ws.start(job.ro, "T002", "B03", at(2))
    ws.self_check(job.ro, "T002", "B03", at(30))
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(job.ro, "T001", "B03", at(32))
    ws.sign_in("Q001", "Q01", at(33))
    ws.qc_pass(job.ro, "Q001", "Q01", at(40), complete(JobType.REPAIR), spot=spot)
    if wash:
        ws.sign_in("W001", "W01", at(41))
        ws.wash_start(job.ro, "W001", "W01", at(42))
        ws.wash_done(job.ro, "W001", "W01", at(60), spot=spot)
    return job.ro


def test_qc_records_where_a_car_needing_no_wash_is_parked(ws: Workshop) -> None:
    ro = inspected(ws, spot=" P07 ")
    assert ws.jobs[ro].parking_spot == "P07"
    assert ws.jobs[ro].status is JobStatus.READY


def test_the_wash_bay_records_the_spot_of_a_washed_car_not_qc(ws: Workshop) -> None:
    job = ws.check_in(order(wash_requested=True), at(0))
    ro = job.ro
    ws.dispatch(ro, "B03", at(0))
    ws.sign_in("T002", "B03", at(1))
    ws.start(ro, "T002", "B03", at(2))
    ws.self_check(ro, "T002", "B03", at(30))
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32))
    ws.sign_in("Q001", "Q01", at(33))
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(JobType.REPAIR), spot="P01")
    assert job.parking_spot is None, "on its way to the wash, not parked yet"
    ws.sign_in("W001", "W01", at(41))
    ws.wash_start(ro, "W001", "W01", at(42))
    ws.take_events()
    ws.wash_done(ro, "W001", "W01", at(60), spot="P12")
    assert job.parking_spot == "P12"
    assert ws.take_events() == [ev.WashDone(ro=ro, by="W001", bay="W01", spot="P12", at=at(60))]


def test_no_delivery_without_the_handover_checklist(ws: Workshop) -> None:
    ro = inspected(ws)
    with pytest.raises(errors.HandoverIncomplete):
        ws.deliver(ro, at(70))
    assert ws.jobs[ro].status is JobStatus.READY
    ws.check_handover(ro, all_ticked(ws.jobs[ro]), "SA01", at(70))
    ws.deliver(ro, at(71))
    assert ws.jobs[ro].status is JobStatus.DELIVERED
    assert ws.jobs[ro].handover_override is None


@pytest.mark.parametrize(
    "left_out", [_I.INSPECTED, _I.FAULT_FIXED, _I.CLEAN, _I.NOTHING_LEFT, _I.KEY_IN_CABINET]
)
def test_every_item_of_the_checklist_is_needed(ws: Workshop, left_out: HandoverItem) -> None:
    ro = inspected(ws)
    job = ws.jobs[ro]
    ticked = [i for i in all_ticked(job) if i != left_out.value]
    with pytest.raises(errors.HandoverIncomplete, match=left_out.value):
        ws.check_handover(ro, ticked, "SA01", at(70))
    assert job.handover is None
    with pytest.raises(errors.HandoverIncomplete):
        ws.deliver(ro, at(71))


def test_old_parts_are_on_the_checklist_only_when_the_customer_keeps_them(ws: Workshop) -> None:
    kept = inspected(ws, keep_old_parts=True)
    assert _I.OLD_PARTS in handover_items(ws.jobs[kept])
    ticked = [i for i in all_ticked(ws.jobs[kept]) if i != _I.OLD_PARTS.value]
    with pytest.raises(errors.HandoverIncomplete, match="old_parts"):
        ws.check_handover(kept, ticked, "SA01", at(70))
    ws.check_handover(kept, all_ticked(ws.jobs[kept]), "SA01", at(70))
    left = inspected(ws, plate="京B22222")
    assert _I.OLD_PARTS not in handover_items(ws.jobs[left])


def test_the_key_is_in_the_cabinet_as_the_cabinet_says_not_as_ticked(ws: Workshop) -> None:
    ro = inspected(ws, key_tag="TAG7")
    ws.key_in("TAG7", "KC1", 7, at(61))
    ws.key_out("TAG7", "KC1", 7, at(62), holder="T002")  # a technician moved the car
    job = ws.jobs[ro]
    assert handover_gaps(job, all_ticked(job)) == [_I.KEY_IN_CABINET]
    with pytest.raises(errors.HandoverIncomplete, match="key_in_cabinet"):
        ws.check_handover(ro, all_ticked(job), "SA01", at(63))
    ws.key_in("TAG7", "KC1", 7, at(64))
    ws.check_handover(ro, all_ticked(job), "SA01", at(65))
    assert job.handover is not None and job.handover.items == list(all_ticked(job))


def test_a_key_the_cabinet_never_saw_is_taken_at_the_advisors_word(ws: Workshop) -> None:
    ro = inspected(ws, key_tag="TAG7")  # a cabinet without readers: no read of the key
    job = ws.jobs[ro]
    assert job.key.state is KeyState.NONE and not handover_gaps(job, all_ticked(job))
    ticked = [i for i in all_ticked(job) if i != _I.KEY_IN_CABINET.value]
    with pytest.raises(errors.HandoverIncomplete, match="key_in_cabinet"):
        ws.check_handover(ro, ticked, "SA01", at(63))  # but the advisor must say it


def test_the_final_inspection_must_be_signed_whatever_is_ticked(ws: Workshop) -> None:
    job = ws.check_in(order(wash_requested=False), at(0))
    job.status = JobStatus.READY  # ready without a final inspection: a forged state
    assert handover_gaps(job, all_ticked(job)) == [_I.INSPECTED]
    with pytest.raises(errors.HandoverIncomplete, match="inspected"):
        ws.check_handover(job.ro, all_ticked(job), "SA01", at(5))


def test_the_handover_needs_a_ready_car_and_known_items(ws: Workshop) -> None:
    job = ws.check_in(order(), at(0))
    with pytest.raises(errors.IllegalTransition):
        ws.check_handover(job.ro, all_ticked(job), "SA01", at(1))
    ro = inspected(ws, plate="京C33333")
    with pytest.raises(errors.InvalidData, match="tyres_kicked"):
        ws.check_handover(ro, (*all_ticked(ws.jobs[ro]), "tyres_kicked"), "SA01", at(70))


def test_the_handover_is_a_fact_with_its_items(ws: Workshop) -> None:
    ro = inspected(ws)
    ws.take_events()
    ws.check_handover(ro, all_ticked(ws.jobs[ro]), "SA01", at(70))
    items = tuple(i.value for i in handover_items(ws.jobs[ro]))
    assert ws.take_events() == [ev.HandoverChecked(ro=ro, by="SA01", items=items, at=at(70))]


def test_a_manager_may_deliver_without_the_checklist_saying_why(ws: Workshop) -> None:
    ro = inspected(ws)
    with pytest.raises(errors.HandoverIncomplete):
        ws.deliver(ro, at(70), override="   ")
    ws.take_events()
    ws.deliver(ro, at(71), override="客户急着走，经理陪同检查")
    job = ws.jobs[ro]
    assert job.status is JobStatus.DELIVERED and job.key.state is KeyState.RETURNED
    assert job.handover_override == "客户急着走，经理陪同检查"
    assert ws.take_events() == [
        ev.JobDelivered(ro=ro, override="客户急着走，经理陪同检查", at=at(71))
    ]


# ----------------------------------------------------------------- who takes the car
def test_the_car_goes_only_to_whoever_presents_its_pickup_card_or_plate(ws: Workshop) -> None:
    ro = inspected(ws, public_token="k3J9xQ-card")
    ws.check_handover(ro, all_ticked(ws.jobs[ro]), "SA01", at(70))
    ws.take_events()
    someone_elses = ("https://shop.example/status/other-card", "京B99999", "k3J9xQ", "", "  ")
    for presented in someone_elses:  # a manager's word does not make it theirs either
        with pytest.raises(errors.NotThisCar):
            ws.deliver(ro, at(71), "经理批准", presented=presented)
    assert ws.jobs[ro].status is JobStatus.READY and ws.take_events() == []
    ws.deliver(ro, at(72), presented="https://shop.example/status/k3J9xQ-card/")
    assert ws.jobs[ro].status is JobStatus.DELIVERED


def test_the_card_scanned_or_the_plate_however_typed_is_the_cars(ws: Workshop) -> None:
    car = ws.jobs[ws.check_in(order(plate="京A12345", public_token="tok-1"), at(0)).ro]
    assert presented_for(car, "http://desk/status/tok-1") == "card"
    assert presented_for(car, "tok-1") == "card"  # typed off the card by hand
    assert presented_for(car, " 京a·123-45 ") == "plate"
    assert presented_for(car, "京A1234") is None
    assert presented_for(car, "http://desk/status/tok-2") is None
    without_card = ws.jobs[ws.check_in(order(plate="京C00001"), at(0)).ro]
    assert presented_for(without_card, "") is None  # no card: an empty scan is not one
    assert presented_for(without_card, "京C00001") == "plate"
