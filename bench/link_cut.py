"""A site's link to head office, as a TCP relay on loopback that can be cut and restored:
the site broker's bridge connects here instead of to the hub's broker.

Cut, every connection through it is dropped at once and new ones are refused (the port
closed), as when a store's line goes down; restored, it listens again on the same port and
the bridge finds it by itself."""

from __future__ import annotations

import contextlib
import socket
import threading

from core.broker import free_port


class LinkCut:
    def __init__(self, upstream_port: int, port: int | None = None) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.cuts = 0

    @property
    def up(self) -> bool:
        return self._listener is not None

    def start(self) -> LinkCut:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            open_, self._open = self._open, set()
        if listener is not None:
            self.cuts += 1
            _close(listener)
        for s in open_:
            _close(s)

    def restore(self) -> None:
        if self._listener is None:
            self.start()

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                inside, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                outside = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(inside)  # head office down: the bridge tries again later
                continue
            outside.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _close(inside)
                    _close(outside)
                    return
                self._open.update((inside, outside))
            for a, b in ((inside, outside), (outside, inside)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(src)
                self._open.discard(dst)
            _close(src)
            _close(dst)


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()
