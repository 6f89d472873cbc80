"""The frame of the group dashboard's pages: title, the pages, clock, who is signed in,
language and sign-out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nicegui import ui

from board.frame import chosen_language, sign_out_button, switch_language, tab_title
from core.display.texts import Lang, Texts, texts_for

from .config import HubConfig

#: The dashboard's pages in its menu: path, title key.
MENU = (("/group", "group.live"), ("/group/figures", "group.figures"))

Clock = Callable[[], datetime]


def dashboard_language(config: HubConfig) -> Lang:
    return chosen_language(config.hub.language)


def dashboard_frame(config: HubConfig, user: dict[str, Any], title_key: str, clock: Clock) -> Texts:
    """Draw the header and hand back the page's words in the user's language."""
    t = texts_for(dashboard_language(config))
    ui.page_title(tab_title(t(title_key)))
    with ui.header().classes("items-center justify-between bg-slate-800 px-4 py-2"):
        with ui.row().classes("items-center gap-4"):
            ui.label(f"{config.hub.name} · {t(title_key)}").classes("text-xl")
            for path, key in MENU:
                ui.link(t(key), path).classes("text-slate-200").mark(f"menu-{key}")
        with ui.row().classes("items-center gap-4"):
            clock_label = ui.label().classes("font-mono text-lg")
            role = t("role." + str(user["role"]))
            ui.label(f"{user['name']} ({role})").mark("signed-in")
            ui.button(t("language"), on_click=lambda: switch_language(config.hub.language)).props(
                "flat color=white dense"
            ).mark("language")
            sign_out_button(t)

    def tick() -> None:
        clock_label.text = clock().astimezone(config.zone).strftime("%H:%M")

    tick()
    ui.timer(15.0, tick)
    return t


def local(config: HubConfig, at: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A time in head office's zone, or "—"."""
    return "—" if at is None else at.astimezone(config.zone).strftime(fmt)


def utc_now() -> datetime:
    return datetime.now(UTC)
