"""How long to wait before the next connection attempt."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Doubling waits, ``first`` to ``most`` whole seconds; ``first`` again once connected."""

    first: int = 1
    most: int = 30
    _next: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.most:
            raise ValueError("the back-off needs 0 < first <= most")
        self._next = self.first

    def next(self) -> int:
        """The wait before the coming attempt; the one after will be twice as long."""
        wait = self._next
        self._next = min(self._next * 2, self.most)
        return wait

    def reset(self) -> None:
        self._next = self.first
