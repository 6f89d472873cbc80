"""A browser becomes a bay's kiosk only when paired: the foreman's code (or its QR) turns
into a signed cookie naming the pairing and the bay, checked on every load and every tap.

``/pair/{code}`` takes the code (typed on the pairing screen, or in the QR's address),
sets the cookie and opens the bay's kiosk; a browser without a standing pairing sees the
pairing screen instead of the kiosk.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeSerializer
from nicegui import app, ui

from core.contract.pairing import PairingBook, Refusal
from core.display.texts import Lang, text

logger = logging.getLogger(__name__)

COOKIE = "pitboard_kiosk"
# Browsers keep a cookie at most 400 days; a tablet used daily is seen (and kept) long
# before that. Revoking on the dispatch board ends it sooner.
COOKIE_DAYS = 400
_SALT = "pitboard-kiosk-pairing"


def _signer(book: PairingBook) -> URLSafeSerializer:
    return URLSafeSerializer(book.key, salt=_SALT)


def pairing_of(request: Request, book: PairingBook, bay: str) -> str | None:
    """The standing pairing this browser's cookie names for ``bay``, or None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        body = _signer(book).loads(raw)
    except BadSignature:
        logger.warning("kiosk cookie with a bad signature from %s", _address(request))
        return None
    if not isinstance(body, dict) or body.get("bay") != bay:
        return None
    pairing_id = str(body.get("id", ""))
    return pairing_id if book.active(pairing_id, bay) else None


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def register_pairing(book: PairingBook) -> None:
    """``/pair/{code}``: the code becomes the cookie; ``/pair``: the screen to type it."""

    @app.get("/pair/{code}", include_in_schema=False)
    def redeem(code: str, request: Request) -> RedirectResponse:
        client = f"{_address(request)} {request.headers.get('user-agent', '')}"
        result = book.redeem(code, _address(request), client)
        if isinstance(result, Refusal):
            return RedirectResponse(f"/pair?why={result.why}&wait={result.wait}", 303)
        cookie = _signer(book).dumps({"id": result.id, "bay": result.bay})
        response = RedirectResponse(f"/kiosk/{result.bay}", 303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=COOKIE_DAYS * 86400,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",  # over HTTPS, never sent in clear
        )
        return response

    @ui.page("/pair", title="Pitboard")
    def pair_page(why: str = "", wait: int = 0) -> None:
        pairing_screen(None, "zh", why, wait)


def pairing_screen(bay: str | None, lang: Lang, why: str = "", wait: int = 0) -> None:
    """What an unpaired browser sees: how to get a code, and where to type it."""

    other: Lang = "en" if lang == "zh" else "zh"

    def t(key: str, **params: object) -> str:  # read by whoever holds the tablet: both
        return f"{text(key, lang, **params)} · {text(key, other, **params)}"

    ui.query("body").classes("bg-gray-950 text-white")
    with ui.column().classes("w-full items-center gap-6 p-12"):
        ui.label(t("pairing.title")).classes("text-4xl font-bold").mark("pairing-screen")
        if bay:
            ui.label(t("pairing.bay", bay=bay)).classes("text-2xl text-gray-300")
        ui.label(t("pairing.how")).classes("text-2xl text-center max-w-[900px]")
        if why == "wait":
            ui.label(t("pairing.wait", s=wait)).classes("text-2xl text-red-400").mark("pair-error")
        elif why == "wrong":
            ui.label(t("pairing.wrong")).classes("text-2xl text-red-400").mark("pair-error")
        code = ui.input(t("pairing.code")).props(
            'dark outlined autofocus inputmode=numeric maxlength=6 input-style="font-size: 40px"'
        )
        code.classes("w-80").mark("pair-code")

        def submit() -> None:
            digits = "".join(ch for ch in (code.value or "") if ch.isdigit())
            if digits:
                ui.navigate.to(f"/pair/{digits}")

        code.on("keydown.enter", submit)
        ui.button(t("pairing.submit"), on_click=submit).props("color=positive no-caps").classes(
            "text-2xl min-h-[72px] px-8"
        ).mark("pair-ok")
