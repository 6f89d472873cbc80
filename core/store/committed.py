"""What the last durable commit stored of each job, for a writer that writes only what
changed (its report rows, its row's columns fixed at check-in): what the running
transaction writes waits until the transaction ends, and is believed only if it commits."""

from __future__ import annotations

from collections.abc import Collection
from typing import Generic, TypeVar

T = TypeVar("T")

#: Beyond this many more jobs remembered than the workshop holds, the cars that left go.
_SLACK = 64


class Committed(Generic[T]):
    """Each job's value as the last commit stored it."""

    def __init__(self) -> None:
        self._stored: dict[str, T] = {}
        self._pending: dict[str, T] = {}

    def stored(self, ro: str) -> T | None:
        """The job's value as committed, or None: nothing known (write it whole)."""
        return self._stored.get(ro)

    def writing(self, ro: str, value: T) -> None:
        """The running transaction writes ``value`` for the job."""
        self._pending[ro] = value

    def committed(self, live: Collection[str]) -> None:
        """The transaction is durable: what it wrote is what the tables hold."""
        self._stored.update(self._pending)
        self._pending.clear()
        if len(self._stored) > len(live) + _SLACK:
            self._stored = {ro: value for ro, value in self._stored.items() if ro in live}

    def forget(self) -> None:
        """The transaction failed: nothing is known of the tables; write every job whole."""
        self._pending.clear()
        self._stored.clear()
