"""The core's queue of work: events, page commands, reads and republishes, in arrival order.

Unlike ``queue.Queue``, waiting for work and taking it are apart: the loop waits without
taking, then takes in the writer's turn. A tap applied straight away on the thread that
read it (``Core.on_message``) looks, in the same turn, whether anything is queued before
it: anything taken is in the hands of whoever holds the turn, so nothing is overtaken.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class WorkQueue(Generic[T]):
    def __init__(self) -> None:
        self._items: deque[T | None] = deque()
        self._cv = threading.Condition()
        self._poked = False

    def put(self, item: T | None) -> None:
        """``None``: stop once what is before it is done."""
        with self._cv:
            self._items.append(item)
            self._cv.notify()

    def poke(self) -> None:
        """Wake the waiting loop without work: what it waits for changed (work was done
        on another thread, and the board is due sooner than it thought)."""
        with self._cv:
            self._poked = True
            self._cv.notify()

    def wait(self, timeout: float) -> None:
        """Until something is queued, the queue is poked or ``timeout`` seconds passed."""
        with self._cv:
            self._cv.wait_for(lambda: bool(self._items) or self._poked, timeout)
            self._poked = False

    def take(self, most: int) -> tuple[list[T], bool]:
        """Up to ``most`` items from the front; True when the stop came with them."""
        items: list[T] = []
        with self._cv:
            while self._items and len(items) < most:
                item = self._items.popleft()
                if item is None:
                    return items, True
                items.append(item)
        return items, False

    def empty(self) -> bool:
        with self._cv:
            return not self._items

    def qsize(self) -> int:
        with self._cv:
            return len(self._items)
