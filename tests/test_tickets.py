"""Every printed document at both paper widths, byte for byte through an ESC/POS decoder:
Chinese text in GB18030, lines that fit the paper, wrapping that keeps words whole and
follows Chinese line-breaking rules, large text that is large for Chinese too, QR codes and
barcodes a scanner reads, one cut.

Widths are measured twice: from the bytes (our reader: a multi-byte GB18030 character is a
full-width glyph), and from the text with wcwidth, counting East Asian ambiguous characters
as wide as they are in a Chinese font, not with the renderer's own width function."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import wcwidth
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import PrinterConfig
from core.contract.printing import JobTicket, PickSlip, SummaryLine, TicketOperation
from core.domain.events import PartsRequested
from core.domain.model import Customer, Job, Operation, PartLine, Vehicle
from core.prints import at_check_in, at_delivery, pick_slip, prints_of_facts
from devices.escpos_read import Line, Paper, decode
from devices.tickets import COLUMNS, render, wrap
from tests.helpers import at, demo_config, domain_workshop, order
from tests.ticket_samples import CARD, GATE, PROMISED, TAG, TICKET, ZONE

# What a dealer system sends on a busy day: a long RO number, a long model name, numbers
# and units inside Chinese text, full-width punctuation.
LONG_RO = "WX-SVC-20261124-000123-01"
HARD = TICKET.model_copy(
    update={
        "site_name": "华东汽车服务集团 上海浦东示范4S店 售后服务中心 车间调度室",
        "ro": LONG_RO,
        "model": "别克GL8 ES陆尊 653T 豪华型",
        "colour": "铂金珍珠白",
        "fuel_level": "1/4（油量警告灯亮）",
        "advisor": "欧阳·娜仁高娃",
        "operations": [
            TicketOperation(
                name="发动机保养：更换机油及机滤（5W-30全合成，4.5L）", standard_hours=1.0
            ),
            TicketOperation(
                name="大保养：更换机油、机滤、空滤、空调滤芯及汽油滤清器（5W-30全合成，4.5L）",
                standard_hours=2.5,
            ),
        ],
        "requests": "左前轮附近异响，高速120km/h时方向盘抖动；更换雨刮片（前后）；"
        "检查空调制冷，出风口温度约18℃，胎压2.3bar……客户称“上次没修好”",
    }
)
HARD_GATE = GATE.model_copy(
    update={"ro": LONG_RO, "model": HARD.model, "colour": HARD.colour, "site_name": HARD.site_name}
)
DOCUMENTS = [TICKET, TAG, CARD, GATE, HARD, HARD_GATE]
PAPERS = [80, 58]
DOTS = {80: 576, 58: 384}  # printable width at 203 dpi
# Chinese line-breaking rules (GB/T 15834, W3C clreq), written out here rather than taken
# from the renderer: these never start a line, those never end one.
CLOSING = "）」』】》〉，。、；：！？…·”’%)]},.;:!?"
OPENING = "（「『【《〈“‘([{"


def cols(text: str) -> int:
    """Columns by Unicode's East Asian width, ambiguous characters wide (a Chinese font)."""
    return sum(wcwidth.wcwidth(c, ambiguous_width=2) for c in text)


