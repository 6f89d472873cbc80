"""Reports for the service manager: day, week, month; charts and a CSV download."""

from __future__ import annotations

import csv
import io
from datetime import date

from nicegui import ui

from board.aftercare_report import aftercare_section
from board.auth import require
from board.frame import TAB_TITLE, frame, roles_of
from board.help_report import help_section
from board.source import BoardSource
from board.table_words import worded
from core.contract import site_clock
from core.display.texts import Texts
from core.domain.help_report import HelpReport, help_csv_rows
from core.domain.reports import Report, period, report_csv_rows


def make_report(source: BoardSource, kind: str, day: date) -> Report:
    return source.report(*period(kind, day, source.config.zone))


def report_csv(report: Report, help_calls: HelpReport | None = None) -> bytes:
    out = io.StringIO()
    rows = report_csv_rows(report)
    if help_calls is not None:
        rows += [[], *help_csv_rows(help_calls)]
    csv.writer(out).writerows(rows)
    # With a byte-order mark, spreadsheet programs open the Chinese text correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f} %"


def hours(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def minutes(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f}"


def register_reports(source: BoardSource) -> None:
    config = source.config
    zone = config.zone

    @ui.page("/reports", title=TAB_TITLE)
    def reports_page(kind: str = "day", day: str = "") -> None:
        user = require("/reports", *roles_of("/reports"))
        if user is None:
            return
        t = frame(config, user, "reports.title")
        kind = kind if kind in ("day", "week", "month") else "day"
        try:
            on = date.fromisoformat(day) if day else site_clock.now(zone).date()
        except ValueError:
            on = site_clock.now(zone).date()
        report = make_report(source, kind, on)
        help_calls = source.help_report(*period(kind, on, zone))
        period_bar(t, report, kind, on, help_calls)
        figures(t, report)
        with ui.row().classes("w-full no-wrap gap-4 mt-4"):
            jobs_chart(t, report)
            bays_chart(t, report)
        with ui.row().classes("w-full no-wrap gap-4 mt-4 items-start"):
            efficiency_table(t, report, {x.id: x.name for x in config.technicians})
            job_type_table(t, report)
        aftercare_section(t, source.aftercare(*period(kind, on, zone)))
        help_section(t, help_calls)


def period_bar(
    t: Texts, report: Report, kind: str, on: date, help_calls: HelpReport | None = None
) -> None:
    """Day, week or month of ``on``, the stretch the report covers and its CSV download."""
    with ui.row().classes("items-center gap-4"):
        for k in ("day", "week", "month"):
            ui.link(t(f"reports.{k}"), f"/reports?kind={k}&day={on.isoformat()}").classes(
                "font-bold" if k == kind else ""
            )
        ui.label(f"{report.start:%Y-%m-%d} – {report.end:%Y-%m-%d}")
        ui.button(
            t("reports.csv"),
            on_click=lambda: ui.download.content(
                report_csv(report, help_calls),
                f"pitboard-{kind}-{on.isoformat()}.csv",
                "text/csv",
            ),
        ).mark("csv")


def figures(t: Texts, report: Report) -> None:
    """The department's figures, one card each."""
    shown = [
        ("reports.jobs_in", str(report.jobs_in)),
        ("reports.delivered", str(report.delivered)),
        ("reports.on_time", pct(report.on_time_rate)),
        ("reports.cycle", hours(report.average_cycle_hours)),
        ("reports.waiting", hours(report.average_wait_hours)),
        ("reports.first_time_fix", pct(report.first_time_fix_rate)),
        ("reports.approval", pct(report.approval_rate)),
        ("reports.approved_value", f"{report.approved_parts:,.0f}"),
        ("reports.approved_hours", f"{report.approved_hours:.1f}"),
        ("reports.parts_requests", str(len(report.parts_waits))),
        ("reports.parts_wait_p50", minutes(report.parts_wait_p50_minutes)),
        ("reports.parts_wait_p90", minutes(report.parts_wait_p90_minutes)),
    ]
    with ui.grid(columns=3).classes("w-full gap-4 mt-4"):
        for key, value in shown:
            with ui.card():
                ui.label(t(key)).classes("text-sm text-slate-500")
                ui.label(value).classes("text-3xl").mark(key)


def jobs_chart(t: Texts, report: Report) -> None:
    """Cars in and cars delivered, day by day."""
    ui.echart(
        {
            "title": {"text": f"{t('reports.jobs_in')} / {t('reports.delivered')}"},
            "tooltip": {},
            "legend": {"bottom": 0},
            "xAxis": {
                "type": "category",
                "data": [d.strftime("%m-%d") for d, _, _ in report.per_day],
            },
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {
                    "name": t("reports.jobs_in"),
                    "type": "bar",
                    "data": [i for _, i, _ in report.per_day],
                },
                {
                    "name": t("reports.delivered"),
                    "type": "bar",
                    "data": [o for _, _, o in report.per_day],
                },
            ],
        }
    ).classes("w-1/2 h-72").mark("chart-jobs")


def bays_chart(t: Texts, report: Report) -> None:
    """Each bay's utilisation, in per cent."""
    ui.echart(
        {
            "title": {"text": t("reports.utilisation")},
            "tooltip": {},
            "xAxis": {"type": "category", "data": [b.bay for b in report.bays]},
            "yAxis": {"type": "value", "max": 100},
            "series": [
                {
                    "type": "bar",
                    "data": [round((b.utilisation or 0) * 100, 1) for b in report.bays],
                }
            ],
        }
    ).classes("w-1/2 h-72").mark("chart-bays")


def efficiency_table(t: Texts, report: Report, names: dict[str, str]) -> None:
    """Each technician's standard hours against the hours worked."""
    rows = [
        {
            "tech": f"{tf.tech} {names.get(tf.tech, '')}",
            "std": f"{tf.standard_hours:.1f}",
            "worked": f"{tf.worked_hours:.1f}",
            "eff": pct(tf.efficiency),
        }
        for tf in report.technicians
    ]
    columns = [
        ("tech", "reports.technician"),
        ("std", "reports.standard_hours"),
        ("worked", "reports.worked_hours"),
        ("eff", "reports.efficiency_pct"),
    ]
    half_table(t, "reports.efficiency", columns, rows, "efficiency")


def job_type_table(t: Texts, report: Report) -> None:
    """The cars of each job type (保养, 维修, 保修…): in, delivered, and delivered on time."""
    rows = [
        {
            "kind": t(f"job_type.{k.job_type.value}"),
            "in": str(k.jobs_in),
            "out": str(k.delivered),
            "on_time": pct(k.on_time_rate),
        }
        for k in report.job_types
    ]
    columns = [
        ("kind", "reports.job_type"),
        ("in", "reports.jobs_in"),
        ("out", "reports.delivered"),
        ("on_time", "reports.on_time"),
    ]
    half_table(t, "reports.job_types", columns, rows, "job-types")


def half_table(
    t: Texts,
    title: str,
    columns: list[tuple[str, str]],
    rows: list[dict[str, str]],
    marker: str,
) -> None:
    """A titled table half the page wide: ``columns`` as (field, label's text key), the
    first one, which names the row, aligned left."""
    with ui.column().classes("w-1/2"):
        ui.label(t(title)).classes("text-lg")
        heads = [{"name": f, "label": t(key), "field": f} for f, key in columns]
        heads[0]["align"] = "left"
        worded(ui.table(columns=heads, rows=rows), t).classes("w-full").mark(marker)
