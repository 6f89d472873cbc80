"""Pages that follow the core's views: pushed as soon as the core has published them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from nicegui import background_tasks, core, ui

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


_FILL_EVENT = "pitboard_fill"  # the listener is board/static/live.js
STATIC_URL = "/board-static"
STATIC_DIR = Path(__file__).parent / "static"
_SCRIPTS = (
    f'<script src="{STATIC_URL}/morphdom-2.7.8.min.js"></script>'
    f'<script src="{STATIC_URL}/live.js"></script>'
)


Pieces = dict[str, str]  # key → one element's HTML carrying ``data-k="key"``


class InPlace:
    """Fills a page's ``ui.html`` elements in place, straight into the browser's DOM.

    A board has a few large elements that change many times a minute in every open tab.
    NiceGUI would send each change as an element update that the browser renders through
    Vue's whole page; here the server side of the element is updated without that (so the
    page's state, reloads and tests stay as they were) and the new HTML goes to the tab as
    one small message per draw, set by a listener of a few lines (board/static/live.js).
    """

    def __init__(self) -> None:
        self.client = ui.context.client
        self._pending: dict[str, str | dict[str, str | None]] = {}
        self._sent: dict[str, str] = {}  # what each element shows, for a reconnect
        self._pieces: dict[str, Pieces] = {}
        self._sending = False
        ui.add_head_html(_SCRIPTS)
        self.client.on_connect(self._connected)

    def set(self, element: ui.html, content: str) -> None:
        """Show ``content`` in ``element``; the tab changes only the nodes that differ."""
        if self._silently(element, content):
            key = f"c{element.id}"
            self._pending[key] = self._sent[key] = content
            self._flush()

    def set_pieces(self, element: ui.html, pieces: Pieces) -> None:
        """Show ``pieces`` side by side in ``element``, in no particular order (they place
        themselves, as a Gantt's bars do): only the pieces that came, went or changed
        travel, so a long lane costs what its one moving bar costs."""
        key = f"c{element.id}"
        before = self._pieces.get(key)
        if pieces is before:
            return  # the board's model hands out the same lane while it is unchanged
        self._pieces[key] = pieces
        if not self._silently(element, "".join(pieces.values())):
            return
        self._sent[key] = element.content
        waiting = self._pending.get(key)
        if before is None or isinstance(waiting, str):
            self._pending[key] = element.content
        else:
            delta: dict[str, str | None] = waiting if isinstance(waiting, dict) else {}
            delta.update({k: v for k, v in pieces.items() if before.get(k) != v})
            delta.update({k: None for k in before if k not in pieces})
            self._pending[key] = delta
        self._flush()

    def _silently(self, element: ui.html, content: str) -> bool:
        """Put ``content`` into the element on the server; True if it is for us to send."""
        if element.content is content or element.content == content:
            return False
        if not self.client.has_socket_connection:
            element.content = content  # goes out with NiceGUI's own updates on connecting
            return False
        with element.props.suspend_updates():
            element.content = content
        return True

    def _flush(self) -> None:
        if not self._sending:
            self._sending = True
            background_tasks.create(self._send(), name="board-in-place")

    async def _send(self) -> None:
        # One message in flight per page keeps a tab's changes in order.
        try:
            while self._pending:
                parts, self._pending = self._pending, {}
                await core.sio.emit(_FILL_EVENT, parts, room=self.client.id)
        finally:
            self._sending = False

    def _connected(self) -> None:
        # After a dropped connection: what was sent past NiceGUI may not have arrived.
        if self._sent:
            self._pending.update(self._sent)
            self._flush()
