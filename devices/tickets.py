"""The printed documents, rendered to ESC/POS bytes: job ticket, key tag, pickup card and
gate pass, for 80 mm (48 columns) and 58 mm (32 columns) paper.

Rendering is separate from the transport, so a document can be checked byte for byte.
Chinese prints in GB18030 inside the printer's Chinese mode (FS & … FS .); a CJK
character takes two columns.
"""

from __future__ import annotations

import contextlib
import io
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from escpos.printer import Dummy

from core.contract.printing import Document, GatePass, JobTicket, KeyTag, PickupCard

COLUMNS = {80: 48, 58: 32}
CHINESE_ON, CHINESE_OFF = b"\x1c\x26", b"\x1c\x2e"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, width: int) -> str:
    """Cut to ``width`` columns (a CJK character counts two)."""
    out, used = [], 0
    for c in text:
        w = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out)


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        rest = paragraph
        while display_width(rest) > width:
            head = fit(rest, width)
            lines.append(head)
            rest = rest[len(head) :]
        lines.append(rest)
    return lines


def big_fit(text: str, width: int) -> str:
    """Double-width text: half the columns; the end of an RO number is what people read."""
    if display_width(text) <= width // 2:
        return text
    return text[-(width // 2) :]


def columns(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line, the gap filled with spaces."""
    gap = width - display_width(left) - display_width(right)
    if gap < 1:
        return fit(left, max(0, width - display_width(right) - 1)) + " " + right
    return left + " " * gap + right


class Sheet:
    """A thin layer over python-escpos' Dummy printer that keeps the bytes."""

    def __init__(self, paper: int) -> None:
        if paper not in COLUMNS:
            raise ValueError("paper is 80 or 58 mm wide")
        self.paper = paper
        self.width = COLUMNS[paper]
        self.p = Dummy()
        self.p.hw("INIT")

    def style(self, align: str = "left", bold: bool = False, big: bool = False) -> Sheet:
        if big:
            self.p.set(align=align, bold=bold, double_height=True, double_width=True)
        else:
            self.p.set(align=align, bold=bold, normal_textsize=True)
        return self

    def line(self, text: str = "") -> Sheet:
        if text.isascii():
            self.p._raw(text.encode("ascii") + b"\n")
        else:
            self.p._raw(CHINESE_ON + text.encode("gb18030") + CHINESE_OFF + b"\n")
        return self

    def rule(self) -> Sheet:
        return self.line("-" * self.width)

    def qr(self, data: str, size: int) -> Sheet:
        self.p.set(align="center")
        self.p.qr(data, native=True, size=size)
        return self

    def barcode(self, data: str) -> Sheet:
        self.p.set(align="center")
        # python-escpos announces its renderer on stdout; a service has no use for that.
        with contextlib.redirect_stdout(io.StringIO()):
            self.p.barcode(
                "{B" + data, "CODE128", function_type="B", height=64, width=2, pos="BELOW"
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
    w = s.width
    s.style("center", bold=True).line(fit(doc.site_name, w)).line("任务委托书 (车间联)")
    s.style("center", bold=True, big=True).line(big_fit(doc.ro, w))
    s.style("center", big=True).line(big_fit(doc.plate, w))
    s.style("left")
    s.line(fit(f"{doc.model} {doc.colour}".strip(), w))
    s.line(
        columns(
            f"VIN …{doc.vin_tail}" if doc.vin_tail else "VIN —",
            f"里程 {doc.mileage_km or '—'}km",
            w,
        )
    )
    s.line(columns(f"油量 {doc.fuel_level or '—'}", f"顾问 {doc.advisor or '—'}", w))
    s.style("left", bold=True).line(f"承诺交车 {_hm(doc.promised_at, zone)}")
    s.style("left").rule()
    for op in doc.operations:
        hours = f"{op.standard_hours:.1f}h"
        for i, part in enumerate(wrap(op.name, w - len(hours) - 1)):
            s.line(columns(part, hours if i == 0 else "", w))
    s.rule()
    if doc.requests:
        for part in wrap(f"客户要求: {doc.requests}", w):
            s.line(part)
    s.line(
        columns(
            f"洗车: {_yes(doc.wash, '是', '否')}",
            f"旧件: {_yes(doc.keep_old_parts, '带走', '不带走')}",
            w,
        )
    )
    s.style("left", bold=True).line(f"客户: {_yes(doc.customer_waiting, '店内等候', '离店')}")
    s.qr(doc.ro, 8 if paper == 80 else 6)
    s.style("center").line(doc.ro)
    return s.finish()


def key_tag(doc: KeyTag, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    w = s.width
    s.style("center", bold=True, big=True).line(big_fit(doc.plate, w))
    s.style("center", bold=True).line(doc.ro)
    s.style("center").line(f"交车 {_hm(doc.promised_at, zone)}")
    if doc.slot is not None:
        s.style("center", bold=True, big=True).line(fit(f"{doc.cabinet} #{doc.slot}", w // 2))
    s.barcode(doc.tag)
    s.qr(doc.ro, 5 if paper == 80 else 4)
    return s.finish()


def pickup_card(doc: PickupCard, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    w = s.width
    s.style("center", bold=True).line(fit(doc.site_name, w)).line("取车凭证 Pickup card")
    s.style("center", bold=True, big=True).line(big_fit(doc.ro, w))
    s.style("left").line(columns("服务顾问", doc.advisor or "—", w))
    if doc.advisor_phone:
        s.line(columns("电话", doc.advisor_phone, w))
    s.line(columns("预计交车", _hm(doc.promised_at, zone), w))
    s.line("扫码查看维修进度:")
    s.qr(doc.status_url, 6 if paper == 80 else 5)
    return s.finish()


def gate_pass(doc: GatePass, paper: int, zone: ZoneInfo) -> bytes:
    s = Sheet(paper)
    w = s.width
    s.style("center", bold=True).line(fit(doc.site_name, w))
    s.style("center", bold=True, big=True).line("出门证")
    s.style("center", big=True).line(big_fit(doc.plate, w))
    s.style("left").line(doc.ro)
    s.line(fit(f"{doc.model} {doc.colour}".strip(), w))
    s.line(columns("交车时间", _hm(doc.delivered_at, zone), w))
    s.line(columns("服务顾问", doc.advisor or "—", w))
    s.barcode(doc.ro.replace("-", "")[-12:])
    return s.finish()


def render(doc: Document, paper: int, zone: ZoneInfo) -> bytes:
    match doc:
        case JobTicket():
            return job_ticket(doc, paper, zone)
        case KeyTag():
            return key_tag(doc, paper, zone)
        case PickupCard():
            return pickup_card(doc, paper, zone)
        case GatePass():
            return gate_pass(doc, paper, zone)
    raise TypeError(f"not a document: {doc!r}")  # pragma: no cover
