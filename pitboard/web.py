"""The web server the core's pages, API and health endpoints run in."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable

from core.app import settle_memory
from core.config import ConfigError, SiteConfig

logger = logging.getLogger(__name__)


def serve(
    config: SiteConfig, host: str, port: int, secret: str, on_shutdown: Callable[[], None]
) -> None:
    """Run the pages, the API and the health endpoints until the process is stopped."""
    from nicegui import app, ui

    app.on_startup(settle_memory)
    app.on_shutdown(on_shutdown)
    ui.run(
        host=host,
        port=port,
        reload=False,
        show=False,
        title="Pitboard",
        storage_secret=secret,
        # Over HTTPS the sign-in cookie never travels in clear.
        session_middleware_kwargs={"https_only": True} if config.web.tls_cert else None,
        ssl_certfile=config.web.tls_cert,
        ssl_keyfile=config.web.tls_key,
        language="zh-CN",
        # Screens sit on the site's own network: compressing every update costs the core
        # more than it saves.
        ws_per_message_deflate=False,
    )


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
        "%s is not set: the demo makes one up, so sign-ins last only until this process "
        "stops",
        name,
    )
    return secrets.token_urlsafe(32)
