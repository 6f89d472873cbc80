"""The core's disk, full: the SQLite database lives on a small tmpfs of its own, which the
soak fills to the last byte and empties again. Mounting needs root (CAP_SYS_ADMIN); where
that is not allowed the fault is not possible and the soak says why."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

SIZE = "128m"


class CoreDisk:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler.bin"
        self.mounted = False
        self.full = False
        self.why_not: str | None = None

    def mount(self) -> CoreDisk:
        self.path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            self.why_not = "mounting a tmpfs for the core's disk needs root"
            return self
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            self.why_not = f"mount refused: {(done.stderr or done.stdout).strip()}"
            return self
        self.mounted = True
        return self

    def fill(self) -> None:
        """Every free byte taken: the next page SQLite writes fails with 'disk is full'."""
        free = os.statvfs(self.path)
        size = free.f_bavail * free.f_frsize
        self.full = True
        try:
            f = open(self.filler, "wb", buffering=0)  # noqa: SIM115 - closed below
        except OSError:
            return  # full already: nothing to take
        with f:
            with contextlib.suppress(OSError):
                os.posix_fallocate(f.fileno(), 0, size)
            # Whatever fallocate left (rounding, reserved blocks), written until refused.
            block = b"\0" * 65536
            with contextlib.suppress(OSError):
                while True:
                    f.write(block)
                    f.flush()

    def usage(self) -> str:
        """What is on the disk, for the run's log."""
        stat = os.statvfs(self.path)
        files = " ".join(f"{f.name}={f.stat().st_size}" for f in sorted(self.path.iterdir()))
        return f"free={stat.f_bavail * stat.f_frsize} {files}"

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)
        self.full = False

    def unmount(self) -> None:
        self.free()
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
            self.mounted = False
