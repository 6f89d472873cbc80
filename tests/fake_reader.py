"""A key-cabinet reader on a pseudo-terminal, for the tests of the real serial code."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from devices.keyframes import em4100_frame

TAG = "0A1B2C3D4E"
OTHER_TAG = "1122334455"


class FakeUsbReader:
    """A reader on a pseudo-terminal behind a stable path, unpluggable like a USB one.

    ``hang(tag)`` puts a key on the reader's hook: like an RDM6300 with a tag in its field,
    it repeats the tag's frame until ``take()``, also across an unplug and a replug.
    """

    def __init__(self, path: Path, repeat_every: float = 0.02) -> None:
        self.path = path
        self.master: int | None = None
        self._slave: int | None = None
        self._hanging: str | None = None
        self._repeat_every = repeat_every
        # Held while the pseudo-terminal's descriptors are used or closed, so a frame is
        # never written to a descriptor number the system has given to something else.
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._repeater = threading.Thread(target=self._repeat, name="fake-reader", daemon=True)
        self.plug()
        self._repeater.start()

    def plug(self) -> None:
        with self._lock:
            master, slave = os.openpty()
            # A reader whose port nobody reads drops what it sends; it never blocks.
            os.set_blocking(master, False)
            self.master, self._slave = master, slave
            tmp = self.path.with_suffix(".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.ttyname(slave))
            tmp.replace(self.path)

    def unplug(self, keep_path: bool = False) -> None:
        """The reader goes: its device node vanishes (USB unplugged) or, with ``keep_path``,
        only its line drops and the path is left pointing at nothing."""
        with self._lock:
            if not keep_path:
                self.path.unlink(missing_ok=True)
            assert self.master is not None and self._slave is not None
            os.close(self.master)
            os.close(self._slave)
            self.master = self._slave = None

    def send(self, data: bytes) -> None:
        with self._lock:
            assert self.master is not None
            os.write(self.master, data)

    def hang(self, tag: str) -> None:
        with self._lock:
            self._hanging = tag

    def take(self) -> None:
        """Once this returns, no frame of the tag is sent any more."""
        with self._lock:
            self._hanging = None

    def _repeat(self) -> None:
        while not self._stop.wait(self._repeat_every):
            with self._lock:
                tag = self._hanging
                if tag is not None and self.master is not None:
                    with contextlib.suppress(BlockingIOError):
                        os.write(self.master, em4100_frame(tag))

    def close(self) -> None:
        self._stop.set()
        self._repeater.join(2)
        if self.master is not None:
            self.unplug()
