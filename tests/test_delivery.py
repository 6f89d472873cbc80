"""Delivery (交车): the key against the cabinet's real state, when the customer would rather
take the follow-up call, the next service, and the delivery summary (交车单) as the printer
gets it, read back byte by byte."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.contract.printing import DeliverySummary, GatePass
from core.domain import errors
from core.domain import events as ev
from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.model import (
    FindingState,
    JobStatus,
    JobType,
    KeyState,
    PriceLine,
    Severity,
)
from core.domain.next_service import months_after, next_service
from core.domain.vocabulary import CallTime
from core.domain.workshop import NewFinding, OrderChanges, Workshop
from core.prints import at_delivery
from devices.escpos_read import decode
from devices.tickets import COLUMNS, render
from tests.helpers import at, demo_config, order

ZONE = ZoneInfo("Asia/Shanghai")


def ready(ws: Workshop, tag: str | None = "TAG7", **kw: object) -> str:
    """A car worked (two findings: one approved, the safety one declined), checked by three
    people, ready, its key back on the hook and handed over by the advisor."""
    job = ws.check_in(order(wash_requested=False, key_tag=tag, **kw), at(0))  # type: ignore[arg-type]
    ro = job.ro
    if tag:
        ws.key_in(tag, "KC1", 7, at(0))
    ws.dispatch(ro, "B03", at(0))
    ws.sign_in("T002", "B03", at(1))
    if tag:
        ws.key_out(tag, "KC1", 7, at(1), holder="T002")
    ws.start(ro, "T002", "B03", at(2))
    for fid, title, severity in (
        ("F1", "空调滤芯脏堵", Severity.RECOMMENDED),
        ("F2", "后刹车片磨损超限", Severity.SAFETY),
        ("F3", "雨刮片老化", Severity.ADVISORY),
    ):
        ws.report_finding(ro, "T002", "B03", NewFinding(fid, title, severity, 0.5, 120), at(5))
    ws.answer_finding(ro, "F1", True, "SA01", at(10))
    ws.answer_finding(ro, "F2", False, "SA01", at(10), "下次再换")
    ws.answer_finding(ro, "F3", False, "SA01", at(10))
    ws.self_check(ro, "T002", "B03", at(30))
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32), "", ("三个月后复查后刹车片", "建议更换雨刮"))
    ws.sign_in("Q001", "Q01", at(33))
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(JobType.REPAIR), spot="P07")
    if tag:
        ws.key_in(tag, "KC1", 7, at(41))
    ws.check_handover(ro, all_ticked(ws.jobs[ro]), "SA01", at(50))
    return ro


# ----------------------------------------------------------------- the key
def test_a_key_out_with_a_technician_comes_back_before_delivery(ws: Workshop) -> None:
    ro = ready(ws)
    ws.key_out("TAG7", "KC1", 7, at(51), holder="T003")  # moved the car after the handover
    for override in ("", "经理批准"):  # no manager's word lets the key go with the car
        with pytest.raises(errors.KeyNotBack, match="T003"):
            ws.deliver(ro, at(52), override)
    job = ws.jobs[ro]
    assert job.status is JobStatus.READY and job.key.state is KeyState.OUT
    ws.key_in("TAG7", "KC1", 7, at(53))
    ws.take_events()
    ws.deliver(ro, at(54))
    assert job.key.state is KeyState.RETURNED and job.key.holder == "customer"
    assert (job.key.cabinet, job.key.slot) == ("KC1", 7)
    (event,) = ws.take_events()
    assert event == ev.JobDelivered(ro=ro, override=None, key_was="in_cabinet", at=at(54))


def test_a_key_taken_from_the_cabinet_at_the_desk_goes_with_the_car(ws: Workshop) -> None:
    ro = ready(ws)
    ws.key_out("TAG7", "KC1", 7, at(51))  # the cabinet's reader: taken, by whom it cannot say
    ws.take_events()
    ws.deliver(ro, at(52))
    assert ws.take_events()[0] == ev.JobDelivered(ro=ro, key_was="out", at=at(52))
    ready_too = ready(ws, tag="TAG8", plate="京B88888")
    ws.key_out("TAG8", "KC1", 7, at(51), holder="SA01")  # the advisor took it for the customer
    ws.deliver(ready_too, at(52))
    assert ws.jobs[ready_too].status is JobStatus.DELIVERED


def test_a_car_whose_key_the_cabinet_never_saw_is_delivered(ws: Workshop) -> None:
    ro = ready(ws, tag=None)
    ws.take_events()
    ws.deliver(ro, at(52))
    assert ws.take_events()[0] == ev.JobDelivered(ro=ro, key_was="none", at=at(52))


def test_the_customers_call_time_is_kept(ws: Workshop) -> None:
    ro = ready(ws)
    assert ws.jobs[ro].call_time is CallTime.ANY
    ws.deliver(ro, at(52), call_time=CallTime.EVENING)
    assert ws.jobs[ro].call_time is CallTime.EVENING


# ----------------------------------------------------------------- the next service
def test_the_next_service_is_a_time_and_a_distance_on() -> None:
    assert next_service(date(2026, 11, 24), 42_000, 6, 5000) == (date(2027, 5, 24), 47_000)
    assert next_service(date(2026, 11, 24), None, 12, 10000) == (date(2027, 11, 24), None)
    assert months_after(date(2026, 8, 31), 6) == date(2027, 2, 28)  # no 31 February
    assert months_after(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert months_after(date(2026, 12, 15), 1) == date(2027, 1, 15)


# ----------------------------------------------------------------- the delivery summary
def summary_of(ws: Workshop, ro: str) -> tuple[DeliverySummary, GatePass]:
    ws.deliver(ro, at(60), call_time=CallTime.EVENING)
    config = demo_config()
    summary, gate = (p.doc for p in at_delivery(config, ws.jobs[ro], at(60)))
    assert isinstance(summary, DeliverySummary) and isinstance(gate, GatePass)
    return summary, gate


@pytest.mark.parametrize("paper", [80, 58])
def test_the_delivery_summary_as_the_printer_prints_it(ws: Workshop, paper: int) -> None:
    ro = ready(ws)
    ws.jobs[ro].vehicle = replace(ws.jobs[ro].vehicle, mileage_km=42_000)  # taken at reception
    summary, gate = summary_of(ws, ro)
    out = decode(render(summary, paper, ZONE))
    assert out.cuts == 1 and out.qr == [ro]
    assert all(line.columns <= COLUMNS[paper] for line in out.lines)
    lines = out.text
    text = "\n".join(lines)
    assert [line.text for line in out.lines if line.big][:1] == ["交车单"]
    assert "京A12345" in lines and ro in lines
    # Work done, findings approved and declined, the declined safety item apart.
    assert "· 小保养" in lines and "· 空调滤芯脏堵" in lines
    assert lines.index("增项（客户暂不维修）") < lines.index("· 雨刮片老化")
    safety = lines.index("安全隐患（客户拒绝维修）")
    assert lines[safety + 1] == "· 后刹车片磨损超限"
    assert "· 后刹车片磨损超限" not in lines[:safety]  # not among the others
    # …with the customer's acknowledgement, and a line to sign on, the last words.
    ack = next(i for i, t in enumerate(lines) if t.startswith("本人已知悉上述安全隐患"))
    signed = [t for t in lines if t.startswith("客户签字: ")]
    assert len(signed) == 1 and set(signed[0].removeprefix("客户签字: ")) == {"_"}
    assert lines.index(signed[0]) > ack > safety
    assert out.lines[ack].bold
    # The leader's advice, the next service, when to call, who to call.
    assert "· 三个月后复查后刹车片" in lines and "· 建议更换雨刮" in lines
    assert "2027-05-24 或 47,000 公里，以先到者为准" in text.replace("\n", "")
    call = lines.index("回访时间")
    assert lines[call + 1] == "· 晚上"
    assert "李娜" in text and "010-" in text
    # …and the gate pass after it.
    assert decode(render(gate, paper, ZONE)).barcodes == [ro]


def test_a_summary_without_a_declined_safety_item_asks_for_no_acknowledgement(
    ws: Workshop,
) -> None:
    ro = ready(ws)
    job = ws.jobs[ro]
    next(f for f in job.findings if f.id == "F2").state = FindingState.APPROVED
    summary, _ = summary_of(ws, ro)
    out = decode(render(summary, 80, ZONE))
    assert summary.acknowledgement == ""
    assert not any(t.startswith("本人已知悉") for t in out.text)
    assert "安全隐患（客户拒绝维修）" not in out.text
    assert "2027-05-24 前" in out.text[out.text.index("下次保养") + 1]  # no mileage: the date
    assert not any("公里" in t for t in out.text)
    assert "费用明细" not in out.text  # no charges sent: no prices of Pitboard's own


def test_the_charges_the_dealer_system_sent_are_printed_with_their_total(ws: Workshop) -> None:
    ro = ready(ws)
    charges = (
        PriceLine("工时费", Decimal("380.00")),
        PriceLine("配件", Decimal("1234.5")),
        PriceLine("优惠", Decimal("-100")),
    )
    ws.update_order(ro, OrderChanges(prices=charges), at(59))
    summary, _ = summary_of(ws, ro)
    lines = decode(render(summary, 80, ZONE)).text
    start = lines.index("费用明细")
    assert lines[start + 1 : start + 5] == [
        "· 工时费 ¥380.00",
        "· 配件 ¥1,234.50",
        "· 优惠 -¥100.00",
        "· 合计 ¥1,514.50",
    ]


def test_the_summary_prints_on_the_desk_printer_before_the_gate_pass(ws: Workshop) -> None:
    ro = ready(ws)
    ws.deliver(ro, at(60))
    config = demo_config()
    desk = next(p.device for p in config.printers if p.role == "desk")
    prints = at_delivery(config, ws.jobs[ro], at(60) + timedelta(seconds=1))
    assert [(p.printer, p.doc.document) for p in prints] == [
        (desk, "delivery_summary"),
        (desk, "gate_pass"),
    ]
