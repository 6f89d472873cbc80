"""/group/site/{id}: one site as head office sees it, read only: its line, its open jobs,
its open bay calls with their age, its devices offline and today's figures."""

from __future__ import annotations

from datetime import datetime
from html import escape

from nicegui import ui

from board.auth import require
from board.frame import TAB_TITLE
from core.contract.group import DayFigures
from core.display.texts import TEXTS, Texts

from .config import HubConfig
from .dashboard_frame import Clock, dashboard_frame, local
from .live_page import CSS as LINE_CSS
from .live_page import live_table
from .pushed import follow_hub
from .shown import duration
from .views import GroupLive, GroupReader, SiteDetail


def _word(t: Texts, prefix: str, value: str) -> str:
    """A site's word (a status, a call's kind) in the page's language; as sent if unknown."""
    key = f"{prefix}.{value}"
    return t(key) if key in TEXTS else value


def jobs_table(t: Texts, config: HubConfig, detail: SiteDetail) -> str:
    if not detail.jobs:
        return f"<p>{escape(t('group.no_jobs'))}</p>"
    heads = ("ro", "plate", "status", "bay", "advisor", "promised", "predicted", "risk")
    head = "".join(f"<th>{escape(t('group.' + k))}</th>" for k in heads)
    order = sorted(detail.jobs, key=lambda j: (not j.at_risk, j.promised_at is None, j.ro))
    rows = "".join(
        f'<tr class="{"stale" if j.at_risk else ""}" data-ro="{escape(j.ro)}">'
        f"<td>{escape(j.ro)}</td><td>{escape(j.plate)}</td>"
        f"<td>{escape(_word(t, 'group.status', j.status))}</td>"
        f"<td>{escape(j.bay or '—')}</td><td>{escape(j.advisor or '—')}</td>"
        f"<td>{local(config, j.promised_at)}</td><td>{local(config, j.predicted_at)}</td>"
        f'<td class="{"gl-state-stale" if j.at_risk else ""}">'
        f"{'⚠ ' + escape(t('group.risk_yes')) if j.at_risk else ''}</td></tr>"
        for j in order
    )
    return f'<table class="gl-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def help_table(t: Texts, detail: SiteDetail, now: datetime) -> str:
    calls = [c for c in detail.help_calls if c.closed_at is None]
    if not calls:
        return f"<p>{escape(t('group.no_help'))}</p>"
    heads = ("bay", "help_kind", "help_state", "help_level", "help_age")
    head = "".join(
        f"<th{' class=n' if k in ('help_level', 'help_age') else ''}>{escape(t('group.' + k))}</th>"
        for k in heads
    )
    rows = "".join(
        f'<tr data-call="{escape(c.id)}"><td>{escape(c.bay)}</td>'
        f"<td>{escape(_word(t, 'help_kind', c.call_kind))}</td>"
        f"<td>{escape(_word(t, 'help_state', c.state))}</td>"
        f'<td class="n">{c.level}</td>'
        f'<td class="n">{escape(duration(t, (now - c.raised_at).total_seconds()))}</td></tr>'
        for c in sorted(calls, key=lambda c: c.raised_at)
    )
    return f'<table class="gl-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def today_cards(t: Texts, today: DayFigures | None) -> list[tuple[str, str]]:
    if today is None:
        return []

    def rate(part: int, whole: int) -> str:
        return "—" if whole == 0 else f"{part / whole * 100:.0f} %"

    return [
        ("group.checked_in", str(today.checked_in)),
        ("group.delivered", str(today.delivered)),
        ("group.measure.on_time", rate(today.delivered_on_time, today.delivered)),
        ("group.measure.first_time_fix", rate(today.first_time_fixed, today.delivered)),
        (
            "group.measure.efficiency",
            "—"
            if today.clocked_hours == 0
            else f"{today.sold_hours / today.clocked_hours * 100:.0f} %",
        ),
        ("group.measure.approval", rate(today.findings_approved, today.findings_answered)),
        (
            "group.measure.satisfaction",
            "—"
            if today.satisfaction_count == 0
            else f"{today.satisfaction_sum / today.satisfaction_count:.2f}",
        ),
        (
            "group.measure.help_response",
            "—"
            if today.help_answered == 0
            else duration(t, today.help_response_seconds / today.help_answered),
        ),
        ("group.complaints", str(today.complaints)),
        ("group.help_calls", str(today.help_calls)),
    ]


def register_site(reader: GroupReader, config: HubConfig, clock: Clock) -> None:
    stale_after = config.hub.stale_after_seconds

    @ui.page("/group/site/{site}", title=TAB_TITLE)
    def site_page(site: str) -> None:
        user = require(f"/group/site/{site}")
        if user is None:
            return
        t = dashboard_frame(config, user, "group.detail", clock)
        ui.add_css(LINE_CSS)
        with ui.row().classes("items-baseline gap-6 px-2"):
            ui.link(t("group.back"), "/group").mark("back")
            ui.label(t("group.read_only")).classes("text-slate-500")
        body = ui.column().classes("w-full gap-4 px-2").mark("site-detail")

        def read() -> tuple[SiteDetail | None, datetime]:
            now = clock()
            return reader.site(site, now), now

        def render(seen: tuple[SiteDetail | None, datetime]) -> None:
            detail, now = seen
            body.clear()
            with body:
                if detail is None:
                    ui.label(t("group.no_such_site", site=site)).classes("text-xl").mark(
                        "no-such-site"
                    )
                    return
                ui.label(detail.line.name).classes("text-2xl").mark("site-name")
                line = GroupLive(updated_at=now, sites=[detail.line])
                ui.html(live_table(t, line, now, stale_after), sanitize=False).classes(
                    "w-full"
                ).mark("site-line")
                ui.label(t("group.jobs")).classes("text-lg")
                ui.html(jobs_table(t, config, detail), sanitize=False).classes("w-full").mark(
                    "site-jobs"
                )
                ui.label(t("group.help_open")).classes("text-lg")
                ui.html(help_table(t, detail, now), sanitize=False).classes("w-full").mark(
                    "site-help"
                )
                ui.label(t("group.devices")).classes("text-lg")
                devices = detail.devices
                if devices is None:
                    ui.label(t("group.no_devices")).mark("site-devices")
                else:
                    ui.label(
                        t("group.devices_line", online=devices.online, offline=devices.offline)
                    ).mark("site-devices")
                    if devices.offline_names:
                        names = ", ".join(devices.offline_names)
                        ui.label(t("group.offline_names", names=names)).classes(
                            "text-red-700 font-bold"
                        ).mark("site-offline")
                ui.label(t("group.today")).classes("text-lg")
                cards = today_cards(t, detail.today)
                if not cards:
                    ui.label(t("group.no_today")).mark("site-today")
                    return
                with ui.grid(columns=5).classes("w-full gap-3").mark("site-today"):
                    for key, value in cards:
                        with ui.card().classes("p-3"):
                            ui.label(t(key)).classes("text-sm text-slate-500")
                            ui.label(value).classes("text-2xl").mark(f"today-{key}")

        follow_hub(reader, read, render)
