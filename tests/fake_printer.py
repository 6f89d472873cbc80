"""A network receipt printer on a loopback port: answers the paper-status request and keeps
what each connection sent. ``paper_out`` makes it report an empty roll."""

from __future__ import annotations

import socket
import threading


class FakeNetworkPrinter:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.prints: list[bytes] = []
        self.paper_out = False
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = bytearray()
                try:
                    while True:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        if chunk.startswith(b"\x10\x04\x04") and not data:
                            conn.sendall(b"\x72" if self.paper_out else b"\x12")
                            chunk = chunk[3:]
                        data.extend(chunk)
                except OSError:
                    pass
                if data:
                    with self._lock:
                        self.prints.append(bytes(data))

    def received(self) -> list[bytes]:
        with self._lock:
            return list(self.prints)

    def close(self) -> None:
        self._stop = True
        self.sock.close()
