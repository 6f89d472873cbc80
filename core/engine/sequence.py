"""Where each device's sequence stands: the next event applied, a repeat answered, an event
ahead of a gap held until the gap fills. A device numbered ``rising`` (sent by hand) has no
gaps: any number above its last is its next."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum

from core.store.repository import InboxEntry

from .items import Counters

logger = logging.getLogger(__name__)


class Place(Enum):
    NEXT = "next"
    HAD = "had"  # a repeat: answered duplicate, changes nothing
    AHEAD = "ahead"  # a gap before it: neither applied nor answered (only PUBACKed)


class SequenceKeeper:
    """Positions move only when the batch that moved them commits."""

    def __init__(
        self,
        committed: dict[str, int],
        counters: Counters,
        rising: frozenset[str] = frozenset(),
    ) -> None:
        self._committed = dict(committed)
        self._rising = rising
        self._working = dict(committed)
        self._counters = counters
        self.inbox: list[InboxEntry] = []
        # The time of each device's latest applied event since the core started.
        self._times: dict[str, datetime] = {}
        self._times_working: dict[str, datetime] = {}

    def begin(self) -> None:
        self._working = dict(self._committed)
        self._times_working = dict(self._times)
        self.inbox = []

    def commit(self) -> None:
        self._committed = self._working
        self._times = self._times_working

    def clock_behind(self, device: str, ts: datetime) -> float | None:
        """Seconds an applied event's time lies before the device's previous one (its clock
        was set back), or None. Such an event is applied at its own time all the same."""
        before = self._times_working.get(device)
        if before is None or ts >= before:
            self._times_working[device] = ts
            return None
        return (before - ts).total_seconds()

    def reset(self, committed: dict[str, int]) -> None:
        self._committed = dict(committed)
        self.begin()

    def place(self, device: str, seq: int) -> Place:
        """The device sends everything unanswered again, oldest first: a gap fills. A
        person sending by hand resends nothing, so their skipped numbers are used up."""
        expected = self._working.get(device, 0) + 1
        if seq < expected:
            self._counters.duplicate += 1
            return Place.HAD
        if seq > expected and device not in self._rising:
            self._counters.held += 1
            logger.info("%s#%d held: #%d must come first", device, seq, expected)
            return Place.AHEAD
        return Place.NEXT

    def skips(self, device: str) -> bool:
        """Its numbers may skip forward: a number below its last may never have been used."""
        return device in self._rising

    def answered(self, device: str, seq: int) -> tuple[str, str | None, str | None] | None:
        """What became of an event earlier in this batch (not yet in the store), and the
        digest of the message that used the number."""
        for entry in reversed(self.inbox):
            if entry.source == device and entry.seq == seq:
                return entry.result, entry.error_code, entry.digest
        return None

    def next_seq(self, device: str) -> int:
        return self._working.get(device, 0) + 1

    def take(
        self,
        device: str,
        seq: int,
        result: str,
        code: str | None,
        received_at: datetime,
        digest: str | None,
    ) -> None:
        """The device's event is used up, whatever became of it; the inbox says what."""
        self._working[device] = seq
        self.inbox.append(InboxEntry(device, seq, result, code, received_at, digest))
