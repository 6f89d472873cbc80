"""What the dispatch board shows, worked out once per dispatch view and language and
shared by every open board: each page only puts the strings in place."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from board.bay_queue import QueueLine, bay_queues
from board.gantt import LaneData, bar_class, lane_pieces, minutes
from core.contract.views import (
    BayRow,
    BoardCard,
    DispatchView,
    PlannedBar,
    ReservedBlock,
    TimelineBar,
)
from core.display.rules import clock_text, escalation
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
    queues: dict[str, tuple[QueueLine, ...]]  # each general bay's queue, as it is ordered


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


def _build(
    view: DispatchView, lang: Lang, t: Texts, window: tuple[datetime, datetime], zone: ZoneInfo
) -> BoardModel:
    # Positions move in steps of NOW_STEP: between steps a lane whose bars did not change
    # is the same string, so no open board is sent anything for it.
    stamp = view.updated_at.timestamp()
    now = datetime.fromtimestamp(stamp - stamp % NOW_STEP, view.updated_at.tzinfo)
    cards = {j.ro: j for j in view.jobs}
    per_bay = _lane_data(view)
    heads: dict[str, str] = {}
    lanes: dict[str, dict[str, str]] = {}
    day = view.updated_at.astimezone(zone).date()
    for row in view.bays:
        heads[row.id] = html.escape(_head_text(row, cards, t, zone, day))
        data = per_bay.get(row.id, LaneData())
        lanes[row.id] = _lane(row.id, data, cards, window, now, t, zone, lang)
    queue = _queue(view, cards, t, zone, day)
    return BoardModel(
        heads,
        lanes,
        queue,
        _movable(view, cards, queue),
        _panels(view, cards, view.updated_at, t, lang),
        bay_queues(view, t, zone),
    )


def _lane_data(view: DispatchView) -> dict[str, LaneData]:
    """Each bay's bars, planned bars and booked cars' time, in the view's order."""
    bars: dict[str, list[TimelineBar]] = {}
    planned: dict[str, list[PlannedBar]] = {}
    reserved: dict[str, list[ReservedBlock]] = {}
    for bar in view.timeline:
        bars.setdefault(bar.bay, []).append(bar)
    for plan in view.planned:
        planned.setdefault(plan.bay, []).append(plan)
    for block in view.reserved:
        reserved.setdefault(block.bay, []).append(block)
    return {
        bay: LaneData(
            tuple(bars.get(bay, ())), tuple(planned.get(bay, ())), tuple(reserved.get(bay, ()))
        )
        for bay in bars.keys() | planned.keys() | reserved.keys()
    }


def _head_text(
    row: BayRow, cards: dict[str, BoardCard], t: Texts, zone: ZoneInfo, day: date
) -> str:
    """A bay's head: its name, people, the car on it with its ETA (dated when not on the
    board's ``day``), its queue and a pause."""
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
                    predicted=clock_text(current.predicted_at, zone, day),
                    promised=clock_text(current.promised_at, zone, day),
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
    data: LaneData,
    cards: dict[str, BoardCard],
    window: tuple[datetime, datetime],
    now: datetime,
    t: Texts,
    zone: ZoneInfo,
    lang: Lang,
) -> dict[str, str]:
    """A bay's lane, worked out once for the same bars, plan, positions and language."""
    ros = {b.ro for b in data.bars} | {b.ro for b in data.planned}
    key = (
        bay,
        window,
        now,
        data,
        tuple(_drawn_as(cards[ro], now) for ro in sorted(ros) if ro in cards),
        lang,
    )
    lane = _lanes.get(key)
    if lane is None:
        lane = lane_pieces(data, cards, window, now, t, zone)
        if len(_lanes) > 10_000:
            _lanes.clear()
        _lanes[key] = lane
    return lane


def _drawn_as(card: BoardCard, now: datetime) -> tuple[object, ...]:
    """What of a job's card its bars are drawn from (the plate, colours, drag)."""
    colour = bar_class(card, now)
    return card.ro, colour, card.plate, card.priority, card.promised_at, bool(card.working_techs)


def _queue(
    view: DispatchView, cards: dict[str, BoardCard], t: Texts, zone: ZoneInfo, day: date
) -> dict[str, str]:
    """The jobs waiting for dispatch, in order, each as its line in the queue (a promise
    not on the board's ``day`` with its date)."""
    queue = {}
    for ro in view.waiting_dispatch:
        card = cards.get(ro)
        if card is None:
            continue
        flag = f" · {t('dispatch.waiting_customer')}" if card.customer_waiting else ""
        queue[ro] = (
            f"{card.ro} · {card.plate} {card.model} · {card.standard_hours:g} h · "
            f"{clock_text(card.promised_at, zone, day)}{flag}"
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
        age = t("minutes", n=minutes(now - f.reported_at))
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
            out = t("key.out", holder=c.key_holder or "—", minutes=minutes(now - c.key_since))
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
        # A device's detail is its problem code; a late car's its minutes; a job's is a
        # finding's title or a holder.
        detail = a.detail
        if a.device and a.detail:
            detail = problem_text(a.detail, lang)
        elif a.kind == "promise_at_risk" and a.detail.isdigit():
            detail = t("alert.late_by", n=int(a.detail))
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
