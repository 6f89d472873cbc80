"""One bay's lane of the dispatch board's Gantt: the hour marks; along the top, the plan
(排班: each queued job's planned bar, and the time reserved for booked cars); below it, what
really happened (the bars of work and pause); and the line of now. Each piece under a key
of its own, so a board sends only the pieces that changed."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.contract.views import BoardCard, PlannedBar, ReservedBlock, TimelineBar
from core.display.rules import overrun_level
from core.domain.vocabulary import Priority

Texts = Callable[..., str]

_BAR_CLASS = {"normal": "bar-work", "near": "bar-amber", "over": "bar-over"}

#: The lanes' look: the plan along the top of a row, the work done below it.
CSS = """
.gantt-row { height: 56px; border-bottom: 1px solid #e2e8f0; contain: strict; }
.gantt-lane { position: relative; height: 100%; background: #f8fafc; flex-grow: 1; }
.gantt-bar { position: absolute; top: 26px; height: 26px; border-radius: 4px; color: white;
  font-size: 12px; line-height: 1.2; padding: 2px 4px; overflow: hidden; white-space: nowrap;
  box-sizing: border-box; }
.bar-work { background: #2563eb; }
.bar-amber { background: #d97706; }
.bar-over { background: #dc2626; }
.bar-pause { color: #0f172a; top: 29px; height: 20px;
  background: repeating-linear-gradient(45deg, #94a3b8 0 6px, #cbd5e1 6px 12px); }
.bar-plan { top: 3px; height: 20px; color: #1e3a8a; background: rgba(37, 99, 235, .10);
  border: 1.5px dashed #2563eb; font-size: 11px; padding: 1px 0; text-indent: 3px; }
.bar-plan.plan-late { border-color: #d97706; color: #92400e; background: rgba(217, 119, 6, .10); }
.bar-plan.plan-urgent { border-style: solid; border-color: #dc2626; }
.bar-plan.plan-pinned { border-left: 4px solid #1e3a8a; }
.bar-reserved { top: 3px; height: 20px; color: #4c1d95; border: 1px solid #7c3aed;
  font-size: 11px; padding: 1px 0; text-indent: 3px;
  background: repeating-linear-gradient(135deg, #ede9fe 0 6px, #ddd6fe 6px 12px); }
.gantt-now { position: absolute; top: 0; bottom: 0; width: 2px; background: #ef4444;
  z-index: 1; }
.gantt-hour { position: absolute; top: 0; bottom: 0; border-left: 1px dashed #cbd5e1;
  font-size: 11px; color: #64748b; padding-left: 2px; display: flex; align-items: flex-end; }
.gantt-legend { font-size: 12px; color: #475569; display: flex; gap: 1rem; align-items: center; }
.gantt-legend span.key { display: inline-block; width: 28px; height: 12px; margin-right: 4px;
  vertical-align: middle; border-radius: 3px; position: static; }
"""


@dataclass(frozen=True)
class Scale:
    """Where a moment falls across the Gantt's window, in percent of its width."""

    start: datetime
    end: datetime

    def pct(self, ts: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return max(0.0, min(100.0, (ts - self.start).total_seconds() / span * 100))

    def shows(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start

    def style(self, start: datetime, end: datetime, least: float = 0.4) -> str:
        """Where a bar goes; at least ``least`` percent wide, so a short one is seen (the
        plan's bars are their true width: one follows another without a gap)."""
        left, right = self.pct(start), self.pct(end)
        return f"left:{left:.2f}%;width:{max(least, right - left):.2f}%"


def minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def bar_class(card: BoardCard | None, now: datetime) -> str:
    if card is None:
        return "bar-work"
    return _BAR_CLASS[overrun_level(card.worked_at(now), card.standard_hours)]


def _piece(key: str, css: str, style: str, title: str, label: str, extra: str = "") -> str:
    e = html.escape
    return (
        f'<div class="gantt-bar {css}" data-k="{e(key)}"{extra} title="{e(title)}" '
        f'style="{style}">{e(label)}</div>'
    )


def _hm(ts: datetime, zone: ZoneInfo) -> str:
    return f"{ts.astimezone(zone):%H:%M}"


def hour_marks(scale: Scale) -> dict[str, str]:
    parts: dict[str, str] = {}
    hour = scale.start.replace(minute=0) + timedelta(hours=1)
    while hour < scale.end:
        key = f"h{hour:%H}"
        parts[key] = (
            f'<div class="gantt-hour" data-k="{key}" style="left:{scale.pct(hour):.2f}%">'
            f"{hour:%H}</div>"
        )
        hour += timedelta(hours=1)
    return parts


def planned_piece(
    bar: PlannedBar, card: BoardCard | None, scale: Scale, t: Texts, zone: ZoneInfo
) -> tuple[str, str]:
    """A queued job as planned: dashed along the top; amber when it would end after the
    time promised, solid red-edged when urgent, a thick left edge when the foreman set its
    start. It is dragged like the job's own bars: along its row to another time too."""
    css = "bar-plan"
    if card is not None and bar.end > card.promised_at:
        css += " plan-late"
    if card is not None and card.priority is Priority.URGENT:
        css += " plan-urgent"
    span = f"{_hm(bar.start, zone)}–{_hm(bar.end, zone)}"
    label = f"{bar.ro[-4:]} {card.plate if card else ''}"
    title = t("gantt.planned", ro=bar.ro, span=span)
    if bar.pinned is not None:
        css += " plan-pinned"
        title += " · " + t("gantt.pinned", time=_hm(bar.pinned, zone))
    drag = ' draggable="true"' if card is not None and not card.working_techs else ""
    key = f"plan|{bar.ro}"
    extra = f' data-ro="{html.escape(bar.ro)}"{drag}'
    return key, _piece(key, css, scale.style(bar.start, bar.end, 0), title, label, extra)


def reserved_piece(block: ReservedBlock, scale: Scale, t: Texts, zone: ZoneInfo) -> tuple[str, str]:
    """A booked car's time on the bay: its reception slot, masked plate and model."""
    label = t("gantt.reserved", time=_hm(block.booked_at, zone), plate=block.plate)
    span = f"{_hm(block.start, zone)}–{_hm(block.end, zone)}"
    state = t(f"appointment.{block.state}")
    title = f"{label} {block.model} · {span} · {state}"
    key = f"resv|{block.appointment}"
    style = scale.style(block.start, block.end, 0)
    return key, _piece(key, "bar-reserved", style, title, label)


def actual_piece(
    bar: TimelineBar,
    card: BoardCard | None,
    scale: Scale,
    now: datetime,
    t: Texts,
    zone: ZoneInfo,
) -> tuple[str, str]:
    """A technician's stretch of work or pause, as it happened (to now while it runs)."""
    until = bar.end or now
    if bar.kind == "pause":
        css = "bar-pause"
        label = f"{t('pause.' + (bar.reason or 'other'))} {minutes(until - bar.start)}′"
    else:
        css = bar_class(card, now)
        label = f"{bar.ro[-4:]} {card.plate if card else ''} {bar.tech}"
    # A job no clock runs on may be dragged to another bay.
    drag = ' draggable="true"' if card is not None and not card.working_techs else ""
    title = f"{bar.ro} {bar.tech} {_hm(bar.start, zone)}–{_hm(until, zone)}"
    key = f"{bar.kind}|{bar.ro}|{bar.tech}|{bar.start.timestamp():.0f}"
    extra = f' data-ro="{html.escape(bar.ro)}"{drag}'
    return key, _piece(key, css, scale.style(bar.start, until), title, label, extra)


@dataclass(frozen=True)
class LaneData:
    """What one bay's lane is drawn from."""

    bars: tuple[TimelineBar, ...] = ()
    planned: tuple[PlannedBar, ...] = ()
    reserved: tuple[ReservedBlock, ...] = ()


def lane_pieces(
    data: LaneData,
    cards: dict[str, BoardCard],
    window: tuple[datetime, datetime],
    now: datetime,
    t: Texts,
    zone: ZoneInfo,
) -> dict[str, str]:
    """One bay's lane, each piece under its key. The plan's pieces outside the window are
    left out (tomorrow's plan is on no bar of today), and so is the planned bar of a job with
    no work left by its standard hours (an overrun on the lift: its own bar shows it)."""
    scale = Scale(*window)
    parts = hour_marks(scale)
    for block in data.reserved:
        if scale.shows(block.start, block.end):
            key, piece = reserved_piece(block, scale, t, zone)
            parts[key] = piece
    for plan in data.planned:
        if plan.end > plan.start and scale.shows(plan.start, plan.end):
            key, piece = planned_piece(plan, cards.get(plan.ro), scale, t, zone)
            parts[key] = piece
    for bar in data.bars:
        key, piece = actual_piece(bar, cards.get(bar.ro), scale, now, t, zone)
        parts[key] = piece
    parts["now"] = f'<div class="gantt-now" data-k="now" style="left:{scale.pct(now):.2f}%"></div>'
    return parts


def legend(t: Texts) -> str:
    """What the lanes' bars mean."""
    e = html.escape
    keys = [
        ("bar-plan", "gantt.legend_planned"),
        ("bar-work", "gantt.legend_actual"),
        ("bar-pause", "gantt.legend_pause"),
        ("bar-reserved", "gantt.legend_reserved"),
    ]
    return "".join(
        f'<span><span class="gantt-bar key {css}"></span>{e(t(key))}</span>' for css, key in keys
    )
