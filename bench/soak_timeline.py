"""What the soak has to do later (end a fault, start a killed process again), in order."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timeline:
    _heap: list[tuple[float, int, Callable[[], None]]] = field(default_factory=list)
    _count: itertools.count[int] = field(default_factory=itertools.count)

    def later(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (time.monotonic() + delay, next(self._count), action))

    def run_due(self) -> None:
        now = time.monotonic()
        while self._heap and self._heap[0][0] <= now:
            heapq.heappop(self._heap)[2]()

    def flush(self) -> None:
        """Everything still to do, now, in the order it was due."""
        while self._heap:
            heapq.heappop(self._heap)[2]()

    def __len__(self) -> int:
        return len(self._heap)
