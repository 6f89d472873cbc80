"""Ways to a ticket printer, chosen by URL: ``tcp://host:9100``, ``serial:///dev/ttyUSB0``
(or any pyserial URL), ``usb://04b8:0202``, ``file:///dev/usb/lp0`` and ``virtual://name``
(keeps the bytes and a PNG preview a person can look at).

Printed means the printer confirmed it. Where the line is two-way (network, serial) the
printer is asked for its paper (DLE EOT 4) before the ticket, and for its status in order
(GS r 1) right after it; the print is done only when that answer has come (see
devices/printer_status.py for why these two). A printer configured ``confirms = false``, and
every file:// or usb:// one, is sent the bytes and asked nothing: done there means handed
over, and its prints are at-least-once.

A ``PrintError`` says whether any of the ticket may have left for the printer (``sent``):
only then can a retry put a second copy on paper.
"""

from __future__ import annotations

import importlib.util
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import serial

from devices.printer_status import (
    PAPER_STATUS,
    TRANSMIT_PAPER_STATUS,
    answers_paper_status,
    answers_transmit_status,
    paper_end_after,
    paper_end_before,
)


class PrintError(Exception):
    """The print is not done; ``reason`` is what the board shows, ``sent`` whether the
    ticket's bytes (some or all) may have reached the printer."""

    def __init__(self, reason: str, message: str, sent: bool = False) -> None:
        super().__init__(message)
        self.reason, self.sent = reason, sent


class Transport(Protocol):
    @property
    def confirms(self) -> bool: ...

    def send(self, data: bytes, print_id: str) -> None: ...


class Line(Protocol):
    """A two-way line to a printer. Both raise TimeoutError when the printer stops taking
    bytes in time and OSError when the line is gone."""

    def write(self, data: bytes) -> None: ...

    def read_byte(self, deadline: float) -> bytes:
        """One byte, or b"" if none came by ``deadline`` (time.monotonic)."""
        ...


def _answer(line: Line, is_answer: Callable[[int], bool], timeout: float) -> int | None:
    """The first byte that answers the request, skipping any other; None if none came."""
    deadline = time.monotonic() + timeout
    while got := line.read_byte(deadline):
        if is_answer(got[0]):
            return got[0]
    return None


def print_confirmed(line: Line, data: bytes, timeout: float, where: str) -> None:
    """Ask for paper, send the ticket, and wait for the printer's word that it processed it."""
    sent = False
    try:
        line.write(PAPER_STATUS)
        paper = _answer(line, answers_paper_status, timeout)
        if paper is None:
            raise PrintError("timeout", f"{where} did not answer the paper status request")
        if paper_end_before(paper):
            raise PrintError("paper_out", f"{where} is out of paper")
        sent = True
        line.write(data + TRANSMIT_PAPER_STATUS)
        done = _answer(line, answers_transmit_status, timeout)
    except TimeoutError:
        raise PrintError("timeout", f"{where} stopped taking data", sent) from None
    except OSError as exc:
        raise PrintError("offline", f"{where}: {exc.strerror or exc}", sent) from None
    if done is None:
        raise PrintError("timeout", f"{where} never confirmed the print", sent=True)
    if paper_end_after(done):
        raise PrintError("paper_out", f"{where} ran out of paper during the print", sent=True)


