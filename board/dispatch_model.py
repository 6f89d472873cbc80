"""What the dispatch board shows, worked out once per dispatch view and language and
shared by every open board: each page only puts the strings in place."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.contract.views import BayRow, BoardCard, DispatchView, TimelineBar
from core.display.rules import escalation, overrun_level
from core.display.texts import Lang, problem_text

NOW_STEP = 30  # seconds: the line of now and running bars move in steps (≈ 1 px on a TV)

Texts = Callable[..., str]


@dataclass(frozen=True)
class BoardModel:
    heads: dict[str, str]  # a bay's name, people, current job, ETA, queue, pause
    lanes: dict[str, dict[str, str]]  # a bay's hour marks, bars and line of now, by key
    queue: dict[str, str]  # waiting for dispatch, in order
    movable: dict[str, str]  # every job that may be dispatched or moved now, queue first
    panels: dict[str, dict[str, str]]  # each panel's lines, by key


_last: dict[str, tuple[DispatchView, BoardModel]] = {}
_lanes: dict[tuple[object, ...], dict[str, str]] = {}


def board_model(
    view: DispatchView,
    lang: Lang,
    t: Texts,
    window: tuple[datetime, datetime],
    zone: ZoneInfo,
) -> BoardModel:
    cached = _last.get(lang)
    if cached is not None and cached[0] is view:
        return cached[1]
    model = _build(view, lang, t, window, zone)
    if cached is not None and model.queue == cached[1].queue:
        # Unchanged, the queue stays the same object: a page sees at a glance that it has
        # nothing to do.
        model = replace(model, queue=cached[1].queue)
    _last[lang] = (view, model)
    return model


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


_BAR_CLASS = {"normal": "bar-work", "near": "bar-amber", "over": "bar-over"}


def _bar_class(card: BoardCard | None, now: datetime) -> str:
    if card is None:
        return "bar-work"
    return _BAR_CLASS[overrun_level(card.worked_at(now), card.standard_hours)]


def lane_pieces(
    bars: list[TimelineBar],
    cards: dict[str, BoardCard],
    window: tuple[datetime, datetime],
    now: datetime,
    t: Texts,
    zone: ZoneInfo,
) -> dict[str, str]:
    """One bay's lane: hour marks, the bars of work and pause, and the line of now, each
    under a key of its own so a board sends only the bars that changed."""
    start, end = window
    span = (end - start).total_seconds()

    def pct(ts: datetime) -> float:
        return max(0.0, min(100.0, (ts - start).total_seconds() / span * 100))

    parts: dict[str, str] = {}
    hour = start.replace(minute=0) + timedelta(hours=1)
    while hour < end:
        key = f"h{hour:%H}"
        parts[key] = (
            f'<div class="gantt-hour" data-k="{key}" style="left:{pct(hour):.2f}%">{hour:%H}</div>'
        )
        hour += timedelta(hours=1)
    for bar in bars:
        until = bar.end or now
        left, right = pct(bar.start), pct(until)
        card = cards.get(bar.ro)
        if bar.kind == "pause":
            css = "bar-pause"
            label = f"{t('pause.' + (bar.reason or 'other'))} {_minutes(until - bar.start)}′"
        else:
            css = _bar_class(card, now)
            label = f"{bar.ro[-4:]} {card.plate if card else ''} {bar.tech}"
        # A job no clock runs on may be dragged to another bay.
        drag = ' draggable="true"' if card is not None and not card.working_techs else ""
        title = (
            f"{bar.ro} {bar.tech} {bar.start.astimezone(zone):%H:%M}–{until.astimezone(zone):%H:%M}"
        )
        key = html.escape(f"{bar.kind}|{bar.ro}|{bar.tech}|{bar.start.timestamp():.0f}")
        parts[key] = (
            f'<div class="gantt-bar {css}" data-k="{key}" data-ro="{html.escape(bar.ro)}"{drag} '
            f'title="{html.escape(title)}" '
            f'style="left:{left:.2f}%;width:{max(0.4, right - left):.2f}%">'
            f"{html.escape(label)}</div>"
        )
    parts["now"] = f'<div class="gantt-now" data-k="now" style="left:{pct(now):.2f}%"></div>'
    return parts


def _build(
    view: DispatchView, lang: Lang, t: Texts, window: tuple[datetime, datetime], zone: ZoneInfo
) -> BoardModel:
    # Positions move in steps of NOW_STEP: between steps a lane whose bars did not change
    # is the same string, so no open board is sent anything for it.
    stamp = view.updated_at.timestamp()
    now = datetime.fromtimestamp(stamp - stamp % NOW_STEP, view.updated_at.tzinfo)
    cards = {j.ro: j for j in view.jobs}
    per_bay: dict[str, list[TimelineBar]] = {}
    for bar in view.timeline:
        per_bay.setdefault(bar.bay, []).append(bar)
    heads: dict[str, str] = {}
    lanes: dict[str, dict[str, str]] = {}
    for row in view.bays:
        heads[row.id] = html.escape(_head_text(row, cards, t, zone))
        lanes[row.id] = _lane(row.id, per_bay.get(row.id, []), cards, window, now, t, zone, lang)
    queue = _queue(view, cards, t, zone)
    return BoardModel(
        heads,
        lanes,
        queue,
        _movable(view, cards, queue),
        _panels(view, cards, view.updated_at, t, lang),
    )


def _head_text(row: BayRow, cards: dict[str, BoardCard], t: Texts, zone: ZoneInfo) -> str:
    """A bay's head: its name, people, the car on it with its ETA, its queue and a pause."""
    techs = ", ".join(x.name for x in row.techs) or "—"
    current = cards.get(row.current) if row.current else None
    paused = [r for r in row.queue if cards.get(r) and cards[r].pause_reason]
    text = f"{row.id} {row.name} · {techs}"
    if current:
        text += f" · ▶ {current.plate}"
        if current.predicted_at:
            late = " ⚠" if current.predicted_at > current.promised_at else ""
            text += (
                " · "
                + t(
                    "dispatch.eta",
                    predicted=f"{current.predicted_at.astimezone(zone):%H:%M}",
                    promised=f"{current.promised_at.astimezone(zone):%H:%M}",
                )
                + late
            )
    if row.queue:
        text += f" · +{len(row.queue)}"
    if paused:
        text += f" · ‖ {t('pause.' + (cards[paused[0]].pause_reason or 'other'))}"
    return text