def scale(line: Line) -> int:
    """How much larger than normal every glyph of the line is (one size a line)."""
    sizes = {g.columns // (1 if g.char.isascii() else 2) for g in line.glyphs}
    assert len(sizes) <= 1, f"a line mixing sizes: {line.text!r}"
    return sizes.pop() if sizes else 1


def fits(paper: int, out: Paper) -> None:
    for line in out.lines:
        assert line.columns <= COLUMNS[paper], (paper, line.text, line.columns)
        assert cols(line.text) * scale(line) == line.columns, (line.text, "bytes vs wcwidth")


def whole_text(out: Paper) -> str:
    return "".join(out.text).replace(" ", "")


def follows_kinsoku(lines: list[str]) -> None:
    for line in lines:
        assert line[:1] not in CLOSING or not line, f"line starts with closing: {line!r}"
        assert line[-1:] not in OPENING or not line, f"line ends with opening: {line!r}"


@pytest.mark.parametrize("paper", PAPERS)
def test_job_ticket(paper: int) -> None:
    raw = render(TICKET, paper, ZONE)
    assert raw.startswith(b"\x1b@")  # initialised
    assert "京A12345".encode("gb18030") in raw  # Chinese as GB18030 bytes
    out = decode(raw)
    fits(paper, out)
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
        "类型 保养",
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
def test_no_line_runs_past_the_paper(paper: int) -> None:
    for doc in DOCUMENTS:
        fits(paper, decode(render(doc, paper, ZONE)))


@pytest.mark.parametrize("paper", PAPERS)
def test_long_fields_wrap_whole_and_are_never_cut(paper: int) -> None:
    out = decode(render(HARD, paper, ZONE))
    fits(paper, out)
    follows_kinsoku(out.text)
    joined = whole_text(out)
    for op in HARD.operations:  # the hours stand at the end of an operation's first line
        joined = joined.replace(f"{op.standard_hours:.1f}h", "")
    fields = [HARD.site_name, HARD.ro, HARD.model, HARD.colour, HARD.fuel_level, HARD.advisor]
    for field in [*fields, HARD.requests, *(op.name for op in HARD.operations)]:
        assert field.replace(" ", "") in joined, f"cut: {field}"
    for field in [HARD.ro, HARD.model, HARD.requests, *(op.name for op in HARD.operations)]:
        for word in re.findall(r"[!-~]+", field):
            assert any(word in line for line in out.text), f"{word!r} split: {out.text}"
    assert "铂金珍珠白" in joined
    hours = [t for t in out.text if t.endswith("2.5h")]
    assert len(hours) == 1 and hours[0].startswith("大保养")


_CJK = st.sampled_from("保养更换机油滤芯检查车轮胎刹片异响")
_WORD = st.tuples(
    st.sampled_from("0123456789abcKmh"), st.text(st.sampled_from("0123456789abcKmh/.-"), max_size=7)
).map("".join)
_OPEN = st.sampled_from(["", *"（「【《“"])
_CLOSE = st.sampled_from(["", *"）」】》”，。、；：！？…·"])
# A word token ends in a space, so two words never run together into one longer than a line.
_TOKEN = st.one_of(
    st.tuples(_OPEN, _CJK, _CLOSE, st.sampled_from(["", "", " "])),
    st.tuples(_OPEN, _WORD, _CLOSE, st.just(" ")),
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKEN, min_size=1, max_size=40).map("".join), st.integers(12, 48))
def test_wrapping_keeps_words_whole_and_follows_kinsoku(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(cols(line) <= width for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", ""), "nothing lost or moved"
    follows_kinsoku(lines)
    for word in re.findall(r"[!-~]+", text):
        assert any(word in line for line in lines), f"{word!r} split: {lines}"


def test_a_word_longer_than_the_line_is_broken_rather_than_lost() -> None:
    url = "https://4s.example.cn/status/k3J9xQ"
    lines = wrap(f"网址 {url}", 10)
    assert all(cols(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == f"网址{url}"
    follows_kinsoku(lines)  # even inside a broken word: no line starts with "."


@pytest.mark.parametrize("paper", PAPERS)
def test_large_text_is_large_for_chinese_characters_too(paper: int) -> None:
    for doc, big in (
        (TICKET, ["RO-20261124-0007", "京A12345"]),
        (TAG, ["京A12345", "KC1 #7"]),
        (GATE, ["出门证", "京A12345"]),
    ):
        raw = render(doc, paper, ZONE)
        # GS ! sizes every character; ESC ! only single-byte ones.
        assert b"\x1d!\x11" in raw
        assert [line.text for line in decode(raw).lines if line.big] == big


def _job(advisor: str) -> Job:
    return Job(
        ro="RO-20261124-0007",
        vehicle=Vehicle(
            plate="京A12345", model="别克 GL8", colour="铂金珍珠白", vin="LSGUA84L0FE000001"
        ),
        customer=Customer(name="王先生", phone="13800138000"),
        operations=[Operation("M010", "小保养", 1.0, "Minor service")],
        promised_at=PROMISED,
        checked_in_at=PROMISED,
        advisor=advisor,
        key_tag="0A1B2C3D4E",
        public_token="k3J9xQ",
        delivered_at=PROMISED,
    )


def test_prints_name_the_advisor_and_the_desk_phone() -> None:
    config = demo_config()
    assert config.site.desk_phone, "the demo site has a desk phone"
    prints = at_check_in(config, _job("SA01"), PROMISED) + at_delivery(
        config, _job("SA01"), PROMISED
    )
    assert {p.doc.document for p in prints} == {
        "job_ticket",
        "key_tag",
        "pickup_card",
        "gate_pass",
        "delivery_summary",
    }
    advisor = next(u.name for u in config.users if u.id == "SA01")
    for printed in prints:
        text = "\n".join(decode(render(printed.doc, 58, ZONE)).text)
        assert "SA01" not in text
        if printed.doc.document != "key_tag":
            assert advisor in text, printed.doc.document
        if printed.doc.document == "pickup_card":
            assert config.site.desk_phone in text
    # A name the dealer system sent stays as it is.
    ticket = at_check_in(config, _job("王芳"), PROMISED)[0].doc
    assert isinstance(ticket, JobTicket) and ticket.advisor == "王芳"


@pytest.mark.parametrize("paper", PAPERS)
def test_gate_pass_barcode_is_the_ro_number(paper: int) -> None:
    out = decode(render(GATE, paper, ZONE))
    [bar] = out.barcode_blocks
    assert bar.data == GATE.ro
    # Code set B for the letters and dashes, C for the date and the serial (two digits a
    # symbol): 104 = start B, 99 = switch to C.
    assert bar.symbols.values[0] == 104 and bar.symbols.values.count(99) == 2
    assert bar.module >= 2 and bar.dots <= DOTS[paper], "the printer skips a wider barcode"


@pytest.mark.parametrize("paper", PAPERS)
def test_qr_codes_correct_errors_and_scan_on_the_paper(paper: int) -> None:
    for doc in (TICKET, TAG, CARD):
        [qr] = decode(render(doc, paper, ZONE)).qr_codes
        assert qr.ec in "MQH", (type(doc).__name__, qr.ec)
        assert qr.module >= 4, "a module under 0.5 mm is hard for phone cameras"


def test_a_barcode_too_wide_for_58mm_prints_as_a_qr_code() -> None:
    wide = decode(render(HARD_GATE, 80, ZONE))
    assert wide.barcodes == [LONG_RO] and wide.barcode_blocks[0].dots <= DOTS[80]
    narrow = decode(render(HARD_GATE, 58, ZONE))
    assert narrow.barcodes == [] and narrow.qr == [LONG_RO]


@pytest.mark.parametrize("paper", PAPERS)
def test_key_tag(paper: int) -> None:
    out = decode(render(TAG, paper, ZONE))
    fits(paper, out)
    assert out.barcodes == ["0A1B2C3D4E"] and out.qr == ["RO-20261124-0007"] and out.cuts == 1
    assert out.text[:4] == ["京A12345", "RO-20261124-0007", "交车 11-24 17:00", "KC1 #7"]


@pytest.mark.parametrize("paper", PAPERS)
def test_pickup_card(paper: int) -> None:
    out = decode(render(CARD, paper, ZONE))
    fits(paper, out)
    assert out.qr == ["https://4s.example.cn/status/k3J9xQ"] and out.cuts == 1
    text = "\n".join(out.text)
    assert "取车凭证" in text and "010-12345678" in text and "王芳" in text
    assert "京A12345" not in text  # the card goes home with the customer: no plate


@pytest.mark.parametrize("paper", PAPERS)
def test_gate_pass(paper: int) -> None:
    out = decode(render(GATE, paper, ZONE))
    fits(paper, out)
    assert [line.text for line in out.lines if line.big] == ["出门证", "京A12345"]
    assert out.barcodes == ["RO-20261124-0007"] and out.cuts == 1
    assert any("交车时间" in t and "11-24 17:00" in t for t in out.text)


def test_the_reader_sizes_characters_as_the_printer_does() -> None:
    chinese = b"\x1c&" + "京".encode("gb18030") + b"A\x1c.\n"
    # ESC ! double width and height: the printer enlarges single-byte characters only.
    [line] = decode(b"\x1b@\x1b!\x30" + chinese).lines
    assert [(g.char, g.columns, g.height) for g in line.glyphs] == [("京", 2, 1), ("A", 2, 2)]
    assert not line.big and line.columns == 4
    # GS ! reaches every character.
    [line] = decode(b"\x1b@\x1d!\x11" + chinese).lines
    assert line.big and line.columns == 6
    # A GB18030 four-byte character is one full-width glyph too.
    [line] = decode(b"\x1c&" + "𠀀".encode("gb18030") + b"\x1c.").lines
    assert line.text == "𠀀" and line.columns == 2


def test_the_decoder_refuses_unknown_commands() -> None:
    with pytest.raises(ValueError):
        decode(b"\x1b@\x1bZ\x00")
    with pytest.raises(ValueError):
        decode("中".encode("gb18030"))  # Chinese bytes outside Chinese mode
    with pytest.raises(ValueError):
        decode(b"\x1b@\x1d")  # a command cut short
    with pytest.raises(ValueError):
        decode(b"\x1dk\x49\x03ABC")  # CODE128 data naming no code set


# ----------------------------------------------------------------- the pick slip (领料单)
# The parts counter's slip: the bay large, the order and car, who asked and when, each part
# with its quantity (long names wrapped whole, the quantity on the first line), the bay's
# wait said when its clock is paused, the QR naming the request, one cut; made from a
# request as the core makes it, on the parts counter's printer when there is one.
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
