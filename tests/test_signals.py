"""A process of ours stopped (SIGSTOP, as a debugger or the shell's Ctrl-Z does) and
continued still ends on SIGTERM: the kernel may give the signal to any thread, and a main
thread waiting without a timeout would never run Python's handler."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import signal, sys, threading, time
from pitboard.app import wait_for_signal

def busy_waiting():
    threading.Event().wait()  # threads blocked in waits of their own, as the core's are

def ready_once_listening():
    while signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        time.sleep(0.01)
    print("ready", flush=True)

for _ in range(8):
    threading.Thread(target=busy_waiting, daemon=True).start()
threading.Thread(target=ready_once_listening, daemon=True).start()
wait_for_signal()
print("stopping", flush=True)
"""


def test_a_stopped_and_continued_process_ends_on_sigterm() -> None:
    for _ in range(3):  # which thread the kernel picks varies: a few rounds
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            proc.send_signal(signal.SIGSTOP)
            time.sleep(0.2)
            proc.send_signal(signal.SIGCONT)
            proc.send_signal(signal.SIGTERM)
            wait_until(lambda p=proc: p.poll() is not None, "it ended on SIGTERM", timeout=10)
            assert proc.returncode == 0 and proc.stdout.read().strip() == "stopping"
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
