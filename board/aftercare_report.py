"""The reports page's follow-up and complaints: of the period's delivered cars, how many
were called, how satisfied the customers were, the three things they were least happy
with, and the complaints still open (the week's is the weekly report)."""

from __future__ import annotations

from nicegui import ui

from board.table_words import worded
from core.display.texts import Texts
from core.domain.aftercare_report import AftercareReport


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f} %"


def aftercare_section(t: Texts, report: AftercareReport) -> None:
    ui.label(t("reports.aftercare")).classes("text-lg font-semibold mt-6")
    score = "—" if report.score is None else f"{report.score:.1f} / 5"
    shown = [
        ("reports.calls", f"{report.called} / {report.delivered}"),
        ("reports.call_completion", _pct(report.completion_pct)),
        ("reports.satisfaction", _pct(report.satisfaction_pct)),
        ("reports.satisfaction_score", score),
        ("reports.open_complaints", str(report.open_complaints)),
    ]
    with ui.grid(columns=5).classes("w-full gap-4 mt-2"):
        for key, value in shown:
            with ui.card():
                ui.label(t(key)).classes("text-sm text-slate-500")
                ui.label(value).classes("text-3xl").mark(key)
    rows = [
        {"rank": str(i), "what": t(f"dissatisfaction.{what}"), "calls": str(n)}
        for i, (what, n) in enumerate(report.top_dissatisfaction, start=1)
    ]
    ui.label(t("reports.top_dissatisfaction")).classes("mt-2")
    worded(
        ui.table(
            columns=[
                {"name": "rank", "label": "#", "field": "rank", "align": "left"},
                {"name": "what", "label": t("desk.unhappy_with"), "field": "what", "align": "left"},
                {"name": "calls", "label": t("reports.calls_naming"), "field": "calls"},
            ],
            rows=rows,
        ),
        t,
    ).classes("w-96").mark("top-dissatisfaction")
