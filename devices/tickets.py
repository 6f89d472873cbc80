"""The printed documents, rendered to ESC/POS bytes: job ticket, key tag, pickup card, gate
pass, delivery summary and the customer's copy of the repair order, for 80 mm (48 columns,
576 dots) and 58 mm (32 columns, 384 dots) paper.

Rendering is separate from the transport, so a document can be checked byte for byte.
Chinese prints in GB18030 inside the printer's Chinese mode (FS & … FS .); a Chinese
character takes two columns (devices.linebreak measures and wraps). Nothing is cut short:
what does not fit a line wraps."""

from __future__ import annotations

import contextlib
import io
import math
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import qrcode
from escpos.constants import QR_ECLEVEL_M, QR_ECLEVEL_Q
from escpos.printer import Dummy

from core.contract.printing import (
    CustomerCopy,
    DeliverySummary,
    Document,
    GatePass,
    JobTicket,
    KeyTag,
    PickSlip,
    PickupCard,
)
from devices import code128
from devices.linebreak import columns, width, wrap

COLUMNS = {80: 48, 58: 32}
DOTS = {80: 576, 58: 384}  # printable width at 203 dpi
LINE_DOTS = 30  # the printer's default line feed
CHINESE_ON, CHINESE_OFF = b"\x1c\x26", b"\x1c\x2e"
Size = Literal["normal", "big", "tall"]
# GS ! width and height: unlike ESC !, GS ! enlarges Chinese characters as well.
SIZES: dict[Size, tuple[int, int]] = {"normal": (1, 1), "big": (2, 2), "tall": (1, 2)}
QR_EC = {
    "M": (QR_ECLEVEL_M, qrcode.constants.ERROR_CORRECT_M),
    "Q": (QR_ECLEVEL_Q, qrcode.constants.ERROR_CORRECT_Q),
}

__all__ = ["COLUMNS", "DOTS", "render", "width", "wrap"]


