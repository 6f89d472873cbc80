"""Sign-in for the boards: people from the site config, passwords kept only as scrypt hashes,
sessions in NiceGUI's signed user storage (secret from the config's environment variable)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from nicegui import app, ui

from core.config import SiteConfig, UserConfig

logger = logging.getLogger(__name__)

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


def current_user() -> dict[str, Any] | None:
    user = app.storage.user.get("user")
    return user if isinstance(user, dict) else None


def require(path: str, *roles: str) -> dict[str, Any] | None:
    """The signed-in user if their role may see this page; otherwise off to sign in."""
    user = current_user()
    if user is None or (roles and user.get("role") not in roles):
        ui.navigate.to(f"/login?next={quote(path)}")
        return None
    return user


def actor(user: dict[str, Any]) -> str:
    """How the audit log names a person acting on a board."""
    return f"{user['role']}:{user['id']}"


def register_login(config: SiteConfig, texts: Any) -> None:
    @ui.page("/login")
    def login(next: str = "/") -> None:
        target = next if next.startswith("/") and not next.startswith("//") else "/"

        def attempt() -> None:
            user = authenticate(config.users, name.value or "", password.value or "")
            if user is None:
                logger.warning("board sign-in refused for %r", (name.value or "")[:32])
                error.text = texts("login.failed")
                error.visible = True
                return
            app.storage.user["user"] = {"id": user.id, "name": user.name, "role": user.role.value}
            logger.info("board sign-in: %s (%s)", user.id, user.role)
            ui.navigate.to(target)

        with ui.card().classes("mx-auto mt-24 w-96 gap-4"):
            ui.label(texts("login.title")).classes("text-2xl")
            name = ui.input(texts("login.user")).props("autofocus").mark("login-user")
            password = (
                ui.input(texts("login.password"), password=True)
                .on("keydown.enter", attempt)
                .mark("login-password")
            )
            error = ui.label().classes("text-red-600").mark("login-error")
            error.visible = False
            ui.button(texts("login.submit"), on_click=attempt).mark("login-submit")

    @ui.page("/logout")
    def logout() -> None:
        app.storage.user.pop("user", None)
        ui.navigate.to("/login")
