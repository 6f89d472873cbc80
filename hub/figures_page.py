"""/group/figures: the sites' figures over a day, week or month side by side, each measure
ranked across the sites that have it, sortable, the first and last coloured; and the table
as CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, get_args
from urllib.parse import urlencode

from nicegui import ui

from board.auth import require
from board.frame import TAB_TITLE
from board.table_words import worded
from core.display.texts import Texts
from core.domain.reports import period as period_span

from .config import HubConfig
from .dashboard_frame import Clock, dashboard_frame
from .shown import BY_KEY, MEASURES, band, figures_csv, marked, ranks
from .views import GroupReader, Period, SiteFigures

PERIODS: tuple[Period, ...] = get_args(Period)

#: A row of the table: each cell's text, and its measure's colour when the site is among
#: the first or last (the numbers stay in the row for the table's own sorting).
_BODY = r"""
<q-tr :props="props" :data-site="props.row.site">
  <q-td v-for="col in props.cols" :key="col.name" :props="props"
        :class="props.row[col.name + '_band'] ? 'gf-' + props.row[col.name + '_band'] : ''">
    {{ props.row[col.name + '_text'] ?? col.value }}
  </q-td>
</q-tr>
"""
CSS = """
.gf-top { background: #dcfce7; color: #166534; font-weight: 700; }
.gf-bottom { background: #fee2e2; color: #991b1b; font-weight: 700; }
.gf-legend-top { background: #dcfce7; color: #166534; padding: 2px 8px; border-radius: 4px; }
.gf-legend-bottom { background: #fee2e2; color: #991b1b; padding: 2px 8px; border-radius: 4px; }
"""


def figure_rows(t: Texts, figures: list[SiteFigures], by: str) -> list[dict[str, Any]]:
    """The table's rows, best on ``by`` first (sites without it last, by name)."""
    places = {m.key: ranks(figures, m) for m in MEASURES}
    n = marked(len(figures))
    rows: list[dict[str, Any]] = []
    for f in figures:
        row: dict[str, Any] = {
            "site": f.site,
            "name": f.name,
            "days": f.days,
            "checked_in": f.checked_in,
            "delivered": f.delivered,
            "complaints": f.complaints,
            "help_calls": f.help_calls,
        }
        for m in MEASURES:
            value, place = m.value(f), places[m.key].get(f.site)
            shown = m.shown(t, value)
            row[m.key] = value
            row[f"{m.key}_rank"] = place
            row[f"{m.key}_text"] = (
                shown if place is None else t("group.value_rank", value=shown, rank=place)
            )
            row[f"{m.key}_band"] = band(place, len(places[m.key]), n)
        rows.append(row)
    order = places[by]
    rows.sort(key=lambda r: (order.get(r["site"]) is None, order.get(r["site"], 0), r["name"]))
    return rows


def figure_columns(t: Texts) -> list[dict[str, Any]]:
    def col(name: str, label: str, align: str = "right") -> dict[str, Any]:
        return {"name": name, "label": label, "field": name, "sortable": True, "align": align}

    return [
        col("name", t("group.site"), "left"),
        col("days", t("group.days")),
        col("checked_in", t("group.checked_in")),
        col("delivered", t("group.delivered")),
        *(col(m.key, t(f"group.measure.{m.key}")) for m in MEASURES),
        col("complaints", t("group.complaints")),
        col("help_calls", t("group.help_calls")),
    ]


def _url(kind: str, on: date, by: str) -> str:
    return "/group/figures?" + urlencode({"period": kind, "day": on.isoformat(), "by": by})


def register_figures(reader: GroupReader, config: HubConfig, clock: Clock) -> None:
    @ui.page("/group/figures", title=TAB_TITLE)
    def figures_page(period: str = "day", day: str = "", by: str = "on_time") -> None:
        user = require("/group/figures")
        if user is None:
            return
        t = dashboard_frame(config, user, "group.figures", clock)
        ui.add_css(CSS)
        today = clock().astimezone(config.zone).date()
        kind: Period = next((p for p in PERIODS if p == period), "day")
        try:
            on = date.fromisoformat(day) if day else today
        except ValueError:
            on = today
        by = by if by in BY_KEY else "on_time"
        figures = reader.figures(kind, on)
        start, end = period_span(kind, on, config.zone)

        with ui.row().classes("items-center gap-6 px-2"):
            ui.toggle(
                {p: t(f"group.period.{p}") for p in PERIODS},
                value=kind,
                on_change=lambda e: ui.navigate.to(_url(str(e.value), on, by)),
            ).mark("period")
            ui.input(
                t("group.date"),
                value=on.isoformat(),
                on_change=lambda e: _go_to_day(str(e.value), kind, by),
            ).props("type=date dense").mark("day")
            ui.label(
                t(
                    "group.span",
                    start=start.date().isoformat(),
                    end=(end.date() - timedelta(days=1)).isoformat(),
                )
            ).mark("span")
            ui.select(
                {m.key: t(f"group.measure.{m.key}") for m in MEASURES},
                value=by,
                label=t("group.rank_by"),
                on_change=lambda e: ui.navigate.to(_url(kind, on, str(e.value))),
            ).classes("w-48").mark("rank-by")
            ui.button(
                t("group.csv"),
                on_click=lambda: ui.download.content(
                    figures_csv(t, figures),
                    f"pitboard-group-{kind}-{on.isoformat()}.csv",
                    "text/csv",
                ),
            ).mark("csv")
        with ui.row().classes("items-center gap-3 px-2 text-slate-600"):
            n = marked(len(figures))
            ui.label(t("group.not_ranked", n=n))
            ui.label(t("group.top")).classes("gf-legend-top")
            ui.label(t("group.bottom")).classes("gf-legend-bottom")
        table = (
            worded(
                ui.table(
                    columns=figure_columns(t),
                    rows=figure_rows(t, figures, by),
                    row_key="site",
                    pagination={"rowsPerPage": 50, "sortBy": None},
                ),
                t,
            )
            .classes("w-full")
            .props("dense flat bordered")
            .mark("figures")
        )
        table.add_slot("body", _BODY)


def _go_to_day(value: str, kind: str, by: str) -> None:
    try:
        on = date.fromisoformat(value)
    except ValueError:
        return  # half typed
    ui.navigate.to(_url(kind, on, by))
