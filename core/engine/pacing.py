"""How often the core's threads hand the interpreter to each other.

Between taps often (the process sets it at start, ``HANDOVER`` in core/app.py): a tap read
while the batch thread builds the lounge or the board is parsed by the MQTT thread only
once it holds the interpreter. In a flood less often: the acks of a big batch are no
one tap's wait, what counts is events a second, and every hand-over costs both threads
their caches and a wake-up (through a real broker, a 5 ms interval ingested ≈ 14 % more
events a second on SQLite than 0.5 ms; docs/performance.md).
"""

from __future__ import annotations

import sys

#: Seconds a thread may hold the interpreter while another waits, in a flood (Python's own
#: default, as the core ran before it stepped aside for its acks).
FLOOD_SWITCH = 0.005


class Pacing:
    """Sets the switch interval for each batch: a batch of more than ``flood`` items is a
    flood. Only a change of pace touches the interpreter."""

    def __init__(self, flood: int) -> None:
        self.flood = flood
        self.begin()

    def begin(self) -> None:
        """The interval the process set is the one between taps (read when the loop starts:
        the service sets it just before)."""
        self.between_taps = sys.getswitchinterval()
        self.flooding = False

    def batch(self, size: int) -> None:
        flooding = size > self.flood
        if flooding != self.flooding:
            self.flooding = flooding
            in_flood = max(FLOOD_SWITCH, self.between_taps)
            sys.setswitchinterval(in_flood if flooding else self.between_taps)

    def end(self) -> None:
        """The loop stopped: the process's own interval again."""
        self.batch(0)
