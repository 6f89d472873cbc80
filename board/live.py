"""Pages that follow the core's views: pushed as soon as the core has published them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from nicegui import background_tasks, ui

from board.source import BoardSource

V = TypeVar("V")


def follow(source: BoardSource, read: Callable[[], V | None], render: Callable[[V], None]) -> None:
    """Render the newest view now and every time the core publishes a newer one.

    The core calls back on its own thread; the page is updated on the page's event loop,
    at most once per view (several publishes in a row collapse into one render).
    """
    client = ui.context.client
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    shown: list[object] = [None]

    def draw() -> None:
        view = read()
        if view is None or view is shown[0]:
            return
        shown[0] = view
        with client:
            render(view)

    async def pump() -> None:
        while not client.is_deleted:
            await wake.wait()
            wake.clear()
            draw()

    def wake_up() -> None:  # on the core's thread
        # The core calls after every commit; a page whose view did not change sleeps on.
        if read() is not shown[0] and not wake.is_set():
            loop.call_soon_threadsafe(wake.set)

    stop = source.subscribe(wake_up)

    def closed() -> None:
        stop()
        wake.set()  # lets the pump see the page is gone and end

    client.on_delete(closed)
    draw()
    background_tasks.create(pump(), name="board-follow")
