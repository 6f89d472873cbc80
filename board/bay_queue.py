"""A bay's queue on the dispatch board, as the foreman orders it: each job with its planned
time, moved up or down (or dragged onto another), and marked urgent (加急) or not. The job
on the lift stays first; urgent jobs stay ahead of the normal ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from core.commands import Command, ReorderQueue, SetPriority
from core.contract.views import BayRow, BoardCard, DispatchView, PlannedBar
from core.display.rules import clock_text
from core.domain.vocabulary import JobStatus, Priority

Texts = Callable[..., str]
#: Statuses of a job the foreman may move in its queue (not the one on the lift).
_MOVABLE = (JobStatus.DISPATCHED, JobStatus.PAUSED)


@dataclass(frozen=True)
class QueueLine:
    """One job of a bay's queue and where ↑ and ↓ would put it."""

    ro: str
    text: str
    urgent: bool
    on_lift: bool
    up: tuple[str | None] | None = None  # (put before this job,) ; None: cannot move up
    down: tuple[str | None] | None = None  # (put before this job or last,) ; None: cannot


def _text(card: BoardCard, plan: PlannedBar | None, t: Texts, zone: ZoneInfo, day: date) -> str:
    text = f"{card.ro[-4:]} · {card.plate} {card.model} · {card.standard_hours:g} h"
    if plan is not None and plan.end > plan.start:  # a day's date when it is not the board's
        span = f"{clock_text(plan.start, zone, day)}–{clock_text(plan.end, zone, day)}"
        text += " · " + t("queue.planned", span=span)
    if plan is not None and plan.pinned is not None:
        text += " · " + t("queue.pinned", time=clock_text(plan.pinned, zone, day))
    if card.priority is Priority.URGENT:
        text += f" · {t('priority.urgent')}"
    return text


def queue_lines(
    row: BayRow,
    cards: dict[str, BoardCard],
    planned: dict[str, PlannedBar],
    t: Texts,
    zone: ZoneInfo,
    day: date,
) -> tuple[QueueLine, ...]:
    """The bay's job on the lift, then its queue in order, each with its moves (times on
    another ``day`` than the board's with their date)."""
    queued = [cards[ro] for ro in row.queue if ro in cards]
    lines: list[QueueLine] = []
    if row.current and row.current in cards:
        card = cards[row.current]
        text = f"▶ {_text(card, planned.get(card.ro), t, zone, day)}"
        lines.append(QueueLine(card.ro, text, card.priority is Priority.URGENT, True))
    for i, card in enumerate(queued):
        lines.append(
            QueueLine(
                card.ro,
                _text(card, planned.get(card.ro), t, zone, day),
                card.priority is Priority.URGENT,
                False,
                up=_up(queued, i),
                down=_down(queued, i),
            )
        )
    return tuple(lines)


def _up(queued: list[BoardCard], i: int) -> tuple[str | None] | None:
    me = queued[i]
    if me.status not in _MOVABLE or i == 0 or queued[i - 1].priority is not me.priority:
        return None
    return (queued[i - 1].ro,)


def _down(queued: list[BoardCard], i: int) -> tuple[str | None] | None:
    me = queued[i]
    after = queued[i + 1] if i + 1 < len(queued) else None
    if me.status not in _MOVABLE or after is None or after.priority is not me.priority:
        return None
    beyond = queued[i + 2] if i + 2 < len(queued) else None
    return (beyond.ro if beyond is not None and beyond.priority is me.priority else None,)


def bay_queues(view: DispatchView, t: Texts, zone: ZoneInfo) -> dict[str, tuple[QueueLine, ...]]:
    """Every general bay's queue as the foreman orders it."""
    cards = {c.ro: c for c in view.jobs}
    planned = {p.ro: p for p in view.planned}
    day = view.updated_at.astimezone(zone).date()
    return {
        row.id: queue_lines(row, cards, planned, t, zone, day)
        for row in view.bays
        if row.kind not in ("qc", "wash")
    }


class BayQueuePanel:
    """The card where the foreman picks a bay and orders its queue."""

    def __init__(self, bays: dict[str, str], t: Texts, run: Callable[[Command, str], bool]) -> None:
        self.t = t
        self.run = run
        self.bay: str | None = next(iter(bays), None)
        self.shown: tuple[QueueLine, ...] | None = None
        self.lines: dict[str, tuple[QueueLine, ...]] = {}
        self.dragging: str | None = None
        with ui.card().classes("w-full"):
            ui.label(t("queue.title")).classes("text-lg font-semibold")
            choice = ui.select(bays, value=self.bay, label=t("queue.bay")).classes("w-full")
            choice.mark("bayq-bay").on_value_change(lambda e: self.pick(e.value))
            ui.label(t("queue.hint")).classes("text-xs text-slate-500")
            self.box = ui.column().classes("w-full gap-1").mark("bayq")

    def pick(self, bay: str | None) -> None:
        self.bay = bay
        self.show(self.lines)

    def show(self, lines: dict[str, tuple[QueueLine, ...]]) -> None:
        """Drawn again only when the chosen bay's queue changed."""
        self.lines = lines
        mine = lines.get(self.bay or "", ())
        if mine == self.shown:
            return
        self.shown = mine
        self.box.clear()
        with self.box:
            if not mine:
                ui.label(self.t("dispatch.none")).classes("text-slate-400")
            for line in mine:
                self._line(line)

    def _line(self, line: QueueLine) -> None:
        t = self.t
        css = "bayq-item w-full items-center no-wrap gap-1"
        with ui.row().classes(css + (" bayq-urgent" if line.urgent else "")) as row:
            ui.label(line.text).classes("grow leading-tight").mark(f"bayq-{line.ro}")
            if line.on_lift:
                return
            self._move("↑", "queue.up", line.ro, line.up, f"bayq-up-{line.ro}")
            self._move("↓", "queue.down", line.ro, line.down, f"bayq-down-{line.ro}")
            want = Priority.NORMAL if line.urgent else Priority.URGENT
            urgent = ui.button(
                t("queue.not_urgent" if line.urgent else "priority.urgent"),
                on_click=lambda: self.run(SetPriority(line.ro, want), line.ro),
            )
            urgent.props("dense flat no-caps").classes("whitespace-nowrap")
            urgent.mark(f"bayq-urgent-{line.ro}")
        row.props("draggable").mark(f"bayq-row-{line.ro}")
        row.on("dragstart", lambda: self._pick_up(line.ro))
        row.on("dragover.prevent", lambda: None)
        row.on("drop.prevent", lambda: self._drop_on(line.ro))

    def _move(
        self, arrow: str, tip: str, ro: str, target: tuple[str | None] | None, marker: str
    ) -> None:
        def go() -> None:
            if target is not None:
                self.run(ReorderQueue(ro, target[0]), ro)

        button = ui.button(arrow, on_click=go).props("dense flat").mark(marker)
        button.tooltip(self.t(tip))
        if target is None:
            button.disable()

    def _pick_up(self, ro: str) -> None:
        self.dragging = ro

    def _drop_on(self, ro: str, _e: Any = None) -> None:
        """A job dropped on another goes just before it."""
        moving, self.dragging = self.dragging, None
        if moving and moving != ro:
            self.run(ReorderQueue(moving, ro), moving)
