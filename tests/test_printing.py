"""Printing end to end: check-in through the integration API → job ticket, key tag and
pickup card printed by `pitboard devices` on a network printer on a loopback port → the key
tag read in slot 7 → key custody on the dispatch view. Plus paper out and a bridge restart."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.api import build_api
from core.app import CoreService
from core.broker import MosquittoBroker
from core.config import SiteConfig, parse_config
from core.contract.printing import KeyTag, PrintJob
from core.domain.access import Scope
from core.mqtt import BrokerAddress
from devices.escpos_read import Barcode, QrCode, decode
from devices.keyframes import em4100_frame
from devices.printers import NetworkPrinter, PrintError
from devices.spool import PrintWorker, Spool, Spooled
from tests.fake_printer import FakeNetworkPrinter
from tests.fake_reader import TAG, FakeUsbReader
from tests.helpers import DEMO_SITE, child_env
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


def site_text(tmp_path: Path, broker_port: int, printer_port: int, reader: Path) -> str:
    return (
        DEMO_SITE.read_text(encoding="utf-8")
        .replace('data_dir = "var"', f'data_dir = "{tmp_path / "var"}"')
        .replace('username = "core"', f'url = "mqtt://127.0.0.1:{broker_port}"\nusername = "core"')
        .replace('url = "virtual://desk"', f'url = "tcp://127.0.0.1:{printer_port}"')
        .replace('url = "virtual://shop"', f'url = "tcp://127.0.0.1:{printer_port}"')
        .replace("slots = 40", f'slots = 40\nreaders = [{{url = "{reader}", slot = 7}}]')
    )


def start_bridge(site: Path, broker: MosquittoBroker, log: Path) -> subprocess.Popen[bytes]:
    env = child_env(PITBOARD_DEVICE_PASSWORD=broker.passwords["bridge-1"])
    return subprocess.Popen(
        [sys.executable, "-m", "pitboard", "devices", "--config", str(site)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "a"),
    )


@pytest.mark.mosquitto
@pytest.mark.slow
def test_check_in_prints_and_the_key_goes_on_its_hook(mosquitto_bin: str, tmp_path: Path) -> None:
    printer = FakeNetworkPrinter()
    usb = FakeUsbReader(tmp_path / "ttyKC1-07")
    cfg0 = parse_config(DEMO_SITE.read_text(encoding="utf-8"))
    broker = MosquittoBroker(cfg0, tmp_path / "broker").start()
    text = site_text(tmp_path, broker.port, printer.port, usb.path)
    site = tmp_path / "site.toml"
    site.write_text(text, encoding="utf-8")
    cfg: SiteConfig = parse_config(text)
    service = CoreService(
        cfg,
        BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"]),
        f"sqlite:///{tmp_path / 'core.db'}",
    ).start()
    bridge = start_bridge(site, broker, tmp_path / "bridge.log")
    try:
        assert service.link.connected.wait(10)
        api = TestClient(build_api(service.core))
        _, token = service.core.access.create_token("dms", Scope.WRITE, by="test")
        made = api.post(
            "/repair-orders",
            json={
                "vehicle": {
                    "plate": "京A12345",
                    "model": "别克 GL8",
                    "colour": "白",
                    "vin": "LSGUA84L0FE000001",
                    "mileage_km": 42000,
                    "fuel_level": "1/2",
                },
                "customer": {"name": "王先生", "phone": "13800138000"},
                "operations": [{"code": "M010"}],
                "promised_at": "2036-11-24T17:00:00+08:00",
                "advisor": "SA01",
                "key_tag": TAG,
                "key_slot": 7,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert made.status_code == 201, made.text
        ro = made.json()["ro"]
        log = tmp_path / "bridge.log"
        papers = wait_until(
            lambda: len(printer.received()) >= 3 and [decode(b) for b in printer.received()],
            "three documents printed: " + (log.read_text()[-1500:] if log.exists() else ""),
            timeout=30,
        )
        ticket = next(p for p in papers if "任务委托书 (车间联)" in p.text)
        assert ticket.qr == [ro] and "京A12345" in ticket.text and ticket.cuts == 1
        tag = next(p for p in papers if p.barcodes)
        assert tag.barcodes == [TAG] and "KC1 #7" in tag.text
        card = next(p for p in papers if any("取车凭证" in t for t in p.text))
        assert card.qr[0].startswith("http://127.0.0.1:8080/status/")
        assert not any("13800138000" in t or "王先生" in t for p in papers for t in p.text)
        wait_until(
            lambda: [s for _, _, s, _ in service.store.prints_of(ro)] == ["done"] * 3,
            "the core heard print.done for each",
            timeout=20,
        )

        def key() -> Any:
            view = service.core.dispatch_view
            card = next((j for j in view.jobs if j.ro == ro), None) if view else None
            return card if card and card.key_state == "in_cabinet" else None

        wait_until(
            key,
            "the key shown in its slot",
            timeout=20,
            every=0.2,
            between=lambda: usb.send(em4100_frame(TAG)),  # the tag hangs on the slot's reader
        )
        assert (key().key_cabinet, key().key_slot) == ("KC1", 7)
    finally:
        bridge.send_signal(signal.SIGTERM)
        bridge.wait(15)
        service.stop()
        broker.stop()
        printer.close()
        usb.close()


def _job(n: int) -> PrintJob:
    from datetime import UTC, datetime

    return PrintJob(
        print_id=f"p{n}",
        printer="printer-desk",
        doc=KeyTag(ro=f"RO-{n}", plate="京A12345", promised_at=datetime.now(UTC), tag=TAG),
    )


def test_paper_out_is_reported_retried_and_printed_after_a_restart(tmp_path: Path) -> None:
    printer = FakeNetworkPrinter("paper_out")
    results: list[tuple[str, str | None, int]] = []
    transport = NetworkPrinter("127.0.0.1", printer.port, timeout=2)

    def ticket(item: Spooled) -> bytes:
        return b"\x1b@" + item.job.print_id.encode() + b"\n\x1dV\x00"

    def send(job: PrintJob, data: bytes) -> None:
        transport.send(data, job.print_id)

    def heard(job: PrintJob, failure: str | None, attempts: int) -> None:
        results.append((job.print_id, failure, attempts))

    spool = Spool(tmp_path / "spool.sqlite")
    worker = PrintWorker(spool, ticket, send, heard, 0.05)
    worker.start()
    assert spool.add(_job(1)) and not spool.add(_job(1))  # a repeated command is one print
    worker.wake()
    wait_until(lambda: results, "a result", timeout=10)
    assert results[0] == ("p1", "paper_out", 1) and printer.received() == []
    worker.stop()
    spool.close()

    # The bridge restarts with paper back in: the spooled print comes out, once.
    printer.mode = "good"
    spool = Spool(tmp_path / "spool.sqlite")
    assert spool.waiting() == 1
    later = lambda: time.time() + 120  # noqa: E731 - past the back-off
    worker = PrintWorker(spool, ticket, send, heard, 0.05, clock=later)
    try:
        worker.start()
        wait_until(lambda: ("p1", None, 2) in results, "printed after the restart", timeout=10)
    finally:
        worker.stop()
    # Asked for paper first, nothing was sent: not a reprint.
    assert [decode(b).text for b in printer.received()] == [["p1"]]
    assert spool.waiting() == 0
    spool.close()
    printer.close()


def test_prints_on_paper_are_forgotten_after_a_while_looked_for_hourly_and_waiting_ones_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = 600.0  # ten minutes here, a week as shipped
    monkeypatch.setattr("devices.spool.KEEP_PRINTED", keep)
    now = [1_800_000_000.0]
    sent: list[str] = []
    spool = Spool(tmp_path / "spool.sqlite")
    worker = PrintWorker(
        spool,
        lambda item: b"x",
        lambda job, data: sent.append(job.print_id),
        lambda job, failure, attempts: None,
        0.02,
        clock=lambda: now[0],
    )
    for n in (1, 2):
        spool.add(_job(n))

    def kept(print_id: str) -> bool:
        with sqlite3.connect(tmp_path / "spool.sqlite") as db:
            found = db.execute("SELECT 1 FROM spool WHERE print_id = ?", (print_id,))
            return found.fetchone() is not None

    worker.start()  # its first look, at start: nothing printed yet
    try:
        wait_until(lambda: sent == ["p1", "p2"], "both printed", timeout=10)
        spool.add(_job(3))  # a print that cannot go out yet: waits however long it takes
        spool.failed("p3", 1, "offline", now[0] + 100 * keep, False)
        assert not spool.add(_job(1)), "a repeated command a moment later is not printed"
        now[0] += keep + 60
        worker.wake()
        time.sleep(0.3)  # a dozen turns of the worker: the next look is an hour after the first
        assert kept("p1") and kept("p2")
        now[0] += 3600
        worker.wake()
        wait_until(lambda: not kept("p1"), "p1 and p2 forgotten", timeout=10)
    finally:
        worker.stop()
    assert not kept("p2") and kept("p3"), "a waiting print is never forgotten"
    assert spool.add(_job(1)), "a command for a print forgotten prints it again"
    assert spool.waiting() == 2
    spool.close()


def test_an_unreachable_printer_is_offline() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(PrintError) as err:
        NetworkPrinter("127.0.0.1", port, timeout=1).send(b"x", "p")
    assert err.value.reason == "offline"


def test_virtual_printer_keeps_bytes_and_a_preview_the_core_serves(tmp_path: Path) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from fastapi import FastAPI
    from PIL import Image

    from core.engine import Core
    from core.store.database import make_engine, migrate, sqlite_url
    from core.store.repository import Store
    from core.web import mount
    from devices.printers import open_printer
    from devices.tickets import render
    from tests.helpers import FakeBus, demo_config

    cfg = demo_config(data_dir=str(tmp_path))
    doc = KeyTag(ro="RO-1", plate="京A12345", promised_at=datetime.now(UTC), tag=TAG, slot=7)
    raw = render(doc, 58, ZoneInfo("Asia/Shanghai"))
    open_printer("virtual://desk", tmp_path).send(raw, "RO-1.key_tag.abc")
    kept = tmp_path / "prints" / "desk"
    assert (kept / "RO-1.key_tag.abc.bin").read_bytes() == raw
    with Image.open(kept / "RO-1.key_tag.abc.png") as img:
        assert img.width == 384 and img.height > 300  # 58 mm paper: 384 dots
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    core = Core(cfg, Store(engine, "demo"), FakeBus())
    app = FastAPI()
    mount(app, cfg, core, lambda: True)
    client = TestClient(app)
    got = client.get("/prints/desk/RO-1.key_tag.abc.png")
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert client.get("/prints/desk/..%2Fsecret.png").status_code == 404
    assert client.get("/prints/desk/RO-1.key_tag.abc.bin").status_code == 404
    engine.dispose()


@pytest.mark.parametrize("paper", [80, 58])
def test_previews_draw_codes_a_scanner_reads_where_the_printer_puts_them(
    paper: int, tmp_path: Path
) -> None:
    """Each preview is decoded by zxing-cpp, a barcode reader that is not ours."""
    import zxingcpp
    from PIL import Image

    from devices.printers import open_printer
    from devices.tickets import render
    from tests.ticket_samples import CARD, GATE, TAG, TICKET, ZONE

    printer = open_printer("virtual://desk", tmp_path)
    for doc in (TICKET, TAG, CARD, GATE):
        raw = render(doc, paper, ZONE)
        printer.send(raw, doc.document)
        paper_out = decode(raw)
        with Image.open(tmp_path / "prints" / "desk" / f"{doc.document}.png") as img:
            assert img.width == {80: 576, 58: 384}[paper], "one pixel a dot, the print area wide"
            ink = img.convert("L").point(lambda v: 255 if v < 128 else 0)  # white where black
            found = sorted(zxingcpp.read_barcodes(img), key=lambda b: b.position.top_left.y)
        # Read in the order the printer prints them: the key tag's barcode above its QR code.
        codes = [b.data for b in paper_out.blocks if isinstance(b, QrCode | Barcode)]
        assert [b.text for b in found] == codes, doc.document
        for code in found:
            if code.format == zxingcpp.BarcodeFormat.QRCode:
                assert code.ec_level in ("M", "Q", "H"), (doc.document, code.ec_level)
            else:
                assert code.format == zxingcpp.BarcodeFormat.Code128
            left, right = code.position.top_left.x, code.position.top_right.x
            assert abs((left + right) / 2 - img.width / 2) <= 6, "centred, as printed"
        top = found[0].position.top_left.y
        assert ink.crop((0, 0, img.width, top - 8)).getbbox(), "the text is above the codes"
    # The job ticket's RO number is printed under its QR code.
    with Image.open(tmp_path / "prints" / "desk" / "job_ticket.png") as img:
        [qr] = zxingcpp.read_barcodes(img)
        below = img.convert("L").crop((0, qr.position.bottom_left.y + 4, img.width, img.height))
        assert below.point(lambda v: 255 if v < 128 else 0).getbbox()


def test_a_previews_latin_letters_and_chinese_characters_stand_on_one_baseline() -> None:
    """A plate such as 京A12345 reads as one line: the feet of 工 and of H level (drawn
    centred each in its cell, H stood 4 dots higher than the character beside it)."""
    from PIL import ImageOps

    from devices.preview import CELL_H, CELL_W, MARGIN, draw
    from devices.tickets import CHINESE_OFF, CHINESE_ON

    sheet = draw(decode(b"\x1b@H" + CHINESE_ON + "工".encode("gb18030") + CHINESE_OFF + b"\n"))
    ink = ImageOps.invert(sheet.crop((0, MARGIN, 3 * CELL_W, MARGIN + CELL_H)))
    latin, chinese = (
        ink.crop(cells).getbbox()
        for cells in ((0, 0, CELL_W, CELL_H), (CELL_W, 0, 3 * CELL_W, CELL_H))
    )
    assert latin and chinese, "both drawn"
    assert abs(latin[3] - chinese[3]) <= 1


def test_serial_file_and_usb_transports(tmp_path: Path) -> None:
    import threading

    from devices.printers import FilePrinter, SerialPrinter, UsbPrinter, open_printer

    master, slave = os.openpty()
    received: list[bytes] = []
    answers = {"paper": b"\x12", "processed": b"\x00"}  # "": it never answers

    def printer_side() -> None:
        data = bytearray()
        while True:
            try:
                data.extend(os.read(master, 4096))
            except OSError:
                return
            if data.endswith(b"\x10\x04\x04"):  # DLE EOT 4: answered on arrival
                del data[-3:]
                os.write(master, answers["paper"])
            elif data.endswith(b"\x1dr\x01"):  # GS r 1: answered once all before it is done
                received.append(bytes(data[:-3]))
                data.clear()
                if answers["processed"]:
                    os.write(master, b"\x13" + answers["processed"])  # after an XOFF byte

    threading.Thread(target=printer_side, daemon=True).start()
    serial_printer = open_printer(f"serial://{os.ttyname(slave)}", tmp_path, timeout=0.5)
    assert isinstance(serial_printer, SerialPrinter) and serial_printer.confirms
    serial_printer.send(b"\x1b@hello\n\x1dV\x00", "s1")
    assert [decode(r).text for r in received] == [["hello"]]
    answers["processed"] = b"\x0f"  # the roll ran out during the print
    with pytest.raises(PrintError) as err:
        serial_printer.send(b"\x1b@x\n", "s2")
    assert (err.value.reason, err.value.sent) == ("paper_out", True)
    answers["processed"] = b""  # takes the ticket, never confirms it
    with pytest.raises(PrintError) as err:
        serial_printer.send(b"\x1b@y\n", "s3")
    assert (err.value.reason, err.value.sent) == ("timeout", True)
    answers["paper"] = b"\x72"
    with pytest.raises(PrintError) as err:
        serial_printer.send(b"\x1b@z\n", "s4")
    assert (err.value.reason, err.value.sent) == ("paper_out", False)
    assert [decode(r).text for r in received] == [["hello"], ["x"], ["y"]]
    os.close(slave)
    os.close(master)

    target = tmp_path / "lp0"
    with pytest.raises(ValueError, match="confirms = false"):
        open_printer(f"file://{target}", tmp_path)
    file_printer = open_printer(f"file://{target}", tmp_path, confirms=False)
    assert isinstance(file_printer, FilePrinter) and not file_printer.confirms
    file_printer.send(b"\x1b@a\n", "f1")
    file_printer.send(b"\x1b@b\n", "f2")
    assert decode(target.read_bytes()).text == ["a", "b"]
    with pytest.raises(PrintError):
        open_printer(f"file://{tmp_path}/missing/lp0", tmp_path, confirms=False).send(b"x", "f3")

    usb = open_printer("usb://04b8:0202", tmp_path, confirms=False)
    assert isinstance(usb, UsbPrinter) and (usb.vendor, usb.product) == (0x04B8, 0x0202)
    with pytest.raises(PrintError) as err:
        usb.send(b"x", "u1")  # no such device here
    assert err.value.reason == "offline"
    with pytest.raises(ValueError):
        open_printer("ftp://nope", tmp_path)


def test_the_bridge_status_shows_a_reader_that_is_unplugged(tmp_path: Path) -> None:
    from core.mqtt import BrokerAddress
    from devices.bridge import Bridge
    from devices.keyreader import ReaderSpec
    from tests.helpers import demo_config

    usb = FakeUsbReader(tmp_path / "ttyKC1-03")
    spec = ReaderSpec(url=str(usb.path), cabinet="KC1", slot=3)
    cfg = demo_config(data_dir=str(tmp_path))
    bridge = Bridge(cfg, BrokerAddress("127.0.0.1", 1), None, tmp_path / "bridge", [spec])
    bridge.start()  # no broker on port 1: the readers run regardless
    try:
        wait_until(
            lambda: bridge._status()["readers"][str(usb.path)]["open"], "reader open", timeout=10
        )
        usb.unplug()
        wait_until(
            lambda: not bridge._status()["readers"][str(usb.path)]["open"], "gap shown", timeout=10
        )
        usb.plug()
        wait_until(
            lambda: bridge._status()["readers"][str(usb.path)]["open"], "reopened", timeout=10
        )
    finally:
        bridge.stop()
        usb.close()
