"""A key cabinet's hooks for the demo player in tests: what was hung and taken, in order."""

from __future__ import annotations


class Hooks:
    def __init__(self) -> None:
        self.log: list[tuple[str, int, str | None]] = []

    @property
    def slots(self) -> int:
        return 12

    def hang(self, tag: str, slot: int) -> None:
        self.log.append(("hang", slot, tag))

    def take(self, slot: int) -> None:
        self.log.append(("take", slot, None))
