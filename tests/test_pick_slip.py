"""The parts counter's pick slip (领料单) at both paper widths, byte for byte through the
ESC/POS decoder: the bay large, the order and car, who asked and when, each part with its
quantity (long names wrapped whole, the quantity on the first line), the bay's wait said
when its clock is paused, the QR naming the request, one cut; and made from a request as
the core makes it, on the parts counter's printer when there is one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.config import PrinterConfig
from core.contract.printing import PickSlip, SummaryLine
from core.domain.events import PartsRequested
from core.domain.model import PartLine
from core.prints import pick_slip, prints_of_facts
from devices.escpos_read import decode
from devices.tickets import COLUMNS, render
from tests.helpers import at, demo_config, domain_workshop, order
from tests.test_tickets import PAPERS, cols, fits, scale
from tests.ticket_samples import ZONE

ASKED = datetime(2026, 11, 24, 2, 35, tzinfo=UTC)  # 10:35 in the workshop
SLIP = PickSlip(
    ro="RO-20261124-0007",
    request_id="PR-3f9a0c12d4",
    bay="B03",
    tech="王师傅",
    plate="京A12345",
    model="别克 GL8 白",
    requested_at=ASKED,
    lines=[
        SummaryLine(label="机油滤清器", value="×1"),
        SummaryLine(label="火花塞", value="×4"),
        SummaryLine(
            label="大保养套件：机油、机滤、空滤、空调滤芯及汽油滤清器（5W-30全合成）",
            value="×1",
        ),
    ],
    note="急用，客户店内等候",
    paused=True,
)


@pytest.mark.parametrize("paper", PAPERS)
def test_the_pick_slip_decodes_byte_for_byte(paper: int) -> None:
    raw = render(SLIP, paper, ZONE)
    assert raw.startswith(b"\x1b@")  # initialised
    assert "领料单".encode("gb18030") in raw and "机油滤清器".encode("gb18030") in raw
    out = decode(raw)
    fits(paper, out)
    assert out.cuts == 1
    assert out.qr == ["RO-20261124-0007/PR-3f9a0c12d4"]  # the counter's scanner: the request
    [qr] = out.qr_codes
    assert qr.ec in "MQH" and qr.module >= 4
    big = [line.text for line in out.lines if line.big]
    assert big == ["领料单", "B03"]  # the bay, read across the counter
    assert all(scale(line) == 2 for line in out.lines if line.big)
    text = out.text
    assert text[2] == "RO-20261124-0007 京A12345" and out.lines[2].bold
    assert text[3] == "别克 GL8 白"
    assert text[4].startswith("技师 王师傅") and text[4].endswith("11-24 10:35")
    assert text[5] == "工位停工待料" and out.lines[5].bold
    assert text[6] == "-" * COLUMNS[paper]
    # Each part on its own line, its quantity at the right edge of its first line.
    assert text[7].startswith("机油滤清器") and text[7].endswith("×1")
    assert text[8].startswith("火花塞") and text[8].endswith("×4")
    assert cols(text[7]) == COLUMNS[paper] and out.lines[7].bold
    long_part = [t for t in text if t.startswith("大保养套件")]
    assert len(long_part) == 1 and long_part[0].endswith("×1")
    joined = "".join(t.removesuffix("×1") for t in text).replace(" ", "")
    assert "大保养套件：机油、机滤、空滤、空调滤芯及汽油滤清器（5W-30全合成）" in joined
    assert "备注:急用，客户店内等候" in joined
    assert text[-1] == "PR-3f9a0c12d4"


def test_a_slip_without_a_pause_or_note_says_neither() -> None:
    out = decode(render(SLIP.model_copy(update={"paused": False, "note": ""}), 80, ZONE))
    assert "工位停工待料" not in out.text and not any("备注" in t for t in out.text)


def test_the_core_makes_the_slip_of_a_request_for_the_parts_printer() -> None:
    ws = domain_workshop()
    job = ws.check_in(order(), at(0))
    ws.dispatch(job.ro, "B03", at(1))
    ws.sign_in("T002", "B03", at(2))
    ws.start(job.ro, "T002", "B03", at(3))
    lines = [PartLine("机油滤清器", 1, "P-OF-01"), PartLine("卡扣", 6)]
    request = ws.request_parts((job.ro, "T002", "B03"), "PR-1", lines, at(10), pause=True)
    config = demo_config()
    slip = pick_slip(config, job, request)
    tech = next(t.name for t in config.technicians if t.id == "T002")
    assert (slip.ro, slip.request_id, slip.bay, slip.tech, slip.paused) == (
        job.ro,
        "PR-1",
        "B03",
        tech,
        True,
    )
    assert [(x.label, x.value) for x in slip.lines] == [("机油滤清器", "×1"), ("卡扣", "×6")]
    facts = ws.take_events()
    assert any(isinstance(f, PartsRequested) for f in facts)
    [printing] = prints_of_facts(config, ws, facts, at(10))
    assert printing.printer == "printer-shop"  # no parts printer: the workshop's
    counter = PrinterConfig(device="printer-parts", url="virtual://parts", role="parts")
    with_counter = demo_config(printers=[*config.printers, counter])
    [printing] = prints_of_facts(with_counter, ws, facts, at(10))
    assert printing.printer == "printer-parts" and printing.doc == slip
    assert prints_of_facts(config, ws, [], at(10)) == []
