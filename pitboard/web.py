"""The web server the core's pages, API and health endpoints run in."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable

from core.app import settle_memory
from core.config import SiteConfig

logger = logging.getLogger(__name__)


def serve(config: SiteConfig, host: str, port: int, on_shutdown: Callable[[], None]) -> None:
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
        storage_secret=session_secret(config),
        ssl_certfile=config.web.tls_cert,
        ssl_keyfile=config.web.tls_key,
        language="zh-CN",
        # Screens sit on the site's own network: compressing every update costs the core
        # more than it saves.
        ws_per_message_deflate=False,
    )


def session_secret(config: SiteConfig) -> str:
    """The key the boards' sign-in sessions are signed with, from the environment."""
    secret = os.environ.get(config.web.secret_env)
    if secret:
        return secret
    logger.warning(
        "%s is not set: sign-ins last only until this process stops (set it to a long random "
        "string to keep them across restarts)",
        config.web.secret_env,
    )
    return secrets.token_urlsafe(32)
