"""The foreman's dispatch board: a Gantt of today's bays, the dispatch queue and the panels."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from nicegui import ui

from board.auth import actor, require
from board.frame import frame
from board.live import follow
from board.source import BoardSource
from core.commands import Dispatch
from core.contract.views import DispatchView, JobCard, TimelineBar
from core.domain.errors import DomainError

AMBER_AT = 0.85  # share of standard hours from which a job shows amber, as on the kiosk

_CSS = """
.gantt-row { height: 44px; border-bottom: 1px solid #e2e8f0; }
.gantt-lane { position: relative; height: 100%; background: #f8fafc; }
.gantt-bar { position: absolute; top: 6px; height: 32px; border-radius: 4px; color: white;
  font-size: 12px; line-height: 1.2; padding: 2px 4px; overflow: hidden; white-space: nowrap; }
.bar-work { background: #2563eb; }
.bar-amber { background: #d97706; }
.bar-over { background: #dc2626; }
.bar-pause { color: #0f172a; top: 10px; height: 24px;
  background: repeating-linear-gradient(45deg, #94a3b8 0 6px, #cbd5e1 6px 12px); }
.gantt-now { position: absolute; top: 0; bottom: 0; width: 2px; background: #ef4444; }
.gantt-hour { position: absolute; top: 0; bottom: 0; border-left: 1px dashed #cbd5e1;
  font-size: 11px; color: #64748b; padding-left: 2px; }
.drop-hover { outline: 3px solid #2563eb; }
.panel-list { font-size: 14px; }
.panel-list li { padding: 2px 0; }
.esc-call { color: #b45309; font-weight: 600; }
.esc-escalate { color: #dc2626; font-weight: 700; }
"""


def day_window(source: BoardSource, now: datetime) -> tuple[datetime, datetime]:
    """The stretch of today the Gantt spans: opening time to the last shift end, padded."""
    cfg = source.config
    local = now.astimezone(cfg.zone)
    opens = local.replace(
        hour=cfg.site.opens_at.hour, minute=cfg.site.opens_at.minute, second=0, microsecond=0
    )
    last = max(cfg.site.shift_ends)
    closes = local.replace(hour=last.hour, minute=last.minute, second=0, microsecond=0)
    start, end = opens - timedelta(minutes=30), closes + timedelta(minutes=30)
    return min(start, local - timedelta(hours=1)), max(end, local + timedelta(hours=1))


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def lane_html(
    bars: list[TimelineBar],
    cards: dict[str, JobCard],
    window: tuple[datetime, datetime],
    now: datetime,
    t: Any,
) -> str:
    """One bay's lane: hour marks, the bars of work and pause, and the line of now."""
    start, end = window
    span = (end - start).total_seconds()

    def pct(ts: datetime) -> float:
        return max(0.0, min(100.0, (ts - start).total_seconds() / span * 100))

    parts: list[str] = []
    hour = start.replace(minute=0) + timedelta(hours=1)
    while hour < end:
        parts.append(f'<div class="gantt-hour" style="left:{pct(hour):.2f}%">{hour:%H}</div>')
        hour += timedelta(hours=1)
    for bar in bars:
        until = bar.end or now
        left, right = pct(bar.start), pct(until)
        card = cards.get(bar.ro)
        if bar.kind == "pause":
            css = "bar-pause"
            label = f"{t('pause.' + (bar.reason or 'other'))} {_minutes(until - bar.start)}′"
        else:
            share = (
                card.worked_seconds / (card.standard_hours * 3600)
                if card and card.standard_hours
                else 0.0
            )
            css = "bar-over" if share > 1 else "bar-amber" if share >= AMBER_AT else "bar-work"
            label = f"{bar.ro[-4:]} {card.plate if card else ''} {bar.tech}"
        title = f"{bar.ro} {bar.tech} {bar.start:%H:%M}–{until:%H:%M}"
        parts.append(
            f'<div class="gantt-bar {css}" data-ro="{html.escape(bar.ro)}" '
            f'title="{html.escape(title)}" '
            f'style="left:{left:.2f}%;width:{max(0.4, right - left):.2f}%">'
            f"{html.escape(label)}</div>"
        )
    parts.append(f'<div class="gantt-now" style="left:{pct(now):.2f}%"></div>')
    return "".join(parts)


def register_dispatch(source: BoardSource) -> None:
    config = source.config
    zone = config.zone

    @ui.page("/dispatch", title="Pitboard · Dispatch")
    def dispatch_page() -> None:
        user = require("/dispatch", "foreman", "manager")
        if user is None:
            return
        t = frame(config, user, "dispatch.title")
        ui.add_css(_CSS)
        who = actor(user)
        dragging: dict[str, str | None] = {"ro": None}
        bay_names = {b.id: b.name for b in config.bays}
        general = [b.id for b in config.bays if b.kind not in ("qc", "wash")]

        def dispatch(ro: str | None, bay: str | None) -> None:
            if not ro or not bay:
                return
            try:
                source.run(Dispatch(ro, bay), who)
            except DomainError as err:
                ui.notify(f"{ro}: {err.message}", type="negative")
                return
            ui.notify(t("dispatch.done", ro=ro, bay=bay_names.get(bay, bay)), type="positive")

        # -------- the Gantt: one row per bay, built once
        lanes: dict[str, Any] = {}
        heads: dict[str, Any] = {}
        with ui.column().classes("w-full gap-0 border rounded"):
            for bay in config.bays:
                with ui.row().classes("gantt-row w-full no-wrap gap-0 items-stretch") as row:
                    heads[bay.id] = (
                        ui.label().classes("w-56 shrink-0 px-2 text-sm").mark(f"bay-{bay.id}")
                    )
                    lanes[bay.id] = (
                        ui.html("", sanitize=False)
                        .classes("gantt-lane grow")
                        .mark(f"lane-{bay.id}")
                    )

                def drop(_e: Any = None, bay_id: str = bay.id) -> None:
                    dispatch(dragging["ro"], bay_id)
                    dragging["ro"] = None

                row.on("dragover.prevent", lambda: None)
                row.on("drop.prevent", drop)
                row.mark(f"row-{bay.id}")

        # -------- the dispatch queue and the panels
        with ui.row().classes("w-full no-wrap items-start gap-4 mt-4"):
            with ui.card().classes("w-1/3"):
                ui.label(t("dispatch.queue")).classes("text-lg font-semibold")
                ui.label(t("dispatch.drag")).classes("text-xs text-slate-500")
                queue_box = ui.column().classes("w-full gap-2").mark("queue")
            with ui.grid(columns=3).classes("grow gap-4"):
                panels: dict[str, Any] = {}
                for key in [
                    "panel.alerts",
                    "panel.findings",
                    "panel.keys",
                    "panel.qc",
                    "panel.wash",
                    "panel.ready",
                    "panel.devices",
                ]:
                    with ui.card().classes("w-full"):
                        ui.label(t(key)).classes("font-semibold")
                        panels[key] = ui.html("", sanitize=False).classes("panel-list").mark(key)
                with ui.card().classes("w-full"):
                    ui.label(t("panel.prints")).classes("font-semibold")
                    prints_box = ui.row().classes("gap-2").mark("prints")
        queue_items: dict[str, tuple[Any, Any]] = {}
        shown_prints: list[str] = []

        def queue_item(card: JobCard) -> tuple[Any, Any]:
            with queue_box, ui.card().classes("w-full p-2").props("draggable") as box:
                text = ui.label().classes("text-sm")
                with ui.row().classes("items-center gap-2"):
                    target = (
                        ui.select(
                            {b: f"{b} {bay_names[b]}" for b in general}, label=t("dispatch.to")
                        )
                        .classes("w-40")
                        .mark(f"to-{card.ro}")
                    )
                    ui.button(
                        t("dispatch.go"), on_click=lambda ro=card.ro: dispatch(ro, target.value)
                    ).props("dense").mark(f"go-{card.ro}")
            box.on("dragstart", lambda ro=card.ro: dragging.update(ro=ro))
            box.mark(f"queued-{card.ro}")
            return box, text

        def render(view: DispatchView) -> None:
            now = view.updated_at
            window = day_window(source, now)
            cards = {j.ro: j for j in view.jobs}
            per_bay: dict[str, list[TimelineBar]] = {}
            for bar in view.timeline:
                per_bay.setdefault(bar.bay, []).append(bar)
            for row in view.bays:
                techs = ", ".join(x.name for x in row.techs) or "—"
                current = cards.get(row.current) if row.current else None
                paused = [r for r in row.queue if cards.get(r) and cards[r].pause_reason]
                text = f"{row.id} {row.name} · {techs}"
                if current:
                    text += f" · ▶ {current.plate}"
                if row.queue:
                    text += f" · +{len(row.queue)}"
                if paused:
                    reason = cards[paused[0]].pause_reason or "other"
                    text += f" · ‖ {t('pause.' + reason)}"
                heads[row.id].text = text
                lanes[row.id].content = lane_html(per_bay.get(row.id, []), cards, window, now, t)
            # queue: add and drop items as the queue changes; text updated in place
            waiting = [cards[ro] for ro in view.waiting_dispatch if ro in cards]
            for ro in list(queue_items):
                if ro not in view.waiting_dispatch:
                    queue_items.pop(ro)[0].delete()
            for card in waiting:
                if card.ro not in queue_items:
                    queue_items[card.ro] = queue_item(card)
                flag = f" · {t('dispatch.waiting_customer')}" if card.customer_waiting else ""
                queue_items[card.ro][1].text = (
                    f"{card.ro} · {card.plate} {card.model} · {card.standard_hours:g} h · "
                    f"{card.promised_at.astimezone(zone):%H:%M}{flag}"
                )
            for i, card in enumerate(waiting):
                queue_items[card.ro][0].move(queue_box, target_index=i)
            _panels(view, cards, now)
            _prints()

        def li(items: list[str]) -> str:
            if not items:
                return f'<span class="text-slate-400">{html.escape(t("dispatch.none"))}</span>'
            return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"

        def _panels(view: DispatchView, cards: dict[str, JobCard], now: datetime) -> None:
            e = html.escape

            def name(ro: str) -> str:
                c = cards.get(ro)
                return f'<a href="/orders/{e(ro)}">{e(ro)}</a> {e(c.plate) if c else ""}'

            findings = []
            for ref in view.pending_findings:
                ro, fid = ref.split("/", 1)
                card = cards.get(ro)
                f = next((x for x in card.findings if x.id == fid), None) if card else None
                if f is None:
                    continue
                level = ""
                if f.escalate_at and now >= f.escalate_at:
                    level = f' <span class="esc-escalate">{e(t("escalation.escalate"))}</span>'
                elif f.call_at and now >= f.call_at:
                    level = f' <span class="esc-call">{e(t("escalation.call"))}</span>'
                age = t("minutes", n=_minutes(now - f.reported_at))
                findings.append(f"{name(ro)} · {e(f.title)} · {e(age)}{level}")
            panels["panel.findings"].content = li(findings)
            panels["panel.qc"].content = li([name(r) for r in view.qc_queue])
            panels["panel.wash"].content = li([name(r) for r in view.wash_queue])
            panels["panel.ready"].content = li([name(r) for r in view.ready])
            keys = []
            for ro in view.keys:
                c = cards.get(ro)
                if c and c.key_since:
                    out = t(
                        "key.out", holder=c.key_holder or "?", minutes=_minutes(now - c.key_since)
                    )
                    keys.append(f"{name(ro)} · {e(out)}")
            in_cabinet = sum(1 for c in view.jobs if c.key_state == "in_cabinet")
            keys.append(e(t("key.in_count", n=in_cabinet)))
            panels["panel.keys"].content = li(keys)
            panels["panel.devices"].content = li(
                [
                    f"{'🟢' if d.online and not d.problem else '🔴'} {e(d.device)} "
                    f"{e(t('device.online') if d.online else t('device.offline'))}"
                    f"{' · ' + e(d.problem) if d.problem else ''}"
                    for d in view.devices
                ]
            )
            alerts = []
            for a in view.alerts:
                what = name(a.ro) if a.ro else e(a.device or "")
                alerts.append(f"⚠ {e(t('alert.' + a.kind))} · {what} {e(a.detail)}")
            panels["panel.alerts"].content = li(alerts)

        def _prints() -> None:
            latest = source.recent_prints()
            ids = [p[0] for p in latest]
            if ids == shown_prints:
                return
            shown_prints[:] = ids
            prints_box.clear()
            with prints_box:
                for _id, document, state, preview in latest:
                    with ui.column().classes("items-center"):
                        ui.label(f"{document} {state}").classes("text-xs").mark("print")
                        if preview:
                            ui.image(preview).classes("w-32")

        follow(source, source.dispatch, render)