class Sheet:
    """A thin layer over python-escpos' Dummy printer that keeps the bytes."""

    def __init__(self, paper: int) -> None:
        if paper not in COLUMNS:
            raise ValueError("paper is 80 or 58 mm wide")
        self.paper = paper
        self.width = COLUMNS[paper]
        self.dots = DOTS[paper]
        self.p = Dummy()
        self.p.hw("INIT")
        # GS W: the print area, which also tells a preview how wide the paper is.
        self.p._raw(b"\x1dW" + self.dots.to_bytes(2, "little"))

    def style(self, align: str = "left", bold: bool = False, size: Size = "normal") -> Sheet:
        w, h = SIZES[size]
        self.p.set(align=align, bold=bold, custom_size=True, width=w, height=h)
        return self

    def line(self, text: str = "") -> Sheet:
        if text.isascii():
            self.p._raw(text.encode("ascii") + b"\n")
        else:
            self.p._raw(CHINESE_ON + text.encode("gb18030") + CHINESE_OFF + b"\n")
        return self

    def text(self, text: str, align: str = "left", bold: bool = False) -> Sheet:
        self.style(align, bold)
        for part in wrap(text, self.width):
            self.line(part)
        return self

    def large(self, text: str, align: str = "center", bold: bool = False) -> Sheet:
        """Double size; text too wide for that keeps the double height at normal width
        (an RO number reads better whole than broken)."""
        size: Size = "big" if width(text) <= self.width // 2 else "tall"
        self.style(align, bold, size)
        for part in wrap(text, self.width // (2 if size == "big" else 1)):
            self.line(part)
        return self

    def pair(self, left: str, right: str, bold: bool = False) -> Sheet:
        self.style("left", bold)
        for part in columns(left, right, self.width):
            self.line(part)
        return self

    def rule(self) -> Sheet:
        return self.style("left").line("-" * self.width)

    def qr(self, data: str, module: int, ec: str = "Q") -> Sheet:
        """A QR code of ``data``: ``module`` dots a module where it fits the paper with the
        four-module quiet zone the standard asks for, smaller where it does not."""
        printer_ec, library_ec = QR_EC[ec]
        # The printer picks the symbol's version itself; the library tells which it will be.
        code = qrcode.QRCode(error_correction=library_ec)
        code.add_data(data)
        code.make(fit=True)
        module = max(1, min(module, self.dots // (code.modules_count + 8)))
        quiet = math.ceil(4 * module / LINE_DOTS)
        self.style("center")
        self.p.print_and_feed(quiet)
        self.p.qr(data, ec=printer_ec, size=module, native=True)
        self.p.print_and_feed(quiet)
        return self

    def barcode(self, data: str) -> Sheet:
        """CODE128 of ``data``, as wide as the paper allows; one that would not fit (the
        printer would leave it out) prints as a QR code instead."""
        encoded = code128.escpos_data(data)
        modules = code128.read(encoded).modules
        quiet = 2 * code128.QUIET_MODULES
        module = next((m for m in (3, 2) if (modules + quiet) * m <= self.dots), None)
        if module is None and modules * 2 <= self.dots:
            module = 2  # the paper's own margin outside the print area is the quiet zone
        if module is None:
            return self.qr(data, 5)
        self.style("center")
        self.p.print_and_feed(1)
        # python-escpos announces its renderer on stdout; a service has no use for that.
        with contextlib.redirect_stdout(io.StringIO()):
            self.p.barcode(
                encoded.decode("ascii"), "CODE128", 64, module, "BELOW", function_type="B"
            )
        return self

    def finish(self) -> bytes:
        self.p.cut()
        return bytes(self.p.output)


def _hm(ts: datetime, zone: ZoneInfo) -> str:
    return ts.astimezone(zone).strftime("%m-%d %H:%M")


def _yes(flag: bool, yes: str, no: str) -> str:
    return yes if flag else no


def job_ticket(doc: JobTicket, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    s.text(doc.site_name, "center", bold=True).text("任务委托书 (车间联)", "center", bold=True)
    s.large(doc.ro, bold=True).large(doc.plate)
    s.text(f"{doc.model} {doc.colour}".strip())
    vin = f"VIN …{doc.vin_tail}" if doc.vin_tail else "VIN —"
    s.pair(vin, "里程 —" if doc.mileage_km is None else f"里程 {doc.mileage_km}km")
    s.pair(f"油量 {doc.fuel_level or '—'}", f"顾问 {doc.advisor or '—'}")
    if doc.job_type:
        s.text(f"类型 {doc.job_type}")
    s.text(f"承诺交车 {_hm(doc.promised_at, zone)}", bold=True)
    s.rule()
    for op in doc.operations:
        hours = f"{op.standard_hours:.1f}h"
        for i, part in enumerate(wrap(op.name, s.width - len(hours) - 1)):
            s.pair(part, hours if i == 0 else "")
    s.rule()
    if doc.requests:
        s.text(f"客户要求: {doc.requests}")
    s.pair(
        f"洗车: {_yes(doc.wash, '是', '否')}",
        f"旧件: {_yes(doc.keep_old_parts, '带走', '不带走')}",
    )
    s.text(f"客户: {_yes(doc.customer_waiting, '店内等候', '离店')}", bold=True)
    s.qr(doc.ro, 6)  # the kiosk scans it
    s.text(doc.ro, "center")
    return s.finish()


def key_tag(doc: KeyTag, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    s.large(doc.plate, bold=True)
    s.text(doc.ro, "center", bold=True)
    s.text(f"交车 {_hm(doc.promised_at, zone)}", "center")
    if doc.slot is not None:
        s.large(f"{doc.cabinet} #{doc.slot}", bold=True)
    s.barcode(doc.tag)
    s.qr(doc.ro, 5)
    return s.finish()


def pickup_card(doc: PickupCard, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    s.text(doc.site_name, "center", bold=True).text("取车凭证 Pickup card", "center", bold=True)
    s.large(doc.ro, bold=True)
    s.pair("服务顾问", doc.advisor or "—")
    if doc.advisor_phone:
        s.pair("服务台电话", doc.advisor_phone)
    s.pair("预计交车", _hm(doc.promised_at, zone))
    s.text("扫码查看维修进度:")
    s.qr(doc.status_url, 6, ec="M")  # a phone camera reads it; M keeps a long URL small
    return s.finish()


def gate_pass(doc: GatePass, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    s.text(doc.site_name, "center", bold=True)
    s.large("出门证", bold=True).large(doc.plate)
    s.text(doc.ro)
    s.text(f"{doc.model} {doc.colour}".strip())
    s.pair("交车时间", _hm(doc.delivered_at, zone))
    s.pair("服务顾问", doc.advisor or "—")
    s.barcode(doc.ro)
    return s.finish()


def delivery_summary(doc: DeliverySummary, paper: int, zone: ZoneInfo) -> bytes:
    """The words come with the document; this lays them out: the car, the facts, a section
    for each list, and the customer's acknowledgement above a line to sign on."""
    s = Sheet(paper)
    s.text(doc.site_name, "center", bold=True)
    s.large(doc.title, bold=True)
    s.large(doc.plate).text(doc.ro, "center")
    if doc.car:
        s.text(doc.car, "center")
    for fact in doc.facts:
        s.pair(fact.label, fact.value)
    for section in doc.sections:
        s.rule().text(section.title, bold=True)
        for line in section.lines:
            s.text(f"· {line}")
    if doc.acknowledgement:
        s.rule().text(doc.acknowledgement, bold=True)
    _signature_line(s, doc.signature)
    s.qr(doc.ro, 5)
    return s.finish()


def _signature_line(s: Sheet, label: str) -> None:
    """Two blank lines, then the label and a line to sign on, to the paper's edge."""
    if label:
        blank = "_" * (s.width - width(label) - 2)
        s.style().line().line().text(f"{label}: {blank}")


def customer_copy(doc: CustomerCopy, paper: int, zone: ZoneInfo) -> bytes:
    """The customer's copy of the repair order with its walk-around: the order, the car as
    it came in, what was left in it, the valuables reminder in bold, and the customer's
    acknowledgement above a line to sign on."""
    s = Sheet(paper)
    s.text(doc.site_name, "center", bold=True).text(doc.title, "center", bold=True)
    s.large(doc.ro, bold=True).large(doc.plate)
    if doc.car:
        s.text(doc.car, "center")
    for fact in doc.facts:
        s.pair(fact.label, fact.value)
    if doc.operations:
        s.rule().text(doc.operations_title, bold=True)
        for op in doc.operations:
            hours = f"{op.standard_hours:.1f}h"
            for i, part in enumerate(wrap(op.name, s.width - len(hours) - 1)):
                s.pair(part, hours if i == 0 else "")
    for section in doc.sections:
        s.rule().text(section.title, bold=True)
        for line in section.lines:
            s.text(f"· {line}")
    s.rule()
    if doc.reminder:
        s.text(doc.reminder, bold=True)
    if doc.signed:
        s.text(doc.signed)
    if doc.acknowledgement:
        s.text(doc.acknowledgement)
    _signature_line(s, doc.signature)
    s.qr(doc.ro, 5)
    return s.finish()


def pick_slip(doc: PickSlip, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    s.large("领料单", bold=True).large(doc.bay, bold=True)
    s.text(f"{doc.ro} {doc.plate}", "center", bold=True)
    if doc.model:
        s.text(doc.model, "center")
    s.pair(f"技师 {doc.tech or '—'}", _hm(doc.requested_at, zone))
    if doc.paused:
        s.text("工位停工待料", bold=True)
    s.rule()
    for line in doc.lines:
        for i, part in enumerate(wrap(line.label, s.width - len(line.value) - 1)):
            s.pair(part, line.value if i == 0 else "", bold=i == 0)
    s.rule()
    if doc.note:
        s.text(f"备注: {doc.note}")
    s.qr(f"{doc.ro}/{doc.request_id}", 5)  # scanned at the counter: the parts are ready
    s.text(doc.request_id, "center")
    return s.finish()


def render(doc: Document, paper: int, zone: ZoneInfo) -> bytes:
    match doc:
        case PickSlip():
            return pick_slip(doc, paper, zone)
        case CustomerCopy():
            return customer_copy(doc, paper, zone)
        case DeliverySummary():
            return delivery_summary(doc, paper, zone)
        case JobTicket():
            return job_ticket(doc, paper, zone)
        case KeyTag():
            return key_tag(doc, paper, zone)
        case PickupCard():
            return pickup_card(doc, paper, zone)
        case GatePass():
            return gate_pass(doc, paper, zone)
    raise TypeError(f"not a document: {doc!r}")  # pragma: no cover
