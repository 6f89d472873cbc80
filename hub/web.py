"""The group dashboard's web server, run by the hub's process: head office's people sign in
(hub.toml's [[users]]) with the site's own sign-in and sessions, and see every site.

Its session secret comes from the environment as the site's does ([web] secret_env). Only a
development run (asked for by name, and listening on this machine alone) may start without
one: it makes one up, so sign-ins last until the process stops."""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nicegui import ui
from nicegui.version import __version__ as nicegui_version

from board.auth import register_sign_in
from board.frame import TAB_TITLE
from board.guard import Public
from board.guard import install as install_guard
from board.source import Access
from core.config import ConfigError, UserConfig
from core.display.texts import Lang

from .config import HubConfig
from .dashboard_frame import Clock, dashboard_language
from .figures_page import register_figures
from .live_page import register_live
from .sessions import memory_access
from .site_page import register_site
from .views import GroupReader

logger = logging.getLogger(__name__)

MIN_SECRET = 32
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

#: What the dashboard serves without a sign-in; everything else needs a head office session.
PUBLIC = (
    Public("/login", "the sign-in form"),
    Public("/logout", "signing out"),
    Public("/healthz", "the supervisor's health check, when the hub serves one"),
    Public(r"/favicon\.ico", "the icon"),
    Public(f"/_nicegui/{re.escape(nicegui_version)}/.+", "NiceGUI's own scripts and styles"),
    Public("/_nicegui_ws/.*", "the pages' websocket, which serves only pages already opened"),
)


@dataclass
class HubDoor:
    """The group dashboard as a doorway of the site's sign-in (board/auth.py)."""

    config: HubConfig
    access: Access
    clock: Clock

    @property
    def users(self) -> Sequence[UserConfig]:
        return self.config.users

    def now(self) -> datetime:
        return self.clock()

    def language(self) -> Lang:
        return dashboard_language(self.config)

    def not_allowed(self, user: dict[str, Any], path: str) -> None:
        # Every person of hub.toml is head office: nobody signed in here is refused a page.
        ui.navigate.to("/group")


def register_group_pages(
    reader: GroupReader,
    config: HubConfig,
    *,
    access: Access | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Access:
    """The dashboard's pages, its sign-in and the guard in front of them; ``access`` keeps
    the sessions (in this process's memory unless given). Returns it."""
    access = access or memory_access(config.web)
    door = HubDoor(config, access, clock)
    install_guard(door, PUBLIC)
    register_sign_in(door)
    register_live(reader, config, clock)
    register_figures(reader, config, clock)
    register_site(reader, config, clock)

    @ui.page("/", title=TAB_TITLE)
    def index() -> None:
        ui.navigate.to("/group")

    return access


def dashboard_secret(config: HubConfig, host: str, development: bool = False) -> str:
    """The key the dashboard's sign-in cookies are signed with, from [web] secret_env.

    Refused when missing or short, but for a development run that listens on this machine
    alone (``development`` asked for by the caller, e.g. a ``--dev`` flag)."""
    name = config.web.secret_env
    secret = os.environ.get(name, "")
    if len(secret) >= MIN_SECRET:
        return secret
    if secret:
        raise ConfigError(
            f"{name} has {len(secret)} characters: a session secret needs at least "
            f"{MIN_SECRET} (e.g. the output of `openssl rand -base64 32`)"
        )
    if not (development and host in LOCAL_HOSTS):
        raise ConfigError(
            f"{name} is not set: the group dashboard's sign-ins are signed with it. Set it to "
            "a long random string (e.g. `openssl rand -base64 32`) in the hub's environment; "
            "only a development run on 127.0.0.1 starts without one"
        )
    logger.warning(
        "%s is not set: this development run makes one up, so sign-ins last only until the "
        "process stops",
        name,
    )
    return secrets.token_urlsafe(32)
