"""The one way the tests wait for something that happens on another thread or process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


def wait_until(
    check: Callable[[], Any],
    what: str | Callable[[], object] = "",
    *,
    timeout: float = 20.0,
    every: float = 0.01,
    between: Callable[[], object] | None = None,
) -> Any:
    """Poll ``check`` until it gives something truthy (returned), or fail saying ``what``.

    ``what`` names what was awaited; a callable is asked only on failure, for details known
    then (a log's tail, a link's state). ``between`` is done after each check that did not
    hold, before the pause of ``every`` seconds: a device sending again, as it would.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:g} s: {said or check}")
        if between is not None:
            between()
        time.sleep(every)


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
