"""What the core's queue carries, what it answers with, and what it counts."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from core.commands import Command
from core.domain.workshop import Workshop


class Publisher(Protocol):
    """The broker side the core needs: publish, and acknowledge a received message."""

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None: ...

    def puback(self, token: object) -> None: ...

    def send_now(self) -> None:
        """What was published and acknowledged goes on the wire from the calling thread."""


@dataclass(frozen=True)
class Incoming:
    topic: str
    payload: bytes
    token: object  # handed back to Publisher.puback after the commit
    received_at: datetime
    arrived: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class WebCommand:
    command: Command
    actor: str
    future: Future[Any]


@dataclass(frozen=True)
class Query:
    """A read of the live workshop, answered in turn with everything else (after commit)."""

    fn: Callable[[Workshop, datetime], Any]
    future: Future[Any]


@dataclass(frozen=True)
class Republish:
    """Publish every retained view again (after a (re)connect)."""

    # After a new broker connection, what we knew of devices may be stale (a device that
    # died while the broker was down left no Last Will): they count as offline until
    # their retained status arrives again.
    connected: bool = False


Item = Incoming | WebCommand | Query | Republish


@dataclass
class Counters:
    applied: int = 0
    duplicate: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    held: int = 0
    batches: int = 0
    commit_failures: int = 0
    # Arrival to commit of device events, and building + publishing the views (seconds).
    ingest_lag_sum: float = 0.0
    ingest_lag_count: int = 0
    view_publish_sum: float = 0.0
    view_publish_count: int = 0


T = TypeVar("T")


def take_batch(waiting: queue.Queue[T | None], first: T, most: int) -> tuple[list[T], bool]:
    """``first`` and what else is waiting, up to ``most`` items, for one writer's batch;
    True when the stop (None) came with them."""
    items = [first]
    while len(items) < most:
        try:
            nxt = waiting.get_nowait()
        except queue.Empty:
            break
        if nxt is None:
            return items, True
        items.append(nxt)
    return items, False
