"""The frame every staff page shares: title, clock, who is signed in, language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import app, ui

from core.config import SiteConfig
from core.contract import site_clock
from core.display.texts import Lang, texts_for
from core.domain.vocabulary import StaffRole

_F, _A, _Q, _M = StaffRole.FOREMAN, StaffRole.ADVISOR, StaffRole.QC, StaffRole.MANAGER
_P = StaffRole.PARTS
#: The staff pages, their names and who may open them: the menus show a person only these.
PAGES: dict[str, tuple[str, tuple[StaffRole, ...]]] = {
    "/dispatch": ("dispatch.title", (_F, _M)),
    "/schedule": ("schedule.title", (_F, _M, _A)),
    "/desk": ("desk.title", (_A, _M, _F)),
    "/mycars": ("mycars.title", (_A, _M)),
    "/parts": ("counter.title", (_P, _F, _M)),
    "/help": ("andon.menu", (_F, _Q, _M, _A)),
    "/reports": ("reports.title", (_M, _F, _A)),
    "/access": ("access.title", (_M,)),
}


def roles_of(path: str) -> tuple[StaffRole, ...]:
    """Who may open the staff page ``path``."""
    return PAGES[path][1]


def menu(role: str) -> list[tuple[str, str]]:
    """(path, title key) of every staff page ``role`` may open."""
    return [(path, key) for path, (key, roles) in PAGES.items() if role in roles]


#: A page's title before it knows whose it is (a sign-in may come first); then
#: ``tab_title``, in the language of the page.
TAB_TITLE = "Pitboard"


def language(config: SiteConfig) -> Lang:
    return chosen_language(config.site.language)


def chosen_language(default: Lang) -> Lang:
    """The language this browser switched to, else ``default``."""
    chosen = app.storage.user.get("lang", default)
    return "en" if chosen == "en" else "zh"


def switch_language(default: Lang) -> None:
    """Switch this browser to the other language and draw the page again in it."""
    app.storage.user["lang"] = "zh" if chosen_language(default) == "en" else "en"
    ui.navigate.reload()


def tab_title(title: str) -> str:
    """The browser tab's title for a page called ``title`` (in the page's language)."""
    return f"{TAB_TITLE} · {title}"


#: What the sign-out button does: given by the sign-in (board/auth.py) when it registers its
#: pages, which are drawn with this frame (so it cannot import them).
_sign_out: list[Callable[[], None]] = []


def signs_out(end: Callable[[], None]) -> None:
    _sign_out[:] = [end]


def _signing_out() -> None:
    for end in _sign_out:
        end()


def sign_out_button(t: Callable[..., str], props: str = "flat color=white dense no-caps") -> None:
    """Signing out is a press in the page, which only the page's own connection sends: an
    address (``/logout``) opened by another site's link or picture ends nobody's session."""
    ui.button(t("logout"), on_click=_signing_out).props(props).mark("logout")


def frame(config: SiteConfig, user: dict[str, Any], title_key: str) -> Callable[..., str]:
    """Draw the header and hand back the page's words in the user's language."""
    t = texts_for(language(config))
    ui.page_title(tab_title(t(title_key)))

    with ui.header().classes("items-center justify-between bg-slate-800 px-4 py-2"):
        with ui.row().classes("items-center gap-4"):
            ui.label(f"{config.site.name} · {t(title_key)}").classes("text-xl")
            for path, key in menu(str(user["role"])):
                ui.link(t(key), path).classes("text-slate-200")
        with ui.row().classes("items-center gap-4"):
            clock = ui.label().classes("font-mono text-lg")
            role = t("role." + str(user["role"]))
            ui.label(f"{user['name']} ({role})").mark("signed-in")
            ui.button(t("language"), on_click=lambda: switch_language(config.site.language)).props(
                "flat color=white dense"
            ).mark("language")
            sign_out_button(t)

    def tick() -> None:
        clock.text = site_clock.now(config.zone).strftime("%H:%M")

    tick()
    ui.timer(15.0, tick)
    return t
