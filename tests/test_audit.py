"""The dependency audit's reading of pip-audit's report: a package it could not look up
is never counted as safe."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pitboard_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vulnerable_and_unaudited_packages_are_told_apart() -> None:
    report = {
        "dependencies": [
            {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-h5c8-rqwp-cp95"}]},
            {"name": "pydantic", "version": "2.9.0", "vulns": []},
            {"name": "markupsafe", "skip_reason": "Dependency not found on PyPI"},
            {"name": "pitboard", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    vulnerable, unaudited = tasks().audit_summary(report)
    assert vulnerable == ["jinja2 3.1.2: GHSA-h5c8-rqwp-cp95"]
    assert unaudited == ["markupsafe"], "ours is not on PyPI; the others must be looked up"


def test_a_clean_report_is_clean() -> None:
    report = {"dependencies": [{"name": "pydantic", "version": "2.9.0", "vulns": []}]}
    assert tasks().audit_summary(report) == ([], [])
