"""/group: every site's live line side by side, trouble on top, pushed as the hub commits."""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote

from nicegui import ui

from board.auth import require
from board.frame import TAB_TITLE
from core.display.texts import Texts

from .config import HubConfig
from .dashboard_frame import Clock, dashboard_frame, local
from .pushed import follow_hub
from .shown import ago, duration, is_stale, trouble_first
from .views import GroupLive, GroupReader, SiteLine

CSS = """
.gl-table { border-collapse: collapse; width: 100%; font-size: 1.05rem; }
.gl-table th { text-align: left; padding: 6px 10px; background: #e2e8f0; position: sticky;
  top: 0; white-space: nowrap; }
.gl-table td { padding: 6px 10px; border-bottom: 1px solid #e2e8f0; white-space: nowrap; }
.gl-table th.n { text-align: right; }
.gl-table td.n { text-align: right; font-variant-numeric: tabular-nums; }
.gl-table tr.stale td { background: #fee2e2; }
.gl-table tr.stale td:first-child { border-left: 8px solid #dc2626; }
.gl-table tr.ok td:first-child { border-left: 8px solid #16a34a; }
.gl-state-stale { color: #b91c1c; font-weight: 700; }
.gl-state-ok { color: #15803d; }
.gl-warn { color: #b45309; font-weight: 700; }
.gl-quiet { color: #94a3b8; }
.gl-table a { color: #1d4ed8; text-decoration: underline; }
"""


def _count(n: int, warn: bool = True) -> str:
    if n == 0:
        return '<td class="n gl-quiet">0</td>'
    return f'<td class="n{" gl-warn" if warn else ""}">{n}</td>'


def site_row(t: Texts, line: SiteLine, now: datetime, stale_after: int) -> str:
    """One site's line: a stale one says so in words and in red."""
    stale = is_stale(line, now, stale_after)
    never = line.last_heard is None
    state = t("group.state.never" if never else "group.state.stale" if stale else "group.state.ok")
    state_cls = "gl-state-stale" if stale else "gl-state-ok"
    mark = "⚠ " if stale else ""
    return (
        f'<tr class="{"stale" if stale else "ok"}" data-site="{escape(line.site)}"'
        f' data-stale="{str(stale).lower()}">'
        f'<td class="{state_cls}">{mark}{escape(state)}</td>'
        f'<td><a href="/group/site/{quote(line.site)}">{escape(line.name)}</a></td>'
        f'<td class="n">{line.open_jobs}</td>'
        f"{_count(line.at_risk)}"
        f'<td class="n">{line.bays_busy} / {line.bays}</td>'
        f"{_count(line.waiting_dispatch, warn=False)}"
        f"{_count(line.devices_offline)}"
        f'<td class="{state_cls if stale else ""}">{escape(ago(t, line, now))}</td>'
        f'<td class="n">{escape(duration(t, line.lag_seconds))}</td>'
        "</tr>"
    )


def live_table(t: Texts, live: GroupLive, now: datetime, stale_after: int) -> str:
    heads = (
        "group.state",
        "group.site",
        "group.open_jobs",
        "group.at_risk",
        "group.bays",
        "group.waiting",
        "group.devices_offline",
        "group.last_heard",
        "group.lag",
    )
    head = "".join(
        f"<th{'' if k in ('group.state', 'group.site', 'group.last_heard') else ' class=n'}>"
        f"{escape(t(k))}</th>"
        for k in heads
    )
    rows = "".join(
        site_row(t, line, now, stale_after) for line in trouble_first(live.sites, now, stale_after)
    )
    return f'<table class="gl-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def register_live(reader: GroupReader, config: HubConfig, clock: Clock) -> None:
    stale_after = config.hub.stale_after_seconds

    @ui.page("/group", title=TAB_TITLE)
    def group_page() -> None:
        user = require("/group")
        if user is None:
            return
        t = dashboard_frame(config, user, "group.live", clock)
        ui.add_css(CSS)
        with ui.row().classes("items-baseline gap-6 px-2"):
            summary = ui.label().classes("text-lg").mark("group-summary")
            ui.label(t("group.stale_rule", minutes=round(stale_after / 60))).classes(
                "text-slate-500"
            )
            updated = ui.label().classes("text-slate-500").mark("group-updated")
        table = ui.html("", sanitize=False).classes("w-full").mark("group-live")

        def read() -> tuple[GroupLive, datetime]:
            now = clock()
            return reader.live(now), now

        def render(seen: tuple[GroupLive, datetime]) -> None:
            live, now = seen
            stale = sum(1 for s in live.sites if is_stale(s, now, stale_after))
            summary.text = t(
                "group.summary",
                sites=len(live.sites),
                stale=stale,
                at_risk=sum(s.at_risk for s in live.sites),
            )
            updated.text = t("group.updated", at=local(config, live.updated_at, "%H:%M:%S"))
            table.content = (
                live_table(t, live, now, stale_after)
                if live.sites
                else f"<p>{escape(t('group.none'))}</p>"
            )

        follow_hub(reader, read, render)
