"""Work done on a thread of its own while the batch thread's commit waits for the disk.

A commit ends with the database syncing its log: a third of a millisecond on SQLite with
``synchronous=FULL`` (a round trip and the server's sync on PostgreSQL), in which the batch
thread holds no interpreter and does nothing. The bay states it publishes next depend only
on the workshop as applied, which the commit reads and nobody changes; made on another
thread in that time, they are ready when the commit returns. Nothing made here is published
before the commit has succeeded: the batch thread takes the result afterwards, and after a
failed commit waits for the work to end and throws it away.

The store says when the sync begins (``Store.commit``'s ``while_syncing``): begun earlier, the
work would take the interpreter from the commit's own statements.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds the helper thread waits for work before it ends (the next commit starts another):
#: a quiet site keeps no idle thread, a core made in a test leaves none behind.
IDLE = 10.0


class Pending(Generic[T]):
    """One piece of work: begun on the helper thread by ``begin`` (the store calls it when
    its commit syncs), or run on the caller's thread by ``result`` if it never began."""

    def __init__(self, helper: BesideSync, work: Callable[[], T]) -> None:
        self._helper = helper
        self._work = work
        self._begun = False
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def begin(self) -> None:
        if self._begun:
            return
        try:
            self._helper.run(self)
        except RuntimeError:  # no thread to be had: ``result`` does the work after the commit
            logger.warning("no thread for the work beside the commit's sync", exc_info=True)
            return
        self._begun = True

    def run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as err:  # handed to whoever takes the result
            self._error = err
        finally:
            self._done.set()

    def result(self) -> T:
        """The work's value (or its exception), once it is done."""
        if not self._begun:
            self._begun = True
            self.run()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def settle(self) -> None:
        """Wait for work begun to end, its result unwanted (the commit failed): what it
        touches is the caller's again."""
        if self._begun:
            self._done.wait()


class BesideSync:
    """The helper thread, started when there is work and ended when there has been none
    for ``IDLE`` seconds."""

    def __init__(self, name: str = "pitboard-beside-sync") -> None:
        self.name = name
        self._cv = threading.Condition()
        self._waiting: Pending[object] | None = None
        self._thread: threading.Thread | None = None

    def prepare(self, work: Callable[[], T]) -> Pending[T]:
        return Pending(self, work)

    def run(self, pending: Pending[T]) -> None:
        with self._cv:
            if self._thread is None:
                thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                thread.start()  # raises when the process can start no more threads
                self._thread = thread
            self._waiting = pending  # type: ignore[assignment]
            self._cv.notify()

    def _serve(self) -> None:
        while True:
            with self._cv:
                if not self._cv.wait_for(lambda: self._waiting is not None, IDLE):
                    self._thread = None  # under the lock: ``run`` starts the next one
                    return
                pending, self._waiting = self._waiting, None
            assert pending is not None
            pending.run()
