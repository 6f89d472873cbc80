"""The top of the kiosk: which bay, whether the link is up, what is still unsent, the
language, and the taps the core refused, in plain words."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from core.display.texts import error_text
from kiosk.screen import BIG, Screen

SHOWN_PROBLEMS = 3


def banner(screen: Screen, toggle_lang: Callable[[], None]) -> None:
    station, t = screen.station, screen.t
    with ui.row().classes("w-full items-center gap-6"):
        ui.label(f"{station.bay_name} · {station.bay}").classes("text-4xl font-bold")
        online = station.online
        link_text = t("kiosk.online") if online else t("kiosk.offline")
        if station.refused:  # retrying will not help: say what a person must do
            link_text = t("kiosk.refused")
        ui.label(link_text).classes(
            "text-2xl px-3 rounded " + ("bg-green-800" if online else "bg-red-700")
        ).mark("link-state")
        unsent = station.unsent()
        ui.label(t("kiosk.unsent", n=len(unsent)) if unsent else t("kiosk.all_sent")).classes(
            "text-2xl " + ("text-amber-400" if unsent else "text-gray-400")
        ).mark("unsent")
        ui.space()
        ui.button(t("language"), on_click=toggle_lang).props("outline").classes(BIG).mark(
            "language"
        )


def refusals(screen: Screen) -> None:
    """The newest taps the core did not accept: what, on which job, and why."""
    t = screen.t
    for problem in list(screen.station.problems)[:SHOWN_PROBLEMS]:
        ui.label(
            f"✗ {t(f'event.{problem.type}')} {problem.job or ''} {t('kiosk.rejected')}: "
            f"{error_text(problem.code, screen.lang)}"
        ).classes("text-2xl text-red-400").mark("problem")
