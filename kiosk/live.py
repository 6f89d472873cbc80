"""Kiosk pages follow their station: each open page is told the moment the link brings
news, on its own loop, and forgets the station when its client goes. Nothing polls."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from weakref import WeakKeyDictionary

from nicegui import Event

from kiosk.station import Station

_events: WeakKeyDictionary[Station, Event[[]]] = WeakKeyDictionary()


def _station_event(station: Station) -> Event[[]]:
    """The station's news as a NiceGUI event fired on the pages' loop (one per station)."""
    event = _events.get(station)
    if event is not None:
        return event
    event = _events[station] = Event()
    loop = asyncio.get_running_loop()
    due = threading.Event()  # set while a firing waits: a burst of news draws once

    def fire() -> None:
        due.clear()
        event.emit()

    def heard() -> None:  # on the link's thread: the UI is touched only on the loop
        if due.is_set() or loop.is_closed():
            return
        due.set()
        with contextlib.suppress(RuntimeError):  # the loop stopped: no page left to tell
            loop.call_soon_threadsafe(fire)

    station.subscribe(heard)
    return event


def follow(station: Station, changed: Callable[[], None]) -> None:
    """Call ``changed`` in the current page whenever what ``station`` shows changed; the
    subscription ends with the page's client."""
    _station_event(station).subscribe(changed)
