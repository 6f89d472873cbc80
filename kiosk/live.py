"""Kiosk pages follow their station (and their pairings): each open page is told the moment
news comes, on its own loop, and forgets the source when its client goes. Nothing polls."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Protocol
from weakref import WeakKeyDictionary

from nicegui import Event


class Source(Protocol):
    """Something that tells listeners (on any thread) that it changed: a station, a
    pairing book."""

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]: ...


_events: WeakKeyDictionary[Source, Event[[]]] = WeakKeyDictionary()


def _source_event(source: Source) -> Event[[]]:
    """The source's news as a NiceGUI event fired on the pages' loop (one per source)."""
    event = _events.get(source)
    if event is not None:
        return event
    event = _events[source] = Event()
    loop = asyncio.get_running_loop()
    due = threading.Event()  # set while a firing waits: a burst of news draws once

    def fire() -> None:
        due.clear()
        event.emit()

    def heard() -> None:  # on the source's thread: the UI is touched only on the loop
        if due.is_set() or loop.is_closed():
            return
        due.set()
        with contextlib.suppress(RuntimeError):  # the loop stopped: no page left to tell
            loop.call_soon_threadsafe(fire)

    source.subscribe(heard)
    return event


def follow(source: Source, changed: Callable[[], None]) -> None:
    """Call ``changed`` in the current page whenever ``source`` changed; the subscription
    ends with the page's client."""
    _source_event(source).subscribe(changed)