class _SocketLine:
    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock, self.timeout = sock, timeout

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)  # whatever the last wait for an answer left
        self.sock.sendall(data)

    def read_byte(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            return b""
        self.sock.settimeout(left)
        try:
            got = self.sock.recv(1)
        except TimeoutError:
            return b""
        if not got:
            raise ConnectionAbortedError("the printer closed the connection")
        return got


class NetworkPrinter:
    def __init__(
        self, host: str, port: int = 9100, timeout: float = 10.0, confirms: bool = True
    ) -> None:
        self.host, self.port, self.timeout, self.confirms = host, port, timeout, confirms

    def send(self, data: bytes, print_id: str) -> None:
        where = f"{self.host}:{self.port}"
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise PrintError("offline", f"{where}: {exc.strerror or exc}") from None
        with sock:
            if self.confirms:
                print_confirmed(_SocketLine(sock, self.timeout), data, self.timeout, where)
                return
            try:
                sock.sendall(data)
            except TimeoutError:
                raise PrintError("timeout", f"{where} stopped taking data", sent=True) from None
            except OSError as exc:
                raise PrintError("offline", f"{where}: {exc.strerror or exc}", sent=True) from None


class _SerialLine:
    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except serial.SerialTimeoutException:
            raise TimeoutError("write timeout") from None

    def read_byte(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            return b""
        self.port.timeout = left
        return bytes(self.port.read(1))


class SerialPrinter:
    def __init__(
        self, url: str, baudrate: int = 9600, timeout: float = 10.0, confirms: bool = True
    ) -> None:
        self.url, self.baudrate, self.timeout, self.confirms = url, baudrate, timeout, confirms

    def send(self, data: bytes, print_id: str) -> None:
        try:
            port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, timeout=self.timeout, write_timeout=self.timeout
            )
        except (serial.SerialException, OSError) as exc:
            raise PrintError("offline", f"{self.url}: {exc}") from None
        with port:
            line = _SerialLine(port)
            if self.confirms:
                print_confirmed(line, data, self.timeout, self.url)
                return
            try:
                line.write(data)
            except TimeoutError:
                raise PrintError("timeout", f"{self.url} stopped taking data", sent=True) from None
            except OSError as exc:
                raise PrintError("offline", f"{self.url}: {exc}", sent=True) from None


class FilePrinter:
    """A device file (``/dev/usb/lp0``) or a plain file, written in append mode; one-way."""

    confirms = False

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, data: bytes, print_id: str) -> None:
        try:
            f = open(self.path, "ab")  # noqa: SIM115 - its errors mean other things
        except OSError as exc:
            raise PrintError("offline", f"{self.path}: {exc.strerror}") from None
        try:
            with f:
                f.write(data)
        except OSError as exc:
            raise PrintError("offline", f"{self.path}: {exc.strerror}", sent=True) from None


class UsbPrinter:
    """Through python-escpos' USB backend (needs pyusb and access to the device); one-way."""

    confirms = False

    def __init__(self, vendor: int, product: int) -> None:
        self.vendor, self.product = vendor, product

    def send(self, data: bytes, print_id: str) -> None:
        where = f"USB {self.vendor:04x}:{self.product:04x}"
        if importlib.util.find_spec("usb") is None:
            raise PrintError("offline", "USB printing needs pyusb (pip install pyusb)")
        from escpos.printer import Usb

        try:
            printer = Usb(self.vendor, self.product)
        except Exception as exc:  # pyusb raises many kinds; all mean "not there"
            raise PrintError("offline", f"{where}: {exc}") from None
        try:
            printer._raw(data)
            printer.close()
        except Exception as exc:
            raise PrintError("offline", f"{where}: {exc}", sent=True) from None


class VirtualPrinter:
    """Keeps every print as ``{print_id}.bin`` and ``{print_id}.png`` in its folder; the
    files written are its confirmation."""

    confirms = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, data: bytes, print_id: str) -> None:
        (self.folder / f"{print_id}.bin").write_bytes(data)
        from devices.preview import render_png

        render_png(data, self.folder / f"{print_id}.png")


def open_printer(
    url: str, data_dir: Path, confirms: bool = True, timeout: float = 10.0
) -> Transport:
    """The transport for ``url``; ``confirms`` must be False for the one-way ones."""
    u = urlparse(url)
    if u.scheme in ("file", "usb") and confirms:
        raise ValueError(f"a {u.scheme}:// printer cannot confirm a print (confirms = false)")
    if u.scheme == "tcp":
        return NetworkPrinter(u.hostname or "127.0.0.1", u.port or 9100, timeout, confirms)
    if u.scheme == "serial":
        return SerialPrinter(u.path or u.netloc, timeout=timeout, confirms=confirms)
    if u.scheme == "file":
        return FilePrinter(u.path)
    if u.scheme == "usb":
        vendor, _, product = (u.netloc or u.path.strip("/")).partition(":")
        return UsbPrinter(int(vendor, 16), int(product, 16))
    if u.scheme == "virtual":
        return VirtualPrinter(data_dir / "prints" / (u.netloc or u.path.strip("/") or "virtual"))
    if u.scheme in ("loop", "rfc2217", "socket", "spy", "hwgrep", "alt"):
        return SerialPrinter(url, timeout=timeout, confirms=confirms)  # as pyserial knows them
    raise ValueError(f"unsupported printer URL {url!r}")
