"""The soak's real processes — Mosquitto, the core, the devices bridge, the kiosks — each
started, killed with SIGKILL, stopped with SIGSTOP and started again, with the times each
one ran (its lives) kept for the reconciliation."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.broker import MosquittoBroker

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Life:
    start: float
    end: float | None = None
    pid: int = 0


@dataclass
class Proc:
    """A child process the soak may kill at any moment and start again the same way."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    lives: list[Life] = field(default_factory=list)
    stopped: bool = False  # SIGSTOP without SIGCONT yet
    unplanned_exits: int = 0
    restart_due: bool = False
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self._proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.lives.append(Life(time.time(), pid=self._proc.pid))
        self.stopped = False
        self.restart_due = False

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.alive and self._proc is not None else None

    def _ended(self) -> None:
        if self.lives and self.lives[-1].end is None:
            self.lives[-1].end = time.time()

    def kill9(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()
        self._ended()
        self.stopped = False

    def sigstop(self) -> None:
        if self.alive and self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)
            self.stopped = True

    def sigcont(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGCONT)
        self.stopped = False

    def terminate(self) -> None:
        """SIGTERM; the caller waits with ``wait``."""
        if self.alive and self._proc is not None:
            self.sigcont()
            self._proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int | None:
        if self._proc is None:
            return None
        try:
            rc = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            rc = self._proc.wait()
        self._ended()
        return rc

    def exited_by_itself(self) -> bool:
        """True once for a process that ended without being told to."""
        if self._proc is None or self._proc.poll() is None or self.restart_due:
            return False
        if self.lives and self.lives[-1].end is None:
            self._ended()
            self.unplanned_exits += 1
            return True
        return False

    def rss_kb(self) -> int | None:
        pid = self.pid
        if pid is None:
            return None
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None


class BrokerProc:
    """Mosquitto from broker_config/ (core.broker.MosquittoBroker) on one port for the
    whole run: killed and started again there."""

    name = "broker"

    def __init__(self, broker: MosquittoBroker) -> None:
        self.broker = broker
        self.lives: list[Life] = []
        self.unplanned_exits = 0
        self.restart_due = False
        self.stopped = False

    def start(self) -> None:
        self.broker.start()
        pid = self.broker.proc.pid if self.broker.proc is not None else 0
        self.lives.append(Life(time.time(), pid=pid))
        self.restart_due = False

    @property
    def alive(self) -> bool:
        return self.broker.proc is not None and self.broker.proc.poll() is None

    def kill9(self) -> None:
        proc = self.broker.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        self.broker.proc = None
        if self.lives and self.lives[-1].end is None:
            self.lives[-1].end = time.time()

    def stop(self) -> None:
        self.broker.stop()
        if self.lives and self.lives[-1].end is None:
            self.lives[-1].end = time.time()

    def exited_by_itself(self) -> bool:
        proc = self.broker.proc
        if proc is None or proc.poll() is None or self.restart_due:
            return False
        self.broker.proc = None
        if self.lives and self.lives[-1].end is None:
            self.lives[-1].end = time.time()
        self.unplanned_exits += 1
        return True


def child_env(**extra: str) -> dict[str, str]:
    """Pitboard's processes as they run in production (NiceGUI would take a pytest
    variable for its own test mode)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(extra)
    return env


def python(module: str, *args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", module, *args]
