"""A key-cabinet reader on a pseudo-terminal, for the tests of the real serial code."""

from __future__ import annotations

import os
from pathlib import Path

TAG = "0A1B2C3D4E"


class FakeUsbReader:
    """A reader on a pseudo-terminal behind a stable path, unpluggable like a USB one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.master: int | None = None
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        self.master, self._slave = master, slave
        tmp = self.path.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.path)

    def unplug(self) -> None:
        self.path.unlink(missing_ok=True)
        assert self.master is not None
        os.close(self.master)
        os.close(self._slave)
        self.master = None

    def send(self, data: bytes) -> None:
        assert self.master is not None
        os.write(self.master, data)

    def close(self) -> None:
        if self.master is not None:
            self.unplug()
