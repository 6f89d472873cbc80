"""Every printed document at both paper widths, byte for byte through an ESC/POS decoder:
Chinese text in GB18030, lines that fit the paper, QR codes, barcodes, one cut."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.contract.printing import GatePass, JobTicket, KeyTag, PickupCard, TicketOperation
from devices.escpos_read import decode
from devices.tickets import COLUMNS, display_width, render

ZONE = ZoneInfo("Asia/Shanghai")
PROMISED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 17:00 in the workshop
TICKET = JobTicket(
    site_name="示范4S店 售后车间",
    ro="RO-20261124-0007",
    plate="京A12345",
    model="别克 GL8",
    colour="白",
    vin_tail="000001",
    mileage_km=42000,
    fuel_level="1/2",
    advisor="王芳",
    promised_at=PROMISED,
    operations=[
        TicketOperation(name="小保养（机油、机滤、空调滤芯及全车检查）", standard_hours=1.0),
        TicketOperation(name="四轮定位", standard_hours=0.8),
    ],
    requests="检查异响，左前轮附近",
    wash=True,
    keep_old_parts=False,
    customer_waiting=True,
)
TAG = KeyTag(
    ro="RO-20261124-0007",
    plate="京A12345",
    promised_at=PROMISED,
    tag="0A1B2C3D4E",
    cabinet="KC1",
    slot=7,
)
CARD = PickupCard(
    site_name="示范4S店 售后车间",
    ro="RO-20261124-0007",
    advisor="王芳",
    advisor_phone="010-12345678",
    promised_at=PROMISED,
    status_url="https://4s.example.cn/status/k3J9xQ",
)
GATE = GatePass(
    site_name="示范4S店 售后车间",
    ro="RO-20261124-0007",
    plate="京A12345",
    model="别克 GL8",
    colour="白",
    advisor="王芳",
    delivered_at=PROMISED,
)
PAPERS = [80, 58]


def fits(paper: int, lines: list) -> None:  # type: ignore[type-arg]
    for line in lines:
        limit = COLUMNS[paper] // (2 if line.big else 1)
        assert display_width(line.text) <= limit, (paper, line.text)


@pytest.mark.parametrize("paper", PAPERS)
def test_job_ticket(paper: int) -> None:
    raw = render(TICKET, paper, ZONE)
    assert raw.startswith(b"\x1b@")  # initialised
    assert "京A12345".encode("gb18030") in raw  # Chinese as GB18030 bytes
    out = decode(raw)
    fits(paper, out.lines)
    assert out.qr == ["RO-20261124-0007"] and out.cuts == 1
    big = [line.text for line in out.lines if line.big]
    assert big == ["RO-20261124-0007", "京A12345"]
    text = "\n".join(out.text)
    for expected in (
        "任务委托书",
        "别克 GL8 白",
        "…000001",
        "42000km",
        "1/2",
        "王芳",
        "承诺交车 11-24 17:00",
        "四轮定位",
        "0.8h",
        "检查异响",
        "洗车: 是",
        "旧件: 不带走",
        "客户: 店内等候",
    ):
        assert expected in text, expected
    # The long operation name wraps, its hours on its first line.
    ops = [t for t in out.text if "1.0h" in t]
    assert len(ops) == 1 and ops[0].startswith("小保养")


@pytest.mark.parametrize("paper", PAPERS)
def test_key_tag(paper: int) -> None:
    out = decode(render(TAG, paper, ZONE))
    fits(paper, out.lines)
    assert out.barcodes == ["0A1B2C3D4E"] and out.qr == ["RO-20261124-0007"] and out.cuts == 1
    assert out.text[:4] == ["京A12345", "RO-20261124-0007", "交车 11-24 17:00", "KC1 #7"]


@pytest.mark.parametrize("paper", PAPERS)
def test_pickup_card(paper: int) -> None:
    out = decode(render(CARD, paper, ZONE))
    fits(paper, out.lines)
    assert out.qr == ["https://4s.example.cn/status/k3J9xQ"] and out.cuts == 1
    text = "\n".join(out.text)
    assert "取车凭证" in text and "010-12345678" in text and "王芳" in text
    assert "京A12345" not in text  # the card goes home with the customer: no plate


@pytest.mark.parametrize("paper", PAPERS)
def test_gate_pass(paper: int) -> None:
    out = decode(render(GATE, paper, ZONE))
    fits(paper, out.lines)
    assert [line.text for line in out.lines if line.big] == ["出门证", "京A12345"]
    assert out.barcodes == ["202611240007"] and out.cuts == 1
    assert any("交车时间" in t and "11-24 17:00" in t for t in out.text)


def test_the_decoder_refuses_unknown_commands() -> None:
    with pytest.raises(ValueError):
        decode(b"\x1b@\x1bZ\x00")
    with pytest.raises(ValueError):
        decode("中".encode("gb18030"))  # Chinese bytes outside Chinese mode
