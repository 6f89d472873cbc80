"""Sign-in for the boards: people from the site config, passwords kept only as scrypt hashes,
wrong ones limited (board/signin_limits.py); a signed-in browser holds only the id of its
session (in NiceGUI's user storage, behind the cookie signed with the session secret) and
the session itself is kept by the core, which ends it when idle, too old or ended by the
service manager. The head office's group dashboard signs its people in the same way
(hub/web.py), through its own doorway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from nicegui import app, ui
from nicegui.events import GenericEventArguments

from board.frame import TAB_TITLE, frame, language, signs_out, tab_title
from board.signin_limits import SignInLimits
from board.source import Access, BoardSource
from core.config import UserConfig
from core.display.texts import Lang, Texts, texts_for

logger = logging.getLogger(__name__)

# How often an open page asks whether its session still holds: a page left open is sent
# to the sign-in this long at most after the session ended.
WATCH_SECONDS = 30.0
# A tap, click or key on an open page is a use of the session, told at most once a minute.
ACTIVITY = "pitboard_activity"
_ACTIVITY_JS = (
    "<script>for (const kind of ['pointerdown', 'keydown'])"
    f" document.addEventListener(kind, () => emitEvent('{ACTIVITY}'), {{passive: true}});"
    "</script>"
)

# scrypt's interactive-login cost (RFC 7914 §2): about 50 ms here, too slow to guess at.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(
        ["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)],
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def authenticate(users: Iterable[UserConfig], user_id: str, password: str) -> UserConfig | None:
    found = next((u for u in users if u.id == user_id.strip()), None)
    # Hash even for an unknown name, so the answer takes as long either way.
    stored = found.password_hash if found else hash_password("")
    ok = verify_password(password, stored)
    return found if found and ok else None


class Doorway(Protocol):
    """What a sign-in needs of the place it lets people into: the site's boards, or the
    head office's group dashboard (hub/web.py)."""

    @property
    def users(self) -> Sequence[UserConfig]: ...

    @property
    def access(self) -> Access: ...

    def now(self) -> datetime: ...

    def language(self) -> Lang:
        """The language of the page being drawn."""
        ...

    def not_allowed(self, user: dict[str, Any], path: str) -> None:
        """Tell a person signed in that their role may not open ``path``."""
        ...


@dataclass
class SiteDoor:
    """The site's boards as a doorway."""

    source: BoardSource

    @property
    def users(self) -> Sequence[UserConfig]:
        return self.source.config.users

    @property
    def access(self) -> Access:
        return self.source.access

    def now(self) -> datetime:
        return self.source.now()

    def language(self) -> Lang:
        return language(self.source.config)

    def not_allowed(self, user: dict[str, Any], path: str) -> None:
        _not_allowed(self.source, user, path)


@dataclass
class SignIn:
    """The sign-in of the web app this process serves (one per process, as NiceGUI's app)."""

    door: Doorway
    limits: SignInLimits = field(default_factory=SignInLimits)

    def user(self, user_id: str) -> UserConfig | None:
        return next((u for u in self.door.users if u.id == user_id), None)


_signin: SignIn | None = None


def current_user() -> dict[str, Any] | None:
    """The person signed in in this browser, while their session is live."""
    if _signin is None:
        return None
    session_id = app.storage.user.get("session")
    if not isinstance(session_id, str):
        return None
    session = _signin.door.access.session(session_id)
    # Someone taken off the site's [[users]] is signed out with the next request.
    user = None if session is None else _signin.user(session.user)
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "role": str(user.role), "session": session_id}


def require(path: str, *roles: str) -> dict[str, Any] | None:
    """The signed-in user if their role may see this page; a stranger is sent to sign in,
    a person whose role may not open it is told so (with the way back, or to sign in as
    someone else).

    The page then follows the session: when it ends, the page goes to the sign-in."""
    user = current_user()
    if user is None:
        ui.navigate.to(login_url(path))
        return None
    _follow_session(user["session"], path)
    if roles and user.get("role") not in roles:
        assert _signin is not None
        _signin.door.not_allowed(user, path)
        return None
    return user


def _not_allowed(source: BoardSource, user: dict[str, Any], path: str) -> None:
    t = frame(source.config, user, "denied.title")
    role = t("role." + str(user["role"]))
    logger.info("board page %s refused to %s (%s)", path, user["id"], user["role"])
    with ui.card().classes("mx-auto mt-24 w-[32rem] gap-4").mark("not-allowed"):
        ui.label(t("denied.text", name=user["name"], role=role)).classes("text-xl")
        with ui.row().classes("gap-6"):
            ui.link(t("denied.back"), "/").mark("denied-back")
            ui.button(t("denied.switch"), on_click=lambda: sign_out(path)).props(
                "flat no-caps"
            ).mark("denied-switch")


def login_url(path: str) -> str:
    return f"/login?next={quote(path)}"


def _follow_session(session_id: str, path: str) -> None:
    assert _signin is not None
    access = _signin.door.access

    def check() -> None:
        if access.session(session_id, touch=False) is None:
            ui.navigate.to(login_url(path))

    ui.timer(WATCH_SECONDS, check)
    ui.on(ACTIVITY, lambda: access.session(session_id), throttle=60.0, trailing_events=False)
    ui.add_body_html(_ACTIVITY_JS)


