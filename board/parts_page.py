"""The parts counter's live board (配件部 · 领料): the bays' parts requests oldest first, with
bay, repair order, car, who asked and the items, and how long the bay has waited; each
picked, ready (or brought to the bay), or not in stock with the date it is expected, which
tells the car's advisor and the foreman. The requests handed out lately stay in sight."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from nicegui import ui

from board.auth import require
from board.date_words import dated
from board.desk_common import Desk
from board.frame import TAB_TITLE, frame, language, roles_of
from board.live import follow
from board.source import BoardSource
from core.commands import HandOutParts, PartsNotInStock, PickParts
from core.contract.parts_board import CounterRequest, PartsBoard
from core.domain.vocabulary import PartsState

_COLOURS = {
    PartsState.REQUESTED: "bg-amber-50",
    PartsState.PICKING: "bg-sky-50",
    PartsState.NOT_IN_STOCK: "bg-red-50",
}


class PartsPage:
    """The parts counter's board on one screen, redrawn when the core's changes."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.t
        self.source = desk.source
        self.techs = {t.id: t.name for t in desk.config.technicians}
        self._scan_field()
        self.waiting_box = self._card("counter.waiting", "waiting")
        self.served_box = self._card("counter.served", "served")

    def _scan_field(self) -> None:
        """The pick slip's QR scanned when its parts are put out: the request is ready."""
        scan = ui.input(placeholder=self.t("counter.scan")).props("outlined dense clearable")
        scan.classes("w-96").mark("scan")

        def scanned() -> None:
            code = (scan.value or "").strip()
            scan.set_value("")
            ro, _, rid = code.rpartition("/")
            if not ro or not rid:
                ui.notify(self.t("counter.not_a_slip"), type="warning")
                return
            self._run(HandOutParts(ro, rid))

        scan.on("keydown.enter", scanned)

    def _card(self, title: str, marker: str) -> ui.column:
        with ui.card().classes("w-full"):
            ui.label(self.t(title)).classes("text-lg font-semibold")
            return ui.column().classes("w-full gap-2").mark(marker)

    def redraw(self) -> None:
        board = self.source.parts()
        if board is not None:
            self.render(board)

    def render(self, board: PartsBoard) -> None:
        now = self.source.now()
        self.waiting_box.clear()
        with self.waiting_box:
            self._none_if(not board.waiting, "waiting")
            for line in board.waiting:
                self._waiting_row(line, now)
        self.served_box.clear()
        with self.served_box:
            self._none_if(not board.served, "served")
            for line in board.served:
                self._served_row(line)

    # ----------------------------------------------------------------- rows
    def _head(self, line: CounterRequest) -> None:
        t, r = self.t, line.request
        ui.label(t("counter.bay", bay=line.bay)).classes("text-xl font-bold w-24")
        with ui.column().classes("gap-0 w-56"):
            ui.label(f"{line.ro}").classes("font-semibold")
            ui.label(f"{line.plate} {line.model}").classes("text-sm text-slate-600")
            name = self.techs.get(r.tech, r.tech)
            ui.label(f"{t('counter.tech', name=name)} · {self.desk.hhmm(r.requested_at)}").classes(
                "text-sm text-slate-600"
            )
        with ui.column().classes("gap-0 grow"):
            for item in r.items:
                ui.label(item).classes("text-base")

    def _waiting_row(self, line: CounterRequest, now: datetime) -> None:
        t, r = self.t, line.request
        minutes = max(0, int((now - r.requested_at).total_seconds() // 60))
        row = ui.row().classes(f"items-center gap-4 w-full p-2 rounded {_COLOURS[r.state]}")
        with row.mark(f"request-{r.id}"):
            self._head(line)
            with ui.column().classes("gap-1 items-end"):
                ui.label(t("counter.age", n=minutes)).classes("font-semibold").mark(f"age-{r.id}")
                state = t(f"parts_state.{r.state.value}")
                if r.state is PartsState.NOT_IN_STOCK and r.expected_at is not None:
                    state += " · " + t("counter.expected", day=self._day(r.expected_at))
                ui.label(state).mark(f"state-{r.id}")
                if r.paused:
                    ui.badge(t("counter.paused"), color="negative")
            self._actions(line)

    def _actions(self, line: CounterRequest) -> None:
        t, r = self.t, line.request
        with ui.column().classes("gap-1"):
            if r.state is PartsState.REQUESTED:
                pick = PickParts(line.ro, r.id)
                ui.button(t("counter.pick"), on_click=lambda: self._run(pick)).mark(f"pick-{r.id}")
            ready = HandOutParts(line.ro, r.id)
            ui.button(t("counter.ready"), on_click=lambda: self._run(ready)).props(
                "color=positive"
            ).mark(f"ready-{r.id}")
            brought = HandOutParts(line.ro, r.id, delivered=True)
            ui.button(t("counter.deliver"), on_click=lambda: self._run(brought)).props(
                "outline"
            ).mark(f"deliver-{r.id}")
            ui.button(t("counter.short"), on_click=lambda: self._short(line)).props(
                "flat color=negative"
            ).mark(f"short-{r.id}")

    def _served_row(self, line: CounterRequest) -> None:
        t, r = self.t, line.request
        waited = int(((r.served_at or r.requested_at) - r.requested_at).total_seconds() // 60)
        with ui.row().classes("items-center gap-4 w-full p-2 border-b").mark(f"served-{r.id}"):
            self._head(line)
            ui.label(t(f"parts_state.{r.state.value}")).mark(f"state-{r.id}")
            ui.label(t("counter.waited", n=waited)).classes("text-slate-600")
            if r.state is PartsState.READY:
                brought = HandOutParts(line.ro, r.id, delivered=True)
                ui.button(t("counter.deliver"), on_click=lambda: self._run(brought)).props(
                    "outline dense"
                ).mark(f"deliver-{r.id}")

    # ----------------------------------------------------------------- steps
    def _run(self, command: PickParts | HandOutParts | PartsNotInStock) -> None:
        if self.desk.run(command) is not None:
            self.redraw()

    def _short(self, line: CounterRequest) -> None:
        """Not in stock: the date it is expected, then the advisor and the foreman are told."""
        t = self.t
        with ui.dialog() as dialog, ui.card().mark("short-dialog"):
            ui.label(f"{t('counter.short')} · {line.ro} · {', '.join(line.request.items)}")
            today = self.desk.today()
            picked = dated(ui.date(value=today.isoformat()), t, t("counter.expected_on"), today)
            picked.mark("expected-date")

            def confirm() -> None:
                expected = self._expected(picked.value)
                self._run(PartsNotInStock(line.ro, line.request.id, expected))
                dialog.close()

            with ui.row():
                ui.button(t("counter.short_confirm"), on_click=confirm).props(
                    "color=negative"
                ).mark("short-confirm")
                ui.button(t("kiosk.cancel"), on_click=dialog.close).props("flat")
        dialog.open()

    def _expected(self, value: Any) -> datetime | None:
        """The day picked, as the start of that day on the site's clock."""
        if not value:
            return None
        day = date.fromisoformat(str(value))
        return datetime.combine(day, time(0), tzinfo=self.desk.zone)

    def _day(self, at: datetime) -> str:
        return f"{at.astimezone(self.desk.zone):%m-%d}"

    def _none_if(self, empty: bool, marker: str) -> None:
        if empty:
            ui.label(self.t("dispatch.none")).classes("text-slate-400").mark(f"{marker}-none")


def register_parts(source: BoardSource) -> None:
    @ui.page("/parts", title=TAB_TITLE)
    def parts_page() -> None:
        user: dict[str, Any] | None = require("/parts", *roles_of("/parts"))
        if user is None:
            return
        t = frame(source.config, user, "counter.title")
        page = PartsPage(Desk(source, user, t, language(source.config)))
        follow(source, source.parts, page.render)
        # How long each bay has waited grows with no change to the board: said again
        # every minute.
        ui.timer(60, page.redraw)
