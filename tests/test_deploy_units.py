"""The service units in deploy/ are what systemd accepts, the prune timer among them."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import need

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = "/opt/pitboard/.venv/bin/pitboard"


def test_systemd_accepts_every_unit_and_the_timer_starts_the_prune(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        need("systemd-analyze", "systemd is not installed")
    assert analyze is not None
    # The units name the installed command; verify checks that it exists, so ours stands in.
    ours = str(Path(sys.executable).with_name("pitboard"))
    units = sorted((ROOT / "deploy").glob("pitboard-*"))
    for unit in units:
        text = unit.read_text(encoding="utf-8")
        (tmp_path / unit.name).write_text(text.replace(INSTALLED, ours), encoding="utf-8")
    out = subprocess.run(
        [analyze, "verify", *(str(tmp_path / u.name) for u in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # A setting systemd cannot parse is only a warning: any output is a failure here.
    assert (out.returncode, out.stdout + out.stderr) == (0, "")
    assert {"pitboard-prune.service", "pitboard-prune.timer"} <= {u.name for u in units}
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(tmp_path / "pitboard-prune.service")
    assert service["Service"]["ExecStart"].split()[1:3] == ["prune", "--config"]
