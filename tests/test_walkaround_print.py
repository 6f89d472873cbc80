"""The customer's copy of the repair order (任务委托书客户联), printed when the walk-around
is signed: what the desk's printer gets, read back byte by byte."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.contract.printing import CustomerCopy, PrintJob
from core.domain.model import DamageMark
from core.domain.vocabulary import CarZone, MarkKind
from core.domain.workshop import Workshop
from core.prints import at_walk_around
from devices.escpos_read import decode
from devices.tickets import CHINESE_OFF, CHINESE_ON, COLUMNS, render
from tests.helpers import at, demo_config, need, order
from tests.walkaround_samples import sheet

ZONE = ZoneInfo("Asia/Shanghai")


def printed(ws: Workshop, **kw: object) -> PrintJob:
    ro = ws.check_in(order(requests="刹车有异响"), at(0)).ro
    walked = ws.record_walk_around(ro, sheet(**kw), "advisor:SA01", at(3))
    [printing] = at_walk_around(demo_config(), walked, at(3))
    return printing


def test_it_prints_on_the_desk_printer(ws: Workshop) -> None:
    printing = printed(ws)
    desk = next(p.device for p in demo_config().printers if p.role == "desk")
    assert (printing.printer, printing.doc.document) == (desk, "customer_copy")
    assert isinstance(printing.doc, CustomerCopy)
    assert printing.print_id.startswith(printing.doc.ro + ".customer_copy.")


@pytest.mark.parametrize("paper", [80, 58])
def test_the_customers_copy_as_the_printer_prints_it(ws: Workshop, paper: int) -> None:
    doc = printed(ws).doc
    assert isinstance(doc, CustomerCopy)
    out = decode(render(doc, paper, ZONE))
    assert out.cuts == 1 and out.qr == [doc.ro]
    assert all(line.columns <= COLUMNS[paper] for line in out.lines)
    lines = out.text
    text = "".join(lines)
    assert "任务委托书（客户联）" in lines
    assert [line.text for line in out.lines if line.big] == [doc.ro, "京A12345"]
    # The order: when, who, the car's mileage and fuel as walked around, the work.
    assert "2026-11-24 09:00" in text and "李娜" in text
    assert "42,000 km" in text and any(t.startswith("油量") and t.endswith("半箱") for t in lines)
    assert lines.index("维修项目") < lines.index("客户要求") < lines.index("· 刹车有异响")
    # The walk-around: the marks where they are, what was left, the papers.
    marks = lines.index("外观检查")
    assert lines[marks + 1 : marks + 3] == ["· 左前门 划痕 约10厘米", "· 后保险杠 凹陷"]
    things = lines.index("随车物品")
    assert lines[things + 1 : things + 3] == ["· 雨伞", "· 儿童座椅"]
    papers = lines.index("随车证件")
    assert lines[papers + 1 : papers + 3] == ["· 行驶证", "· 保养手册"]
    # The valuables reminder in bold, who recorded it and when, and the line to sign on last.
    reminder = next(i for i, t in enumerate(lines) if t.startswith("已提醒客户带走"))
    assert out.lines[reminder].bold and reminder > papers
    assert "2026-11-24 09:03 客户屏幕签字，记录人 李娜" in text
    signed = [t for t in lines if t.startswith("客户签字: ")]
    assert len(signed) == 1 and set(signed[0].removeprefix("客户签字: ")) == {"_"}
    assert lines[-1] == signed[0]  # below everything the customer signs for


def test_a_car_without_marks_or_belongings_says_so(ws: Workshop) -> None:
    doc = printed(ws, marks=(), belongings=(), documents=()).doc
    lines = decode(render(doc, 80, ZONE)).text
    assert lines[lines.index("外观检查") + 1] == "· 无外观损伤"
    assert lines[lines.index("随车物品") + 1] == "· 无"
    assert lines[lines.index("随车证件") + 1] == "· 无"


def test_the_bytes_are_gb18030_inside_chinese_mode(ws: Workshop) -> None:
    """Byte by byte: the title's GB18030 bytes between FS & and FS ., the cut at the end."""
    mark = DamageMark(MarkKind.CRACK, CarZone.WINDSCREEN, "")
    doc = printed(ws, marks=(mark,)).doc
    assert isinstance(doc, CustomerCopy)
    raw = render(doc, 80, ZONE)
    assert raw.startswith(b"\x1b@")  # ESC @: initialised
    title = "任务委托书（客户联）".encode("gb18030")
    at_title = raw.index(title)
    assert raw.rfind(CHINESE_ON, 0, at_title) > raw.rfind(CHINESE_OFF, 0, at_title)
    assert "前挡风玻璃 裂纹".encode("gb18030") in raw
    qr = doc.ro.encode()
    assert b"\x1d(k" + (len(qr) + 3).to_bytes(2, "little") + b"1P0" + qr in raw  # GS ( k: store
    assert raw.endswith(b"\x1dV\x00")  # GS V 0: the full cut, last


def emupos_tokenizer() -> ModuleType:
    """The ESC/POS tokenizer of emupos, a receipt-printer simulator written apart from this
    project: a reader of our bytes that shares none of our code."""
    if sys.version_info < (3, 13):
        pytest.skip("emupos, the independent ESC/POS reader, needs Python 3.13 or newer")
    try:
        return importlib.import_module("emupos.printer.escpos.tokenizer")
    except ImportError:
        need("emupos", "pip install -e '.[test]' on Python 3.13 or newer")
        raise


def read_by(tokenizer: ModuleType, raw: bytes) -> tuple[list[str], list[str], list[Any]]:
    """(command names, lines of text, skipped bytes) as another reader sees the bytes: text
    inside the Chinese mode (FS & … FS .) in GB18030, lines ended by LF."""
    reader = tokenizer.Tokenizer()
    tokens = [*reader.feed(raw), *filter(None, [reader.close()])]
    names, lines, line, chinese = [], [], "", False
    for token in tokens:
        if isinstance(token, tokenizer.Command):
            names.append(token.name)
            chinese = {"FS &": True, "FS .": False}.get(token.name, chinese)
            if token.name == "LF":
                lines.append(line)
                line = ""
        elif isinstance(token, tokenizer.Text):
            line += token.data.decode("gb18030" if chinese else "ascii")
    skipped = [t for t in tokens if isinstance(t, tokenizer.Unknown)]
    return names, lines, skipped


@pytest.mark.parametrize("paper", [80, 58])
def test_another_esc_pos_reader_reads_every_byte(ws: Workshop, paper: int) -> None:
    tokenizer = emupos_tokenizer()
    doc = printed(ws).doc
    assert isinstance(doc, CustomerCopy)
    names, lines, skipped = read_by(tokenizer, render(doc, paper, ZONE))
    assert skipped == []  # every byte a command it knows, or text
    assert names[:2] == ["ESC @", "GS W"] and names[-1] == "GS V"
    assert names.count("GS ( k") == 5  # the QR code: model, size, level, data, print
    assert {"· 左前门 划痕 约10厘米", "· 后保险杠 凹陷", "· 雨伞", "· 行驶证"} <= set(lines)
    assert "任务委托书（客户联）" in lines and lines[-1].startswith("客户签字: ___")
