"""Asking the parts counter for parts (领料) from the bay: the usual parts of the job's
operations one tap each, or one typed, each with its quantity; the job paused as waiting
parts with it if the technician says so. And the job's requests with where each stands,
the parts ready said loud."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nicegui import ui

from core.catalogue import CataloguePart, parts_for
from core.contract.views import JobCard, PartsLine
from core.domain.vocabulary import PartsState
from kiosk.dialogs import framed, ok_or_cancel
from kiosk.screen import BIG, Screen

CHOICES = 12  # usual parts on one screen
_STATE_CLASS = {
    PartsState.READY: "text-green-400 font-bold",
    PartsState.DELIVERED: "text-green-300",
    PartsState.NOT_IN_STOCK: "text-red-400 font-bold",
}


@dataclass
class PartsForm:
    """The parts chosen so far, by the catalogue's code (or the typed name)."""

    screen: Screen
    chosen: dict[str, dict[str, Any]] = field(default_factory=dict)
    box: ui.column | None = None

    def add(self, key: str, name: str, qty: float, code: str = "") -> None:
        if key in self.chosen:
            self.chosen[key]["qty"] += qty
        else:
            self.chosen[key] = {"code": code, "name": name, "qty": qty}
        self.show()

    def drop(self, key: str) -> None:
        self.chosen.pop(key, None)
        self.show()

    def show(self) -> None:
        if self.box is None:
            return
        self.box.clear()
        with self.box:
            for key, line in self.chosen.items():
                with ui.row().classes("items-center gap-3"):
                    ui.label(f"{line['name']} ×{line['qty']:g}").classes("text-2xl").mark(
                        f"chosen-{key}"
                    )
                    ui.button(icon="close", on_click=lambda k=key: self.drop(k)).props(
                        "flat round dense color=grey-5"
                    )


def request_parts(screen: Screen, card: JobCard, tech: str) -> None:
    dialog = screen.form
    with framed(dialog, f"{screen.t('kiosk.parts_title')} · {card.ro}", "w-[960px] max-w-full"):
        form = PartsForm(screen)
        _usual(screen, card, form)
        _typed(screen, form)
        form.box = ui.column().classes("gap-1 w-full").mark("parts-chosen")
        pause = ui.checkbox(screen.t("kiosk.parts_pause"), value=True).classes("text-2xl")
        pause.mark("parts-pause")

        def submit() -> bool:
            if not form.chosen:
                ui.notify(screen.t("kiosk.parts_choose"), type="negative", position="center")
                return False
            lines = list(form.chosen.values())
            sent = screen.act(lambda s: s.request_parts(card.ro, tech, lines, bool(pause.value)))
            return sent is not None

        ok_or_cancel(screen, dialog, screen.t("kiosk.parts_send"), submit, "parts-submit")


def _usual(screen: Screen, card: JobCard, form: PartsForm) -> None:
    """The usual parts of the job's operations, one tap each (a second tap: one more)."""
    usual = parts_for(op.code for op in card.operations)[:CHOICES]
    if not usual:
        return
    ui.label(screen.t("kiosk.parts_usual")).classes("text-xl text-gray-400")
    with ui.grid(columns=3).classes("gap-2 w-full"):
        for part in usual:
            ui.button(_name(screen, part), on_click=lambda p=part: _pick(screen, form, p)).props(
                "no-caps outline"
            ).classes("text-xl min-h-[72px]").mark(f"part-{part.code}")


def _pick(screen: Screen, form: PartsForm, part: CataloguePart) -> None:
    # The counter's staff read Chinese names; the screen may speak English.
    form.add(part.code, part.name_zh, part.qty, part.code)


def _name(screen: Screen, part: CataloguePart) -> str:
    name = part.name_zh if screen.lang == "zh" else part.name_en
    return f"{name} ×{part.qty:g}"


def _typed(screen: Screen, form: PartsForm) -> None:
    t = screen.t
    with ui.row().classes("items-end gap-3 w-full"):
        name = ui.input(t("kiosk.parts_typed")).props("dark outlined").classes("text-2xl grow")
        name.mark("parts-typed")
        qty = ui.number(t("kiosk.parts_qty"), value=1, min=1, max=999, step=1, format="%.0f")
        qty.props("dark outlined").classes("text-2xl w-32").mark("parts-qty")

        def add() -> None:
            typed = " ".join((name.value or "").split())
            if typed:
                form.add("typed-" + typed, typed, float(qty.value or 1))
                name.set_value("")

        ui.button(t("kiosk.parts_add"), on_click=add).classes("text-xl").mark("parts-add")


def parts_lines(screen: Screen, card: JobCard, tech: str | None) -> None:
    """The job's parts requests and where each stands; parts ready are said loud."""
    if not card.parts:
        return
    t = screen.t
    ui.label(t("kiosk.parts_requests")).classes("text-xl text-gray-400")
    for line in card.parts:
        if line.state is PartsState.READY:
            ready = t("kiosk.parts_ready", items="、".join(line.items))
            ui.label(ready).classes("text-3xl text-green-400 font-bold").mark(
                f"parts-ready-{line.id}"
            )
        with ui.row().classes("items-center gap-3").mark(f"parts-{line.id}"):
            ui.label(_words(screen, line)).classes(
                "text-2xl " + _STATE_CLASS.get(line.state, "text-amber-300")
            ).mark(f"parts-state-{line.id}")
            open_ = line.state in (PartsState.REQUESTED, PartsState.NOT_IN_STOCK)
            if open_ and tech is not None:
                ui.button(
                    t("kiosk.parts_cancel"),
                    on_click=lambda i=line.id: screen.act(
                        lambda s: s.cancel_parts(card.ro, tech, i)
                    ),
                ).props("outline color=grey-5").classes(BIG).mark(f"parts-cancel-{line.id}")


def _words(screen: Screen, line: PartsLine) -> str:
    t = screen.t
    state = t(f"parts_state.{line.state.value}")
    if line.state is PartsState.NOT_IN_STOCK and line.expected_at is not None:
        day = line.expected_at.astimezone(screen.station.config.zone)
        state += " · " + t("counter.expected", day=f"{day:%m-%d}")
    return f"{screen.hm(line.requested_at)} {'、'.join(line.items)} — {state}"