def _lane(
    bay: str,
    bars: list[TimelineBar],
    cards: dict[str, BoardCard],
    window: tuple[datetime, datetime],
    now: datetime,
    t: Texts,
    zone: ZoneInfo,
    lang: Lang,
) -> dict[str, str]:
    """A bay's lane, worked out once for the same bars, positions and language."""
    key = (
        bay,
        window,
        now,
        tuple(bars),
        tuple(
            (b.ro, _bar_class(cards.get(b.ro), now), cards[b.ro].plate if b.ro in cards else "")
            for b in bars
        ),
        lang,
    )
    lane = _lanes.get(key)
    if lane is None:
        lane = lane_pieces(bars, cards, window, now, t, zone)
        if len(_lanes) > 10_000:
            _lanes.clear()
        _lanes[key] = lane
    return lane


def _queue(
    view: DispatchView, cards: dict[str, BoardCard], t: Texts, zone: ZoneInfo
) -> dict[str, str]:
    """The jobs waiting for dispatch, in order, each as its line in the queue."""
    queue = {}
    for ro in view.waiting_dispatch:
        card = cards.get(ro)
        if card is None:
            continue
        flag = f" · {t('dispatch.waiting_customer')}" if card.customer_waiting else ""
        queue[ro] = (
            f"{card.ro} · {card.plate} {card.model} · {card.standard_hours:g} h · "
            f"{card.promised_at.astimezone(zone):%H:%M}{flag}"
        )
    return queue


def _movable(
    view: DispatchView, cards: dict[str, BoardCard], queue: dict[str, str]
) -> dict[str, str]:
    """Every job that may be dispatched or moved now: the queue first, then the jobs
    standing in a general bay's queue with no clock running on them."""
    movable = dict(queue)
    for row in view.bays:
        for ro in row.queue:
            card = cards.get(ro)
            if card is not None and not card.working_techs and row.kind not in ("qc", "wash"):
                movable[ro] = f"{ro} · {card.plate} · {row.id}"
    return movable


def _lines(items: list[tuple[str, str]], t: Texts) -> dict[str, str]:
    """A panel's keyed lines (already HTML), each with its place as its CSS order."""
    e = html.escape
    if not items:
        return {"none": f'<div data-k="none" class="text-slate-400">{e(t("dispatch.none"))}</div>'}
    return {
        key: f'<div data-k="{e(key)}" style="order:{i}">{item}</div>'
        for i, (key, item) in enumerate(items)
    }


