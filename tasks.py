#!/usr/bin/env python3
"""Set-up-free entry point: makes .venv on first use, then runs Pitboard or its tests.

python3 tasks.py run [--demo]    # the whole system on embedded defaults
python3 tasks.py test [pytest args]
python3 tasks.py lint            # ruff and mypy
python3 tasks.py bench NAME [args]   # a benchmark from bench/ (docs/performance.md)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".pitboard-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Pitboard needs Python 3.11 or newer")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing Pitboard and its test tools into .venv …", flush=True)
    subprocess.run([BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run(
        [BIN / "python", "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True
    )
    STAMP.write_text(wanted)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test", "lint", "pitboard", "bench"):
        print(__doc__)
        return 2
    ensure_venv()
    what, rest = sys.argv[1], sys.argv[2:]
    os.chdir(ROOT)
    if what == "run":
        return subprocess.call([BIN / "pitboard", "run", *rest])
    if what == "pitboard":
        return subprocess.call([BIN / "pitboard", *rest])
    if what == "bench":
        if not rest:
            print("which benchmark? e.g. python3 tasks.py bench tap_to_view")
            return 2
        return subprocess.call([BIN / "python", "-m", f"bench.{rest[0]}", *rest[1:]])
    if what == "lint":
        a = subprocess.call([BIN / "ruff", "check", "."])
        b = subprocess.call([BIN / "mypy", "core", "devices", "board", "kiosk", "pitboard"])
        return a or b
    return subprocess.call([BIN / "python", "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main())
