"""The schedule (排班负荷): today and the days ahead, the cars booked and the standard hours
booked on each team and each kind of bay against what it can do that day — where a booking
still fits, and which days are full."""

from __future__ import annotations

import html
from datetime import date, timedelta

from nicegui import ui

from board.auth import require
from board.frame import TAB_TITLE, frame, roles_of
from board.source import BoardSource
from core.config import SiteConfig
from core.contract.views import DayLoadRow, LoadFill
from core.display.texts import Texts

DAYS = 8  # today and the week ahead
REFRESH_SECONDS = 30.0  # bookings come a few an hour: no need to follow each at once
#: From this share of a day's capacity a cell turns amber; past the whole of it, red.
NEAR_FULL = 0.8

_CSS = """
.load-table { border-collapse: collapse; width: 100%; font-size: 15px; }
.load-table th { text-align: left; font-weight: 600; color: #334155; padding: 6px 8px;
  border-bottom: 2px solid #cbd5e1; white-space: nowrap; }
.load-table td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
.load-day { white-space: nowrap; font-weight: 600; }
.load-today { background: #eff6ff; }
.load-cell { min-width: 9rem; }
.load-figure { font-variant-numeric: tabular-nums; }
.load-bar { height: 8px; background: #e2e8f0; border-radius: 4px; overflow: hidden;
  margin-top: 3px; }
.load-bar > div { height: 100%; }
.load-ok > div { background: #16a34a; }
.load-near > div { background: #d97706; }
.load-full > div { background: #dc2626; }
.load-closed { color: #94a3b8; }
"""


def day_name(day: date, today: date, t: Texts) -> str:
    """ "今天 11月24日 周二" / "Today Tue 11/24"."""
    when = t("schedule.date", month=day.month, day=day.day, weekday=t(f"weekday.{day.weekday()}"))
    if day == today:
        return f"{t('schedule.today')} {when}"
    if day == today + timedelta(days=1):
        return f"{t('schedule.tomorrow')} {when}"
    return when


def level(fill: LoadFill) -> str:
    if fill.capacity <= 0:
        return "load-full" if fill.booked > 0 else "load-closed"
    share = fill.booked / fill.capacity
    return "load-ok" if share < NEAR_FULL else "load-near" if share <= 1.0 else "load-full"


def cell(fill: LoadFill | None, t: Texts) -> str:
    """Hours booked of the hours there are, and a bar of how full the day is."""
    if fill is None or (fill.capacity <= 0 and fill.booked <= 0):
        return f'<td class="load-cell load-closed">{html.escape(t("schedule.closed"))}</td>'
    css = level(fill)
    share = min(1.0, fill.booked / fill.capacity) if fill.capacity > 0 else 1.0
    figure = t("schedule.fill", booked=f"{fill.booked:.1f}", capacity=f"{fill.capacity:.1f}")
    return (
        f'<td class="load-cell"><div class="load-figure">{html.escape(figure)}</div>'
        f'<div class="load-bar {css}"><div style="width:{share * 100:.0f}%"></div></div></td>'
    )


def load_table(rows: list[DayLoadRow], today: date, config: SiteConfig, t: Texts) -> str:
    """Days down, the cars booked, then each team and each kind of bay across."""
    e = html.escape
    teams = {tm.id: tm.name for tm in config.teams}
    team_keys = sorted({f.key for r in rows for f in r.teams})
    kind_keys = [k for k in ("general", "alignment", "body", "paint") if _any(rows, k)]
    head = [t("schedule.day"), t("schedule.cars")]
    head += [teams.get(k, k) for k in team_keys]
    head += [t(f"bay_kind.{k}") for k in kind_keys]
    out = ['<table class="load-table"><tr>', *(f"<th>{e(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        by_team = {f.key: f for f in row.teams}
        by_kind = {f.key: f for f in row.kinds}
        css = ' class="load-today"' if row.day == today else ""
        out.append(f'<tr{css} data-day="{row.day.isoformat()}">')
        out.append(f'<td class="load-day">{e(day_name(row.day, today, t))}</td>')
        out.append(f'<td class="load-figure">{row.cars}</td>')
        out += [cell(by_team.get(k), t) for k in team_keys]
        out += [cell(by_kind.get(k), t) for k in kind_keys]
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _any(rows: list[DayLoadRow], kind: str) -> bool:
    return any(f.key == kind for r in rows for f in r.kinds)


def register_schedule(source: BoardSource) -> None:
    config = source.config

    @ui.page("/schedule", title=TAB_TITLE)
    def schedule_page() -> None:
        user = require("/schedule", *roles_of("/schedule"))
        if user is None:
            return
        t = frame(config, user, "schedule.title")
        ui.add_css(_CSS)
        efficiency = round(config.appointments.efficiency * 100)
        with ui.column().classes("w-full p-4 gap-2"):
            ui.label(t("schedule.heading")).classes("text-lg font-semibold")
            ui.label(t("schedule.hint", efficiency=efficiency)).classes("text-sm text-slate-500")
            table = ui.html("", sanitize=False).classes("w-full").mark("schedule-load")

        def refresh() -> None:
            rows = source.schedule(DAYS)
            today = rows[0].day if rows else source.now().astimezone(config.zone).date()
            content = load_table(rows, today, config, t)
            if table.content != content:
                table.content = content

        refresh()
        ui.timer(REFRESH_SECONDS, refresh)
