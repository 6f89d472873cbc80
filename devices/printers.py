"""Ways to a ticket printer, chosen by URL: ``tcp://host:9100``, ``serial:///dev/ttyUSB0``
(or any pyserial URL), ``usb://04b8:0202``, ``file:///dev/usb/lp0`` and ``virtual://name``
(keeps the bytes and a PNG preview a person can look at).

Where the line is two-way (network, serial) the printer is asked for its paper sensor
(ESC/POS real-time status, DLE EOT 4) before printing, so "paper out" is reported as such
instead of as a silent success.
"""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import serial

# DLE EOT 4: real-time paper roll sensor status; bits 5 and 6 set = paper end.
PAPER_STATUS = b"\x10\x04\x04"
PAPER_END = 0x60


class PrintError(Exception):
    """The print did not happen; ``reason`` is what the board shows."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Transport(Protocol):
    def send(self, data: bytes, print_id: str) -> None: ...


def _check_paper(answer: bytes) -> None:
    if answer and answer[0] & PAPER_END == PAPER_END:
        raise PrintError("paper_out", "the printer is out of paper")


class NetworkPrinter:
    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def send(self, data: bytes, print_id: str) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
                s.sendall(PAPER_STATUS)
                try:
                    answer = s.recv(1)
                except TimeoutError:
                    answer = b""  # a printer that does not answer status requests
                _check_paper(answer)
                s.sendall(data)
        except PrintError:
            raise
        except TimeoutError:
            raise PrintError("timeout", f"{self.host}:{self.port} did not answer") from None
        except OSError as exc:
            raise PrintError("offline", f"{self.host}:{self.port}: {exc.strerror or exc}") from None


class SerialPrinter:
    def __init__(self, url: str, baudrate: int = 9600, timeout: float = 2.0) -> None:
        self.url, self.baudrate, self.timeout = url, baudrate, timeout

    def send(self, data: bytes, print_id: str) -> None:
        try:
            with serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=self.timeout) as p:
                p.write(PAPER_STATUS)
                _check_paper(p.read(1))
                p.write(data)
                p.flush()
        except (serial.SerialException, OSError) as exc:
            raise PrintError("offline", f"{self.url}: {exc}") from None


class FilePrinter:
    """A device file (``/dev/usb/lp0``) or a plain file, written in append mode."""

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, data: bytes, print_id: str) -> None:
        try:
            with open(self.path, "ab") as f:
                f.write(data)
        except OSError as exc:
            raise PrintError("offline", f"{self.path}: {exc.strerror}") from None


class UsbPrinter:
    """Through python-escpos' USB backend (needs pyusb and access to the device)."""

    def __init__(self, vendor: int, product: int) -> None:
        self.vendor, self.product = vendor, product

    def send(self, data: bytes, print_id: str) -> None:
        if importlib.util.find_spec("usb") is None:
            raise PrintError("offline", "USB printing needs pyusb (pip install pyusb)")
        try:
            from escpos.printer import Usb

            printer = Usb(self.vendor, self.product)
            printer._raw(data)
            printer.close()
        except Exception as exc:  # pyusb raises many kinds; all mean "not printed"
            raise PrintError(
                "offline", f"USB {self.vendor:04x}:{self.product:04x}: {exc}"
            ) from None


class VirtualPrinter:
    """Keeps every print as ``{print_id}.bin`` and ``{print_id}.png`` in its folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, data: bytes, print_id: str) -> None:
        (self.folder / f"{print_id}.bin").write_bytes(data)
        from devices.preview import render_png

        render_png(data, self.folder / f"{print_id}.png")


def open_printer(url: str, data_dir: Path) -> Transport:
    u = urlparse(url)
    if u.scheme == "tcp":
        return NetworkPrinter(u.hostname or "127.0.0.1", u.port or 9100)
    if u.scheme == "serial":
        return SerialPrinter(u.path or u.netloc)
    if u.scheme == "file":
        return FilePrinter(u.path)
    if u.scheme == "usb":
        vendor, _, product = (u.netloc or u.path.strip("/")).partition(":")
        return UsbPrinter(int(vendor, 16), int(product, 16))
    if u.scheme == "virtual":
        return VirtualPrinter(data_dir / "prints" / (u.netloc or u.path.strip("/") or "virtual"))
    if u.scheme in ("loop", "rfc2217", "socket", "spy", "hwgrep", "alt"):
        return SerialPrinter(url)  # as pyserial knows them
    raise ValueError(f"unsupported printer URL {url!r}")
