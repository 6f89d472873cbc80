"""A network receipt printer on a loopback port, as a port-9100 printer speaks ESC/POS: it
answers the real-time paper status request (DLE EOT 4) when it comes, and the in-order
status request (GS r 1) once it has processed everything sent before it.

``mode`` says how the next connection is served (a connection keeps the mode it began with):

- ``good``: answers both; what came before GS r 1 is a print (``received()``)
- ``deaf``: accepts the connection and never reads
- ``mute``: reads everything and never answers
- ``unconfirming``: answers DLE EOT 4, takes the ticket, never answers GS r 1
- ``paper_out``: its paper status says the roll is empty
- ``runs_out``: paper at first; the ticket takes the rest of the roll, so GS r 1 says empty
- ``hangs_up``: answers DLE EOT 4, reads the start of the ticket, then closes
"""

from __future__ import annotations

import contextlib
import socket
import threading

PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4
TRANSMIT_PAPER_STATUS = b"\x1dr\x01"  # GS r 1
# Real-time status bytes: bits 1 and 4 always set; bits 5-6 set = roll paper end.
PAPER_PRESENT, PAPER_END = b"\x12", b"\x72"
# GS r 1 answers: bits 2-3 set = roll paper end.
PROCESSED, PROCESSED_PAPER_END = b"\x00", b"\x0c"
MODES = ("good", "deaf", "mute", "unconfirming", "paper_out", "runs_out", "hangs_up")


class FakeNetworkPrinter:
    def __init__(self, mode: str = "good") -> None:
        assert mode in MODES, mode
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.prints: list[bytes] = []
        self.heard: list[bytes] = []  # everything each finished connection sent, in order
        self.asked = False  # a GS r 1 has come after a ticket, answered or not
        self._parked: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "deaf":
                with self._lock:
                    self._parked.append(conn)  # never read; closed with the printer
                continue
            threading.Thread(target=self._talk, args=(conn, self.mode), daemon=True).start()

    def _talk(self, conn: socket.socket, mode: str) -> None:
        data = bytearray()
        with conn, contextlib.suppress(OSError):
            conn.settimeout(10)
            while chunk := conn.recv(65536):
                data.extend(chunk)
                if mode == "mute":
                    continue
                if data.startswith(PAPER_STATUS) and len(data) == len(PAPER_STATUS):
                    conn.sendall(PAPER_END if mode == "paper_out" else PAPER_PRESENT)
                elif mode == "hangs_up" and len(data) > 20:
                    break  # closes with the rest of the ticket unread
                elif data.endswith(TRANSMIT_PAPER_STATUS):
                    self.asked = True
                    if mode != "unconfirming":
                        self._processed(conn, mode, bytes(data))
        with self._lock:
            self.heard.append(bytes(data))

    def _processed(self, conn: socket.socket, mode: str, data: bytes) -> None:
        ticket = data[len(PAPER_STATUS) : -len(TRANSMIT_PAPER_STATUS)]
        if mode == "runs_out":
            conn.sendall(PROCESSED_PAPER_END)
            return
        with self._lock:
            self.prints.append(ticket)
        conn.sendall(PROCESSED)

    def received(self) -> list[bytes]:
        """The prints it made: tickets it processed and confirmed."""
        with self._lock:
            return list(self.prints)

    def close(self) -> None:
        self.sock.close()
        with self._lock:
            for conn in self._parked:
                conn.close()
