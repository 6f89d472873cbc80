"""The one way the tests wait for something that happens on another thread or process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


def wait_until(check: Callable[[], Any], what: str = "", *, timeout: float = 20.0) -> Any:
    """Poll ``check`` until it gives something truthy (returned), or fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s: {what or check}")
        time.sleep(0.01)


async def eventually(check: Callable[[], Any], what: str, timeout: float = 5.0) -> Any:
    """``wait_until`` for tests on the page server's event loop, which must not block."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)
