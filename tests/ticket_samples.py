"""The printed documents the ticket tests and the printing tests share."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.contract.printing import GatePass, JobTicket, KeyTag, PickupCard, TicketOperation

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
    job_type="保养",
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