def actor(user: dict[str, Any]) -> str:
    """How the audit log names a person acting on a board."""
    return f"{user['role']}:{user['id']}"


def client_address() -> str:
    return ui.context.client.ip or "unknown"


def register_login(source: BoardSource) -> None:
    """The sign-in to the site's boards."""
    register_sign_in(SiteDoor(source))


def register_sign_in(door: Doorway) -> None:
    """/login and /logout of the web app this process serves, for the people of ``door``."""
    global _signin
    signin = _signin = SignIn(door)
    signs_out(sign_out)  # the frame's button
    access = door.access

    @ui.page("/login", title=TAB_TITLE)
    def login(next: str = "/") -> None:
        texts = texts_for(door.language())
        ui.page_title(tab_title(texts("login.title")))
        target = next if next.startswith("/") and not next.startswith("//") else "/"

        def attempt(typed_id: str, typed_password: str) -> None:
            user_id, address = typed_id.strip()[:64], client_address()
            left = signin.limits.locked_for(user_id, address, door.now())
            if left is not None:
                logger.info("board sign-in as %r from %s refused: locked out", user_id, address)
                error.text, error.visible = _locked(texts, left), True
                return
            user = authenticate(door.users, user_id, typed_password)
            if user is None:
                lock = _missed(signin, user_id, address)
                error.text = texts("login.failed") if lock is None else _locked(texts, lock)
                error.visible = True
                return
            signin.limits.success(user_id, address)
            _end_this_browsers_session(signin)
            app.storage.user["session"] = access.open_session(user.id, user.role, address)
            logger.info("board sign-in: %s (%s) from %s", user.id, user.role, address)
            ui.navigate.to(target)

        with ui.card().classes("mx-auto mt-24 w-96 gap-4"):
            ui.label(texts("login.title")).classes("text-2xl")
            name = ui.input(texts("login.user")).props("autofocus").mark("login-user")
            password = ui.input(texts("login.password"), password=True).mark("login-password")
            error = ui.label().classes("text-red-600").mark("login-error")
            error.visible = False
            button = ui.button(texts("login.submit")).mark("login-submit")
        _on_sent(name, password, button, attempt)

    @ui.page("/logout")
    def logout(next: str = "") -> None:
        """Signing out by address (a bookmark) asks for a press first: opened by a link or a
        picture on another site, the address alone must not end anyone's session."""
        texts = texts_for(door.language())
        ui.page_title(tab_title(texts("logout")))
        with ui.card().classes("mx-auto mt-24 w-96 gap-4"):
            ui.label(texts("logout.ask")).classes("text-xl")
            ui.button(texts("logout"), on_click=lambda: sign_out(next)).mark("logout-confirm")


def sign_out(next_path: str = "") -> None:
    """This browser's session ended, on to the sign-in (then back to ``next_path``): called
    from a press in a page, which only the page's own connection can send."""
    assert _signin is not None
    _end_this_browsers_session(_signin)
    back = next_path.startswith("/") and not next_path.startswith("//")
    ui.navigate.to(login_url(next_path) if back else "/login")


def _on_sent(
    name: ui.input, password: ui.input, button: ui.button, attempt: Callable[[str, str], None]
) -> None:
    """``attempt`` at Enter in the password or at the button, with the name and password
    the form shows as it is sent, not the fields' last updates: keys typed while the page
    still connects are held back and may reach the server after one typed just after (a
    name one letter short, refused)."""

    def sent(e: GenericEventArguments) -> None:
        shown = e.args if isinstance(e.args, list) and len(e.args) == 2 else None
        typed = shown or [name.value, password.value]  # no browser: the fields' values
        attempt(str(typed[0] or ""), str(typed[1] or ""))

    shown = [f"window.document.getElementById('{f.html_id}').value" for f in (name, password)]
    form = f"() => emit([{', '.join(shown)}])"
    password.on("keydown.enter", sent, js_handler=form)
    button.on("click", sent, js_handler=form)


def _locked(texts: Texts, left: timedelta) -> str:
    return texts("login.locked", minutes=math.ceil(left.total_seconds() / 60))


def _missed(signin: SignIn, user_id: str, address: str) -> timedelta | None:
    """Count a wrong password, log it and put it in the audit log; how long the lock-out
    it began lasts, if it began one."""
    access = signin.door.access
    logger.warning("board sign-in refused for %r from %s", user_id, address)
    access.note("signin.refused", f"board@{address}", user=user_id)
    began = signin.limits.miss(user_id, address, signin.door.now())
    for lock in began:
        minutes = int(lock.lasts.total_seconds() // 60)
        logger.warning("board sign-in locked for %s %r: %d min", lock.on, lock.who, minutes)
        access.note("signin.locked", f"board@{address}", **{lock.on: lock.who, "minutes": minutes})
    return max((lock.lasts for lock in began), default=None)


def _end_this_browsers_session(signin: SignIn) -> None:
    """Signing out, or in as someone else: the session this browser held ends."""
    session_id = app.storage.user.pop("session", None)
    access = signin.door.access
    session = access.session(session_id, touch=False) if session_id else None
    user = None if session is None else signin.user(session.user)
    if session is not None:
        by = f"{user.role}:{user.id}" if user else session.user
        access.end_session(session.id, by=by)
