"""What a print command carries (``dev/{printer}/cmd``, type ``print``): the document and
everything printed on it, so a devices bridge needs no access to the core's data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TicketOperation(_Doc):
    name: str
    standard_hours: float


class JobTicket(_Doc):
    """The workshop copy of the repair order; its QR is the RO number the kiosk scans."""

    document: Literal["job_ticket"] = "job_ticket"
    site_name: str
    ro: str
    plate: str
    model: str = ""
    colour: str = ""
    vin_tail: str = ""
    mileage_km: int | None = None
    fuel_level: str = ""
    advisor: str = ""
    job_type: str = Field(default="", description="What brought the car in, in words")
    promised_at: AwareDatetime
    operations: list[TicketOperation]
    requests: str = ""
    wash: bool = True
    keep_old_parts: bool = False
    customer_waiting: bool = False


class KeyTag(_Doc):
    document: Literal["key_tag"] = "key_tag"
    ro: str
    plate: str
    promised_at: AwareDatetime
    tag: str = Field(description="The key tag's ID, printed as a barcode")
    cabinet: str = ""
    slot: int | None = None


class PickupCard(_Doc):
    document: Literal["pickup_card"] = "pickup_card"
    site_name: str
    ro: str
    advisor: str = ""
    advisor_phone: str = ""
    promised_at: AwareDatetime
    status_url: str = Field(description="The customer's own status page (QR)")


class GatePass(_Doc):
    document: Literal["gate_pass"] = "gate_pass"
    site_name: str
    ro: str
    plate: str
    model: str = ""
    colour: str = ""
    advisor: str = ""
    delivered_at: AwareDatetime


class SummaryLine(_Doc):
    label: str
    value: str


class SummarySection(_Doc):
    title: str
    lines: list[str]


class DeliverySummary(_Doc):
    """The customer's delivery summary (交车单): what was done, what was declined (the safety
    items with the customer's acknowledgement and a signature line), the workshop's advice,
    the next service and the follow-up call. Every word on it comes with it, in the print's
    language, so the bridge prints it as it is."""

    document: Literal["delivery_summary"] = "delivery_summary"
    title: str
    site_name: str
    ro: str
    plate: str
    car: str = ""
    facts: list[SummaryLine] = Field(default_factory=list, description="Label and value pairs")
    sections: list[SummarySection] = Field(default_factory=list)
    acknowledgement: str = Field(
        default="",
        description="What the customer signs for (declined safety items); empty: nothing",
    )
    signature: str = Field(default="", description="The signature line's label")


class CustomerCopy(_Doc):
    """The customer's copy of the repair order (任务委托书客户联), printed when the
    walk-around is signed: the order, the car as it came in (marks, fuel, mileage), what
    was left in it and the papers received, the valuables reminder, and a line for the
    customer to sign on. Every word comes with it, in the print's language."""

    document: Literal["customer_copy"] = "customer_copy"
    title: str
    site_name: str
    ro: str
    plate: str
    car: str = ""
    facts: list[SummaryLine] = Field(default_factory=list, description="Label and value pairs")
    operations: list[TicketOperation] = Field(default_factory=list)
    operations_title: str = ""
    sections: list[SummarySection] = Field(
        default_factory=list, description="The requests, the marks, belongings and papers"
    )
    reminder: str = Field(default="", description="The valuables reminder, printed bold")
    signed: str = Field(default="", description="When and by whom the walk-around was signed")
    acknowledgement: str = ""
    signature: str = Field(default="", description="The signature line's label")


class PickSlip(_Doc):
    """The parts counter's pick slip (领料单) of a bay's parts request; its QR names the
    request (``ro/request``) for the counter's scanner."""

    document: Literal["pick_slip"] = "pick_slip"
    ro: str
    request_id: str
    bay: str
    tech: str = Field(default="", description="Who asked, by name")
    plate: str
    model: str = ""
    requested_at: AwareDatetime
    lines: list[SummaryLine] = Field(description="Each part (label) and its quantity (value)")
    note: str = ""
    paused: bool = Field(default=False, description="The bay's clock waits for these parts")


Document = Annotated[
    JobTicket | KeyTag | PickupCard | GatePass | DeliverySummary | CustomerCopy | PickSlip,
    Field(discriminator="document"),
]


class PrintJob(_Doc):
    """``data`` of a ``print`` command."""

    print_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    printer: str
    doc: Document
    zone: str = Field(default="Asia/Shanghai", description="Times print in this zone")
    created_at: datetime | None = None
