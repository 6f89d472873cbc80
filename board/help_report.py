"""The reports page's help calls (安灯): per kind, how many calls, how many went up a tier,
and how soon they were answered and closed (median and slowest tenth)."""

from __future__ import annotations

from nicegui import ui

from board.table_words import worded
from core.display.texts import Texts
from core.domain.help_report import HelpReport


def _minutes(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def help_section(t: Texts, report: HelpReport) -> None:
    ui.label(t("reports.help")).classes("text-lg font-semibold mt-6")
    columns = [("kind", "reports.help_kind"), ("calls", "reports.help_calls")]
    columns += [("escalated", "reports.help_escalated")]
    columns += [
        (f"{w}_{p}", f"reports.help_{w}_{p}")
        for w in ("response", "resolution")
        for p in ("p50", "p90")
    ]
    worded(
        ui.table(
            columns=[
                {
                    "name": name,
                    "label": t(key),
                    "field": name,
                    "align": "left" if name == "kind" else "right",
                }
                for name, key in columns
            ],
            rows=[
                {
                    "kind": t(f"help_kind.{k.kind.value}"),
                    "calls": str(k.calls),
                    "escalated": str(k.escalated),
                    "response_p50": _minutes(k.response_p50),
                    "response_p90": _minutes(k.response_p90),
                    "resolution_p50": _minutes(k.resolution_p50),
                    "resolution_p90": _minutes(k.resolution_p90),
                }
                for k in report.kinds
            ],
        ),
        t,
    ).classes("w-full").mark("help-report")
