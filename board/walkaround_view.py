"""The order page's walk-around (环车检查): the latest signed record — the outline with its
marks, fuel, mileage, belongings, papers and the customer's signature — and the way to
record it, for advisors and managers while the car is in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from board.car_outline import outline_svg
from board.walkaround_page import RECORDERS, mark_words, walkaround_path
from core.domain.model import OPEN_STATUSES, WalkAround

if TYPE_CHECKING:
    from board.orders import OrderPage


def walkaround_section(page: OrderPage) -> None:
    t = page.t
    records = page.source.walkarounds(page.ro)
    with ui.card().classes("w-full mt-4").mark("walkaround"):
        with ui.row().classes("items-center gap-4"):
            ui.label(t("walk.section")).classes("text-lg")
            if page.user["role"] in RECORDERS and page.job.status in OPEN_STATUSES:
                again = "walk.again" if records else "walk.open"
                ui.link(t(again), walkaround_path(page.ro)).mark("walkaround-open")
        if not records:
            ui.label(t("walk.none")).classes("text-slate-500").mark("walkaround-none")
            return
        _record(page, records[-1])
        if len(records) > 1:
            ui.label(t("walk.earlier", n=len(records) - 1)).classes("text-sm text-slate-500")


def _record(page: OrderPage, walk: WalkAround) -> None:
    t, sheet = page.t, walk.sheet
    none = t("copy.none")
    with ui.row().classes("items-start gap-6"):
        with ui.column().classes("gap-0 items-center shrink-0"):
            ui.label(t("walk.front")).classes("text-xs text-slate-500")
            ui.html(outline_svg(sheet.marks), sanitize=False).classes("w-[320px]").mark(
                "walk-outline"
            )
        with ui.column().classes("gap-1"):
            for n, mark in enumerate(sheet.marks, start=1):
                ui.label(mark_words(t, n, mark)).mark(f"walk-mark-{n}")
            if not sheet.marks:
                ui.label(t("walk.no_marks")).mark("walk-no-marks")
            facts = (
                ("walk.fuel", t(f"fuel.{sheet.fuel_level}")),
                ("walk.mileage", f"{sheet.mileage_km:,}"),
                ("walk.belongings", "、".join(sheet.belongings) or none),
                (
                    "walk.documents",
                    "、".join(t(f"car_document.{d.value}") for d in sheet.documents) or none,
                ),
            )
            for key, value in facts:
                ui.label(f"{t(key)}: {value}").mark(f"walk-{key.partition('.')[2]}")
            ui.label(t("walk.reminded")).classes("text-sm text-slate-600")
            at = walk.at.astimezone(page.zone).strftime("%Y-%m-%d %H:%M")
            ui.label(t("walk.recorded", by=page.words.source(walk.by), at=at)).mark("walk-by")
            signed = ui.image(sheet.signature).classes("w-[480px] border rounded bg-white")
            signed.mark("walk-signature")
