"""Pages that follow the hub: drawn again after the hub's commits, and on a slow beat
because a silent site grows staler with no new fact at all."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from nicegui import background_tasks, ui

from .views import GroupReader

V = TypeVar("V")

#: Without any commit, "last heard" and staleness move on by themselves: a minute's words.
TICK_SECONDS = 30.0
#: A burst of commits (hundreds of sites feeding) is drawn at most once a second.
LEAST_GAP_SECONDS = 1.0


def follow_hub(
    reader: GroupReader,
    read: Callable[[], V],
    render: Callable[[V], None],
    every: float | None = None,
) -> None:
    """Render what ``read`` gives now, after the hub's commits and every ``every`` seconds
    (TICK_SECONDS unless given)
    while the page is open. ``read`` runs off the page's event loop (it asks the hub's
    store); the listener goes when the page does."""
    client = ui.context.client
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def newer() -> None:  # on the hub's thread, after a commit
        if not wake.is_set() and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def pump() -> None:
        while not client.is_deleted:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), every or TICK_SECONDS)
            wake.clear()
            if client.is_deleted:
                return
            view = await asyncio.to_thread(read)
            if client.is_deleted:
                return
            with client:
                render(view)
            await asyncio.sleep(LEAST_GAP_SECONDS)

    stop = reader.subscribe(newer)

    def closed() -> None:
        stop()
        wake.set()  # lets the pump see the page is gone and end

    client.on_delete(closed)
    render(read())
    background_tasks.create(pump(), name="group-follow")
