#!/usr/bin/env python3
"""Set-up-free entry point: makes .venv on first use, then runs Pitboard or its tests.

python3 tasks.py run [--demo]    # the whole system on embedded defaults
python3 tasks.py test [pytest args]   # all tests, then the pages photographed in Chromium
python3 tasks.py lint            # ruff and mypy
python3 tasks.py bench NAME [args]   # a benchmark from bench/ (docs/performance.md)
python3 tasks.py audit [--strict]    # known vulnerabilities in the installed dependencies
"""

from __future__ import annotations

import hashlib
import json
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


def audit_summary(report: dict) -> tuple[list[str], list[str]]:  # type: ignore[type-arg]
    """(vulnerable "name version: ids", names that could not be audited) of a pip-audit
    JSON report. pip-audit says "No known vulnerabilities found" also when it could look
    nothing up (no route to the database): those are counted apart, never as safe."""
    vulnerable, unaudited = [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            if dep["name"] != "pitboard":  # ours, not on PyPI
                unaudited.append(dep["name"])
        elif dep.get("vulns"):
            ids = ", ".join(v["id"] for v in dep["vulns"])
            vulnerable.append(f"{dep['name']} {dep.get('version', '?')}: {ids}")
    return vulnerable, unaudited


def audit(strict: bool) -> int:
    proc = subprocess.run(
        [BIN / "pip-audit", "--format", "json", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
    )
    try:
        vulnerable, unaudited = audit_summary(json.loads(proc.stdout))
    except ValueError:
        print(proc.stderr or proc.stdout, file=sys.stderr)
        print("AUDIT NOT DONE: pip-audit gave no report", file=sys.stderr)
        return 1 if strict else 0
    for line in vulnerable:
        print(f"VULNERABLE {line}")
    if unaudited:
        print(
            f"NOT AUDITED: {len(unaudited)} packages could not be looked up (is the vulnerability"
            f" database reachable from here?): {', '.join(sorted(unaudited)[:10])}"
            + (" …" if len(unaudited) > 10 else ""),
            file=sys.stderr,
        )
    if vulnerable:
        return 1
    if unaudited and strict:
        return 1
    print("audit: no known vulnerabilities" + (" among those looked up" if unaudited else ""))
    return 0


TEST_WORKERS = ["-n", "2", "--dist", "loadfile"]


def main() -> int:
    known = ("run", "test", "lint", "pitboard", "bench", "audit")
    if len(sys.argv) < 2 or sys.argv[1] not in known:
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
    if what == "audit":
        return audit("--strict" in rest)
    if what == "lint":
        a = subprocess.call([BIN / "ruff", "check", "."])
        mypy = [BIN / "mypy", "core", "devices", "board", "kiosk", "hub", "pitboard", "bench"]
        b = subprocess.call(mypy)
        return a or b
    # Most tests wait on sockets and child processes: two workers, each a test file at a time.
    workers = [] if any(a.startswith(("-n", "--numprocesses")) for a in rest) else TEST_WORKERS
    done = subprocess.call([BIN / "python", "-m", "pytest", *workers, *rest])
    if rest or done:
        return done
    # Then the pages photographed in Chromium, one at a time: beside the other tests, a
    # demo's day played at speed would not keep its timing.
    return subprocess.call([BIN / "python", "-m", "pytest", "-n", "0", "-m", "screenshots"])


if __name__ == "__main__":
    sys.exit(main())
