"""Nothing the web serves without a sign-in but what is on the public list below.

Every other request — a page, a print preview, /metrics, the API's documents, anything a
route added later serves — needs a live board session (the pages then check the person's
role) or an API token (the API then checks its scope). A stranger's request for a page
goes to the sign-in; any other is answered 401."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from nicegui import Client, app, core
from nicegui.version import __version__ as nicegui_version
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from board.source import Access


@dataclass(frozen=True)
class Public:
    path: str  # a regular expression for the whole path
    why: str


PUBLIC = (
    Public("/login", "the sign-in form"),
    Public("/logout", "signing out"),
    Public("/lounge", "the lounge TV: masked plates, no names"),
    Public("/welcome", "the welcome board at reception: masked plates, no customers' names"),
    Public("/status/[^/]+", "the customer's own page, by the unguessable token on the card"),
    Public("/healthz", "the supervisor's health check: states and counts"),
    Public(r"/favicon\.ico", "the icon"),
    Public("/board-static/.+", "the boards' scripts"),
    Public(f"/_nicegui/{re.escape(nicegui_version)}/.+", "NiceGUI's own scripts and styles"),
    Public("/_nicegui_ws/.*", "the pages' websocket, which serves only pages already opened"),
    # The bay kiosks `pitboard run` serves beside the boards are guarded by their own
    # pairing (kiosk/pairing.py): a screen not paired with the bay sees only the pairing
    # screen, where it types the foreman's code.
    Public("/kiosk/[^/]+", "a bay's kiosk screen, for a screen paired with that bay"),
    Public("/pair(/[^/]+)?", "pairing a screen with a bay by the foreman's code"),
)


def public_paths(public: tuple[Public, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.path})" for p in public))


_PUBLIC = public_paths(PUBLIC)


def is_public(path: str) -> bool:
    return _PUBLIC.fullmatch(path) is not None


class HasAccess(Protocol):
    """Whoever keeps the sessions and tokens: the core's boards, the hub's dashboard."""

    @property
    def access(self) -> Access: ...


class Guard:
    """ASGI middleware in front of every route of the web app."""

    def __init__(
        self, inner: ASGIApp, source: HasAccess, public: re.Pattern[str] = _PUBLIC
    ) -> None:
        self.inner = inner
        self.source = source
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.public.fullmatch(scope["path"]) is not None:
            await self.inner(scope, receive, send)
            return
        request = Request(scope)
        page = _is_page(request)
        if await self._allowed(request, page):
            await self.inner(scope, receive, send)
            return
        await _refusal(request, page)(scope, receive, send)

    async def _allowed(self, request: Request, page: bool) -> bool:
        """A live session; or, for anything but a page (which is for people), a token."""
        access = self.source.access
        kind, _, credentials = request.headers.get("authorization", "").partition(" ")
        if kind.lower() == "bearer" and not page:
            return await run_in_threadpool(access.token, credentials.strip()) is not None
        session_id = app.storage.user.get("session")
        if not isinstance(session_id, str):
            return False
        return await run_in_threadpool(access.session, session_id) is not None


def _refusal(request: Request, page: bool) -> Response:
    if page and request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return JSONResponse(
        {"code": "unauthorized", "message": "sign in, or send an API token as a bearer token"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _is_page(request: Request) -> bool:
    """Whether the request is for one of the boards' pages (a person with a browser)."""
    pages = set(Client.page_routes.values())
    for route in core.app.routes:
        matched, _ = route.matches(request.scope)
        if matched is not Match.NONE:
            return getattr(route, "path", None) in pages
    return False


def install(source: HasAccess, public: tuple[Public, ...] = PUBLIC) -> None:
    """Put the guard in front of every route of the web app, inside NiceGUI's session
    middleware (so it sees who is signed in) wherever that is added; ``public`` are the
    paths it lets through without a sign-in."""
    app.user_middleware.append(Middleware(Guard, source=source, public=public_paths(public)))
