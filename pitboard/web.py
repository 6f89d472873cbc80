"""The web servers: the one the core's pages, API and health endpoints run in, and a bay
PC's own kiosk page (``pitboard kiosk --bay``)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from core.app import settle_memory
from core.config import ConfigError, SiteConfig, WebConfig
from core.mqtt import BrokerAddress

if TYPE_CHECKING:
    from board.source import Access
    from hub.config import HubConfig
    from hub.views import GroupReader

logger = logging.getLogger(__name__)


def serve(
    config: SiteConfig, host: str, port: int, secret: str, on_shutdown: Callable[[], None]
) -> None:
    """Run the pages, the API and the health endpoints until the process is stopped."""
    from nicegui import app

    app.on_startup(settle_memory)
    app.on_shutdown(on_shutdown)
    tell_public_url(config)
    # Screens sit on the site's own network: compressing every update costs the core more
    # than it saves.
    run_pages(config.web, host, port, secret, quasar_language(config), deflate=False)


def quasar_language(config: SiteConfig) -> Literal["zh-CN", "en-US"]:
    """The pages' own words (a date picker's, a table's) before anyone switches language:
    the site's."""
    return "en-US" if config.site.language == "en" else "zh-CN"


def run_pages(
    web: WebConfig,
    host: str,
    port: int,
    secret: str,
    language: Literal["zh-CN", "en-US"],
    deflate: bool = True,
) -> None:
    """The pages registered so far, served until the process is stopped: the site's, or
    head office's group dashboard."""
    from nicegui import ui

    ui.run(
        host=host,
        port=port,
        reload=False,
        show=False,
        title="Pitboard",
        storage_secret=secret,
        # Over HTTPS the sign-in cookie never travels in clear.
        session_middleware_kwargs={"https_only": True} if web.tls_cert else None,
        ssl_certfile=web.tls_cert,
        ssl_keyfile=web.tls_key,
        language=language,
        ws_per_message_deflate=deflate,
    )


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def tell_public_url(config: SiteConfig) -> None:
    """Say where the pickup cards' QR codes lead, and warn when no phone can open it."""
    link = config.web.link_base()
    host = urlsplit(link).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback and not config.is_demo:
        logger.warning(
            "the pickup cards' QR codes lead to %s, which no customer's phone can open: set "
            '[web] public_url (or host = "0.0.0.0")',
            link,
        )
    else:
        logger.info("the pickup cards' QR codes lead to %s", link)


def serve_kiosk(
    config: SiteConfig,
    bay: str,
    address: BrokerAddress,
    password: str | None,
    host: str,
    port: int,
    state_dir: Path,
) -> int:
    """Serve one bay's kiosk full-screen on this PC, its station on its own link."""
    from nicegui import app, ui

    from kiosk.app import connect
    from kiosk.page import build

    station, link = connect(config, bay, address, password, state_dir)
    if host not in LOCAL_HOSTS:
        # This page knows no pairing: it is the bay PC's own screen.
        logger.warning(
            "the kiosk page listens on %s: every browser that reaches it acts as bay %s's "
            "kiosk (keep --host 127.0.0.1 and show it on this PC's own screen)",
            host,
            bay,
        )

    @ui.page("/")
    def index() -> None:
        build(station)

    app.on_shutdown(link.stop)
    print(
        f"kiosk {station.device} at bay {bay}: http://{host}:{port}/ "
        f"(broker {address.host}:{address.port}, outbox in {state_dir})",
        flush=True,
    )
    ui.run(
        host=host,
        port=port,
        reload=False,
        show=False,
        title=f"Pitboard {bay}",
        language=quasar_language(config),
    )
    return 0


MIN_SECRET = 32


def session_secret(config: SiteConfig) -> str:
    """The key the boards' sign-in cookies are signed with, from the environment.

    Whoever knows it can make a cookie for any browser's session: every site but the demo
    must set its own, and a short one is refused."""
    name = config.web.secret_env
    secret = os.environ.get(name, "")
    if len(secret) >= MIN_SECRET:
        return secret
    if secret:
        raise ConfigError(
            f"{name} has {len(secret)} characters: a session secret needs at least "
            f"{MIN_SECRET} (e.g. the output of `openssl rand -base64 32`)"
        )
    if not config.is_demo:
        raise ConfigError(
            f"{name} is not set: the boards' sign-ins of site {config.site.id} are signed "
            f"with it. Set it to a long random string (e.g. `openssl rand -base64 32`) in "
            "the core's environment; only the demo site runs without one"
        )
    logger.warning(
        "%s is not set: the demo makes one up, so sign-ins last only until this process stops",
        name,
    )
    return secrets.token_urlsafe(32)


def serve_group(
    reader: GroupReader,
    config: HubConfig,
    *,
    host: str | None = None,
    port: int | None = None,
    development: bool = False,
    access: Access | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> None:
    """Serve head office's group dashboard until the process is stopped (blocking, as the
    site's pages). Refuses to start without a session secret unless ``development`` on
    loopback."""
    from nicegui import app

    from core.display.texts import texts_for
    from hub.web import dashboard_secret, register_group_pages

    host = host or config.web.host
    port = port or config.web.port
    secret = dashboard_secret(config, host, development)
    if not config.users:
        logger.warning("hub.toml has no [[users]]: nobody can sign in to the group dashboard")
    register_group_pages(reader, config, access=access)
    if on_shutdown is not None:
        app.on_shutdown(on_shutdown)
    t = texts_for(config.hub.language)
    logger.info("%s: %s://%s:%d/group", t("group.title"), config.web.scheme, host, port)
    run_pages(config.web, host, port, secret, "zh-CN" if config.hub.language == "zh" else "en-US")
