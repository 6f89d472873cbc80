"""Every page the core serves: lounge, welcome board, status, dispatch, schedule, desk,
orders, reports, sign-in and the service manager's sign-ins and API tokens; and the guard in
front of all of it."""

from __future__ import annotations

from nicegui import app, ui

from board.access_page import register_access
from board.auth import current_user, register_login
from board.desk import register_desk
from board.dispatch import register_dispatch
from board.frame import TAB_TITLE, language, menu, sign_out_button, tab_title
from board.guard import install as install_guard
from board.help_calls import register_help
from board.live import STATIC_DIR, STATIC_URL
from board.lounge import register_lounge
from board.my_cars import register_my_cars
from board.orders import register_orders
from board.parts_page import register_parts
from board.reports import register_reports
from board.schedule import register_schedule
from board.source import BoardSource
from board.walkaround_page import register_walkaround
from board.welcome_board import register_welcome
from core.contract.pairing import PairingBook
from core.display.texts import texts_for


def register(
    source: BoardSource,
    kiosk_bays: list[str] | None = None,
    pairings: PairingBook | None = None,
) -> None:
    """Every board; ``pairings`` when this process serves kiosk pages (the screens that
    show them are paired on the dispatch board)."""
    config = source.config
    install_guard(source)
    app.add_static_files(STATIC_URL, STATIC_DIR)
    register_login(source)
    register_lounge(source)
    register_welcome(source)
    register_dispatch(source, pairings, kiosk_bays)
    register_schedule(source)
    register_desk(source)
    register_my_cars(source)
    register_parts(source)
    register_help(source)
    register_orders(source)
    register_walkaround(source)
    register_reports(source)
    register_access(source)

    @ui.page("/", title=TAB_TITLE)
    def index() -> None:
        user = current_user()
        t = texts_for(language(config))
        ui.page_title(tab_title(t("index.title")))
        with ui.column().classes("p-6 gap-2"):
            ui.label(config.site.name).classes("text-2xl")
            ui.link(t("index.lounge"), "/lounge")
            ui.link(t("index.welcome"), "/welcome")
            if user is None:
                ui.link(t("login.title"), "/login")
                return
            for path, key in menu(str(user["role"])):
                ui.link(t(key), path)
            for bay in kiosk_bays or []:
                ui.link(t("index.kiosk", bay=bay), f"/kiosk/{bay}")
            role = t("role." + str(user["role"]))
            ui.label(f"{user['name']} ({role})").mark("signed-in")
            sign_out_button(t, "flat dense no-caps")
