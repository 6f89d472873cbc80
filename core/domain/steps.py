"""Work done a step at a time: a generator that yields between its steps and returns what
it made, so that the core can take a waiting tap in between."""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

Made = TypeVar("Made")


def whole(steps: Generator[None, None, Made]) -> Made:
    """What ``steps`` makes, all its steps taken at once."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
