"""Pages that follow the core's views: pushed as soon as the core has published them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from nicegui import Client, background_tasks, core, ui

from board.source import BoardSource

V = TypeVar("V")


class Notifier(Protocol):
    """Tells listeners (on any thread) that something newer exists: the core's views
    (BoardSource), the screen pairings."""

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]: ...


def follow(source: Notifier, read: Callable[[], V | None], render: Callable[[V], None]) -> None:
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
            if client.is_deleted:  # woken by its closing: nothing left to draw on
                return
            draw()

    def wake_up() -> None:  # by the core's writer, on whichever thread holds its turn
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

#: The pages that load the listener already: a second one would fill every part twice.
_SCRIPTED: set[str] = set()
Pieces = dict[str, str]  # key → one element's HTML carrying ``data-k="key"``
Parts = dict[str, str | Pieces]  # what a board shows, by the name of the element showing it


def html_of(value: str | Pieces) -> str:
    return value if isinstance(value, str) else "".join(value.values())


class LiveBoard(Generic[V]):
    """One board as all its open screens show it: worked out once per view, sent once.

    Twenty screens of the dispatch board show the same thing; so the board's parts (a
    bay's head, its lane, a panel) are built once per view, the change from what was
    shown is worked out once and sent as one message to every screen (a Socket.IO room),
    where a listener of a few lines (board/static/live.js) puts it into the DOM without a
    pass of Vue over the page. A part is either HTML, changed in the screen node by node
    (morphdom), or keyed pieces (a Gantt's bars, a panel's lines) of which only the ones
    that came, went or changed travel. Each page's own elements are kept up to date too,
    without an update of their own, so what the server holds is what the screens show.
    """

    def __init__(
        self,
        name: str,
        source: BoardSource,
        read: Callable[[], V | None],
        parts: Callable[[V], Parts],
        every: float | None = None,
    ) -> None:
        self.room = f"pitboard-{name}"
        self.source = source
        self.read = read
        self.parts = parts
        self.every = every  # also redrawn this often with no new view (the lounge pages)
        self.shown: Parts = {}
        self.view: V | None = None
        self._pages: dict[str, dict[str, ui.html]] = {}
        self._wake: asyncio.Event | None = None

    def show(self, name: str, element: ui.html) -> ui.html:
        """Let ``element`` of the page being built show the part ``name``."""
        client = ui.context.client
        if self._wake is None:
            self._start()
        if client.id not in self._pages:
            self._pages[client.id] = {}
            client.on_connect(lambda: self._join(client))
            client.on_delete(lambda: self._pages.pop(client.id, None))
            if client.id not in _SCRIPTED:  # once a page, however many live boards it shows
                _SCRIPTED.add(client.id)
                client.on_delete(lambda: _SCRIPTED.discard(client.id))
                ui.add_head_html(_SCRIPTS)
        self._pages[client.id][name] = element
        element.props["data-live"] = name
        element.content = html_of(self.shown.get(name, ""))
        return element

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        wake = self._wake = asyncio.Event()

        def changed() -> None:  # by the core's writer (any thread), after every commit
            if self.read() is not self.view and not wake.is_set():
                loop.call_soon_threadsafe(wake.set)

        self.source.subscribe(changed)
        self.redraw()
        background_tasks.create(self._pump(wake), name=self.room)

    async def _pump(self, wake: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # the board's own pace (lounge pages)
                await asyncio.wait_for(wake.wait(), self.every)
            wake.clear()
            self.redraw(force=self.every is not None)

    def redraw(self, force: bool = False) -> None:
        view = self.read()
        if view is None or (view is self.view and not force):
            return
        self.view = view
        new = self.parts(view)
        delta: dict[str, str | dict[str, str | None]] = {}
        changed: dict[str, str] = {}
        for name, value in new.items():
            old = self.shown.get(name)
            if old is value or old == value:
                continue
            changed[name] = html_of(value)
            if isinstance(value, dict) and isinstance(old, dict):
                pieces: dict[str, str | None] = {k: v for k, v in value.items() if old.get(k) != v}
                pieces.update({k: None for k in old if k not in value})
                delta[name] = pieces
            else:
                delta[name] = changed[name]
        self.shown = new
        if not delta:
            return
        for elements in self._pages.values():
            for name, html in changed.items():
                element = elements.get(name)
                if element is not None:
                    with element.props.suspend_updates():
                        element.props["innerHTML"] = html
        background_tasks.create(core.sio.emit(_FILL_EVENT, delta, room=self.room))

    def _join(self, client: Client) -> None:
        background_tasks.create(self._enter(client), name=f"{self.room}-join")

    async def _enter(self, client: Client) -> None:
        """A page's socket (new, or back after a drop) joins the board's screens and is
        brought up to what they show; nothing is sent in between, so the board's next
        change reaches it after this."""
        for sid, _ in list(core.sio.manager.get_participants("/", client.id)):
            await core.sio.enter_room(sid, self.room)
        full = {name: html_of(value) for name, value in self.shown.items()}
        await core.sio.emit(_FILL_EVENT, full, room=client.id)


def boards_by_screen_size(
    name: str,
    source: BoardSource,
    read: Callable[[], V | None],
    parts_for: Callable[[int], Callable[[V], Parts]],
    every: Callable[[], float],
) -> Callable[[int], LiveBoard[V]]:
    """A TV board's live board per number of lines on a screen (``?rows=N``): the screens
    showing as many lines share one, made on first use (paging every ``every()`` seconds,
    asked then)."""
    boards: dict[int, LiveBoard[V]] = {}

    def board(rows: int) -> LiveBoard[V]:
        if rows not in boards:
            boards[rows] = LiveBoard(f"{name}-{rows}", source, read, parts_for(rows), every=every())
        return boards[rows]

    return board
