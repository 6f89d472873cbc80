"""The foreman's board on the wire: each part sent only when its content changed since it
was last sent, then the index that numbers them; device rows one by one.

A board whose every card moved (a car finished early: every car queued behind it is due
earlier) is many parts: they may go out a slice at a time, between the core's batches, so
no tap waits behind them. The index follows the last of them."""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Generator
from datetime import datetime

from core.contract.dispatch_lists import device_alerts
from core.contract.dispatch_parts import (
    BOARD_PREFIX,
    DEVICE_PREFIX,
    INDEX,
    BoardPart,
    DeviceView,
    DispatchIndex,
    device_parts,
    digest,
    split_in_steps,
)
from core.contract.messages import dump
from core.contract.topics import ROOT
from core.contract.views import DeviceRow, DispatchView
from core.domain.steps import whole

from .items import Publisher


class BoardPublisher:
    def __init__(self, site: str, publisher: Publisher) -> None:
        self.site = site
        self.publisher = publisher
        self.root = ROOT.format(site=site)
        #: A new one each start: a subscriber tells parts left over from before by it.
        self.run = secrets.token_hex(4)
        self.seq = 0
        # What the broker holds, as sent (before numbering), to compare the next board with.
        self._parts: dict[str, BoardPart] = {}
        self._seqs: dict[str, int] = {}
        self._devices: dict[str, DeviceView] = {}
        #: How many times the board was asked for whole, and how many of those asks a board
        #: went out whole for: an ask that comes while a board is compared over several
        #: steps is answered by the next one.
        self._asked_again = 0
        self._sent_whole = 0
        self._devices_again = False
        #: Parts of the newest board not sent yet (a name and the part, None to clear it).
        self._outgoing: deque[tuple[str, BoardPart | None]] = deque()
        self._index: tuple[int, datetime, datetime | None, datetime | None] | None = None
        #: Bytes sent on the board's topics (parts, index, device rows) since the start.
        self.bytes_sent = 0

    def send_all_again(self) -> None:
        """The next board and device rows go out whole (a broker that may have lost them)."""
        self._devices_again = True
        self._asked_again += 1

    @property
    def staged(self) -> bool:
        """Parts of the newest board (or its index) still to be sent."""
        return self._index is not None

    def publish_board(self, view: DispatchView, limit: int | None = None) -> bool:
        """The parts that changed, ``limit`` of them now (all without one), the rest with
        ``send_staged``; True while some are still to go."""
        whole(self.stage(view, None))
        return self.send_staged(limit)

    def stage(self, view: DispatchView, per_step: int | None) -> Generator[None, None, None]:
        """The parts of ``view`` that changed, made ready to send (``send_staged``), yielding
        after every ``per_step`` parts looked at (None: never): a board of a thousand parts
        is compared between the core's batches."""
        self.send_staged()  # the board before goes out whole first
        self.seq += 1
        asked = self._asked_again
        again = asked > self._sent_whole
        parts = yield from split_in_steps(view, self._parts, per_step)
        for name in [n for n in self._parts if n not in parts]:
            self._outgoing.append((name, None))
            del self._parts[name], self._seqs[name]
        looked = 0
        for name, part in parts.items():
            old = self._parts.get(name)
            if again or (old is not part and old != part):
                self._outgoing.append((name, part.model_copy(update=self._numbered())))
                self._parts[name] = part
                self._seqs[name] = self.seq
            looked += 1
            if looked == per_step:
                looked = 0
                yield
        self._sent_whole = asked
        self._index = (self.seq, view.updated_at, view.timeline_from, view.timeline_to)

    def send_staged(self, limit: int | None = None) -> bool:
        """Up to ``limit`` of the staged parts, the index after the last; True while some
        are still to go."""
        sent = 0
        while self._outgoing and (limit is None or sent < limit):
            name, part = self._outgoing.popleft()
            if part is None:
                self._clear(BOARD_PREFIX + name)
            else:
                self._send(BOARD_PREFIX + name, part)
            sent += 1
        if self._outgoing or self._index is None:
            return bool(self._outgoing)
        seq, updated_at, timeline_from, timeline_to = self._index
        self._index = None
        index = DispatchIndex(
            site=self.site,
            run=self.run,
            seq=seq,
            updated_at=updated_at,
            timeline_from=timeline_from,
            timeline_to=timeline_to,
            parts=len(self._seqs),
            digest=digest(self._seqs),
            devices=len(self._devices),  # counted as sent: rows may have come meanwhile
        )
        self._send(BOARD_PREFIX + INDEX, index)
        return False

    def publish_devices(self, rows: list[DeviceRow]) -> bool:
        """The rows that changed; True when devices came or went, which the next index
        counts."""
        self.seq += 1
        parts = device_parts(self.site, rows, device_alerts(rows))
        gone = [d for d in self._devices if d not in parts]
        for device in gone:
            self._clear(DEVICE_PREFIX + device)
            del self._devices[device]
        came = False
        for device, part in parts.items():
            old = self._devices.get(device)
            came |= old is None
            if self._devices_again or old != part:
                self._send(DEVICE_PREFIX + device, part.model_copy(update=self._numbered()))
                self._devices[device] = part
        self._devices_again = False
        return came or bool(gone)

    def _numbered(self) -> dict[str, object]:
        return {"run": self.run, "seq": self.seq}

    def _send(self, suffix: str, part: BoardPart | DeviceView | DispatchIndex) -> None:
        payload = dump(part)
        self.bytes_sent += len(payload)
        self.publisher.publish(self.root + suffix, payload, 1, True)

    def _clear(self, suffix: str) -> None:
        """An empty retained message: the broker forgets the part, subscribers drop it."""
        self.publisher.publish(self.root + suffix, b"", 1, True)
