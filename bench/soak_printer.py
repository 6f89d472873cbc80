"""A network receipt printer on a loopback port (as on port 9100), for the soak.

It answers the two ESC/POS status requests a print may be framed by — DLE EOT 4 (paper
sensor, real time) before a ticket and GS r 1 (paper sensor, in order) after it — and keeps
every ticket that came out on paper, byte for byte. A ticket ends with GS r 1 or with the
connection. Its faults (refusing connections, stalling, out of paper, hanging up after the
status request, paper ending half-way through a ticket) are switched from
bench/soak_device_faults.py.

A printer that runs out of paper between tickets says so to the next status request; a
ticket whose status request was answered "paper present" comes out whole.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass

from core.broker import free_port

PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4
TRANSMIT_PAPER_STATUS = b"\x1d\x72\x01"  # GS r 1
PAPER_OK, PAPER_END = b"\x12", b"\x72"  # DLE EOT 4 answers
DONE_OK, DONE_PAPER_END = b"\x00", b"\x0c"  # GS r 1 answers


@dataclass(frozen=True)
class Ticket:
    """What came out of the printer for one ticket; ``cut`` when the paper ended in it."""

    printer: str
    data: bytes
    cut: bool
    at: float


class _Connection:
    """One connection's bytes: status requests answered, the ticket between them kept."""

    def __init__(self, printer: PrinterServer) -> None:
        self.printer = printer
        self.buf = bytearray()
        self.paper_at_status = printer.paper

    def take(self) -> bytes:
        """Answers owed for what has come so far; finished tickets go to the printer."""
        answers = bytearray()
        while self.buf.startswith(PAPER_STATUS):
            del self.buf[: len(PAPER_STATUS)]
            self.paper_at_status = self.printer.paper
            answers += PAPER_OK if self.paper_at_status else PAPER_END
        if self.buf.endswith(TRANSMIT_PAPER_STATUS):
            ticket = bytes(self.buf[: -len(TRANSMIT_PAPER_STATUS)])
            self.buf.clear()
            whole = self.finish(ticket)
            answers += DONE_OK if whole else DONE_PAPER_END
        return bytes(answers)

    def finish(self, ticket: bytes) -> bool:
        """The ticket is complete: on paper if there is paper; True if it came out whole."""
        if not ticket:
            return self.printer.paper
        return self.printer.print_ticket(ticket, self.paper_at_status)


class PrinterServer:
    def __init__(self, device: str, port: int | None = None) -> None:
        self.device = device
        self.port = port or free_port()
        self.tickets: list[Ticket] = []
        self.discarded = 0  # tickets sent while the printer had no paper
        self.connections = 0
        self.paper = True
        self.hang_up = False
        self.cut_next = False
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._closed = False

    # ------------------------------------------------------------ switched by the faults
    def listen(self) -> None:
        """Take connections (again)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def refuse(self) -> None:
        """Switched off: nothing listens on the port."""
        sock, self._listener = self._listener, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def stall(self) -> None:
        """Busy or jammed: connections are taken but nothing is read or answered."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stalled(self) -> bool:
        return not self._running.is_set()

    def close(self) -> None:
        self._closed = True
        self._running.set()
        self.refuse()

    # ------------------------------------------------------------ what came out
    def print_ticket(self, ticket: bytes, paper_at_status: bool) -> bool:
        with self._lock:
            if not (self.paper or paper_at_status):
                self.discarded += 1
                return False
            if self.cut_next:
                self.cut_next = False
                self.paper = False
                self.tickets.append(Ticket(self.device, ticket[: len(ticket) // 2], True, now()))
                return False
            self.tickets.append(Ticket(self.device, ticket, False, now()))
            return True

    def received(self) -> list[Ticket]:
        with self._lock:
            return list(self.tickets)

    # ------------------------------------------------------------ the line
    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            self.connections += 1
            serve = self._hang_up if self.hang_up else self._serve
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    def _hang_up(self, conn: socket.socket) -> None:
        """Takes the status request, then closes the connection without a word (a print
        server that is busy or confused does that)."""
        with conn:
            conn.settimeout(1.0)
            with contextlib.suppress(OSError):
                conn.recv(64)

    def _serve(self, conn: socket.socket) -> None:
        line = _Connection(self)
        with conn:
            conn.settimeout(0.2)
            while not self._closed:
                self._running.wait()  # a stalled printer reads nothing
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                line.buf.extend(chunk)
                eof = not chunk or _read_waiting(conn, line.buf)
                answers = line.take()
                if eof:
                    break
                if answers:
                    with contextlib.suppress(OSError):
                        conn.sendall(answers)
        if line.buf:
            line.finish(bytes(line.buf))  # the ticket ended with the connection


def _read_waiting(conn: socket.socket, buf: bytearray) -> bool:
    """Add everything already waiting on the line to ``buf``; True if the other side has
    closed. Answering a closed line would make it reset and lose what was still unread."""
    conn.setblocking(False)
    try:
        while True:
            try:
                more = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                return True
            if not more:
                return True
            buf.extend(more)
    finally:
        conn.settimeout(0.2)


def now() -> float:
    return time.time()