def _name(ro: str, cards: dict[str, BoardCard]) -> str:
    """A job in a panel: its repair order, linked to its timeline, and its plate."""
    e = html.escape
    c = cards.get(ro)
    return f'<a href="/orders/{e(ro)}">{e(ro)}</a> {e(c.plate) if c else ""}'


def _finding_lines(
    view: DispatchView, cards: dict[str, BoardCard], now: datetime, t: Texts
) -> list[tuple[str, str]]:
    e = html.escape
    findings = []
    for ref in view.pending_findings:
        ro, fid = ref.split("/", 1)
        card = cards.get(ro)
        f = next((x for x in card.findings if x.id == fid), None) if card else None
        if f is None:
            continue
        urgency = escalation(now, f.call_at, f.escalate_at)
        level = ""
        if urgency != "none":
            level = f' <span class="esc-{urgency}">{e(t("escalation." + urgency))}</span>'
        age = t("minutes", n=_minutes(now - f.reported_at))
        findings.append((ref, f"{_name(ro, cards)} · {e(f.title)} · {e(age)}{level}"))
    return findings


def _key_lines(
    view: DispatchView, cards: dict[str, BoardCard], now: datetime, t: Texts
) -> list[tuple[str, str]]:
    """Keys out and with whom, then how many hang in the cabinet and on which hooks."""
    e = html.escape
    keys = []
    for ro in view.keys:
        c = cards.get(ro)
        if c and c.key_since:
            out = t("key.out", holder=c.key_holder or "—", minutes=_minutes(now - c.key_since))
            keys.append((f"out:{ro}", f"{_name(ro, cards)} · {e(out)}"))
    hung = sorted(
        (c for c in view.jobs if c.key_state == "in_cabinet"), key=lambda c: c.key_slot or 0
    )
    keys.append(("in", e(t("key.in_count", n=len(hung)))))
    keys += [
        (f"in:{c.ro}", f"{_name(c.ro, cards)} · {e(t('key.slot', slot=c.key_slot or '?'))}")
        for c in hung
    ]
    return keys


def device_name(device: str, t: Texts) -> str:
    """A device as the board names it: the core, a bay's kiosk, a printer; others by id."""
    if device == "core":
        return t("device.core")
    kind, _, rest = device.partition("-")
    if kind == "kiosk" and rest:
        return t("device.kiosk", bay=rest.upper())
    if kind == "printer" and rest:
        return t("source.printer", printer=rest)
    return device


def _device_lines(view: DispatchView, t: Texts, lang: Lang) -> list[tuple[str, str]]:
    e = html.escape
    return [
        (
            d.device,
            f'<span style="color:{"#16a34a" if d.online and not d.problem else "#dc2626"}">'
            f"●</span> {e(device_name(d.device, t))} "
            f"{e(t('device.online') if d.online else t('device.offline'))}"
            f"{' · ' + e(problem_text(d.problem, lang)) if d.problem else ''}",
        )
        for d in view.devices
    ]


def _alert_lines(
    view: DispatchView, cards: dict[str, BoardCard], t: Texts, lang: Lang
) -> list[tuple[str, str]]:
    e = html.escape
    alerts = []
    for a in view.alerts:
        what = _name(a.ro, cards) if a.ro else e(a.device or "")
        # A device's detail is its problem code; a job's is a finding's title or a holder.
        detail = problem_text(a.detail, lang) if a.device and a.detail else a.detail
        key = f"{a.kind}:{a.ro or a.device or a.detail}"
        alerts.append((key, f"⚠ {e(t('alert.' + a.kind))} · {what} {e(detail)}"))
    return alerts


def _panels(
    view: DispatchView, cards: dict[str, BoardCard], now: datetime, t: Texts, lang: Lang
) -> dict[str, dict[str, str]]:
    """Each panel as keyed lines (one per job, finding, key or device): a board sends only
    the lines that changed, and their place travels with them (CSS order)."""

    def jobs(ros: list[str]) -> dict[str, str]:
        return _lines([(r, _name(r, cards)) for r in ros], t)

    return {
        "panel.alerts": _lines(_alert_lines(view, cards, t, lang), t),
        "panel.findings": _lines(_finding_lines(view, cards, now, t), t),
        "panel.keys": _lines(_key_lines(view, cards, now, t), t),
        "panel.qc": jobs(view.qc_queue),
        "panel.wash": jobs(view.wash_queue),
        "panel.ready": jobs(view.ready),
        "panel.devices": _lines(_device_lines(view, t, lang), t),
    }
