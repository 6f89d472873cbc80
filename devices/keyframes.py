"""Key-cabinet reader protocols and custody rules, free of I/O.

EM4100 / RDM6300 frames: STX (0x02), 10 hex ASCII data, 2 hex ASCII checksum (XOR of the
five data bytes), ETX (0x03). Plain ID readers send a line per read. Anything else on the
wire is counted and dropped: noise never becomes a key event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STX, ETX = 0x02, 0x03
_HEX = frozenset(b"0123456789ABCDEFabcdef")
_LINE_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{3,31}$")
_MAX_LINE = 64


def em4100_frame(tag: str) -> bytes:
    """The frame a reader sends for a 10-hex-digit tag (for simulators and tests)."""
    data = bytes.fromhex(tag)
    if len(data) != 5:
        raise ValueError("an EM4100 tag is 10 hex digits")
    checksum = 0
    for b in data:
        checksum ^= b
    return bytes([STX]) + tag.upper().encode() + f"{checksum:02X}".encode() + bytes([ETX])


@dataclass
class Em4100Decoder:
    """Feed bytes as they come (split or joined frames alike); get whole, valid tags."""

    garbage: int = 0
    bad_checksums: int = 0
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> list[str]:
        tags: list[str] = []
        self._buf.extend(chunk)
        while self._buf:
            start = self._buf.find(STX)
            if start < 0:
                self.garbage += len(self._buf)
                self._buf.clear()
                break
            if start > 0:
                self.garbage += start
                del self._buf[:start]
            if len(self._buf) < 14:
                # A frame may still be on its way; but a new STX inside means this one broke.
                nxt = self._buf.find(STX, 1)
                if nxt > 0:
                    self.garbage += nxt
                    del self._buf[:nxt]
                    continue
                break
            frame = bytes(self._buf[:14])
            body = frame[1:13]
            if frame[13] != ETX or not all(b in _HEX for b in body):
                self.garbage += 1
                del self._buf[:1]  # resynchronise on the next STX
                continue
            data = bytes.fromhex(body[:10].decode())
            checksum = 0
            for b in data:
                checksum ^= b
            if checksum != int(body[10:12], 16):
                self.bad_checksums += 1
                del self._buf[:14]
                continue
            tags.append(body[:10].decode().upper())
            del self._buf[:14]
        return tags

    def drop_partial(self) -> None:
        """The line broke: half a frame from before can never be finished by what follows."""
        self.garbage += len(self._buf)
        self._buf.clear()


@dataclass
class LineDecoder:
    """Readers that type an ID and a line end (CR, LF or both)."""

    garbage: int = 0
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> list[str]:
        tags: list[str] = []
        self._buf.extend(chunk)
        while True:
            ends = [i for i in (self._buf.find(b"\r"), self._buf.find(b"\n")) if i >= 0]
            if not ends:
                if len(self._buf) > _MAX_LINE:
                    self.garbage += len(self._buf)
                    self._buf.clear()
                break
            end = min(ends)
            line = bytes(self._buf[:end])
            del self._buf[: end + 1]
            if not line.strip():
                continue
            try:
                text = line.decode("ascii").strip()
            except UnicodeDecodeError:
                self.garbage += len(line)
                continue
            if _LINE_TAG.match(text):
                tags.append(text)
            else:
                self.garbage += len(line)
        return tags

    def drop_partial(self) -> None:
        """The line broke: the start of a line from before is not the start of the next."""
        self.garbage += len(self._buf)
        self._buf.clear()


@dataclass(frozen=True)
class Custody:
    """A change the cabinet saw: ``kind`` is ``key.in`` or ``key.out``."""

    kind: str
    tag: str


@dataclass
class SlotPresence:
    """A reader under one slot repeats its frame while the tag hangs there.

    The first valid frame is ``key.in``; silence longer than ``gap`` seconds is ``key.out``;
    a different tag without a gap means the first left and the second arrived.

    Silence means "no tag" only while the reader can be heard. A reader that is down (port
    closed or gone, read errors) says nothing about the hook, so custody stays as it was;
    back up, it gets a whole ``gap`` to read the tag again before the key counts as taken.
    """

    gap: float
    tag: str | None = None
    last_seen: float = 0.0
    is_down: bool = False

    def down(self, now: float) -> None:
        self.is_down = True

    def up(self, now: float) -> None:
        self.is_down = False
        self.last_seen = now

    def held(self) -> list[str]:
        return [] if self.tag is None else [self.tag]

    def hold(self, tags: list[str], now: float) -> None:
        """Believed on the hook when the reader starts: it has a gap to read it again."""
        self.tag, self.last_seen = (tags[0] if tags else None), now

    def read(self, tag: str, now: float) -> list[Custody]:
        out: list[Custody] = []
        if self.tag is not None and self.tag != tag:
            out.append(Custody("key.out", self.tag))
            self.tag = None
        if self.tag is None:
            out.append(Custody("key.in", tag))
            self.tag = tag
        self.last_seen = now
        return out

    def tick(self, now: float) -> list[Custody]:
        if self.is_down:
            return []
        if self.tag is not None and now - self.last_seen > self.gap:
            tag, self.tag = self.tag, None
            return [Custody("key.out", tag)]
        return []


@dataclass
class DoorToggle:
    """One reader at the cabinet door: each pass of a tag toggles it in or out.

    A tag held in front of the reader repeats its frame; reads of the same tag closer
    together than ``gap`` seconds are one pass.
    """

    gap: float
    inside: set[str] = field(default_factory=set)
    _last: dict[str, float] = field(default_factory=dict)

    def read(self, tag: str, now: float) -> list[Custody]:
        last = self._last.get(tag)
        self._last[tag] = now
        if last is not None and now - last <= self.gap:
            return []
        if tag in self.inside:
            self.inside.discard(tag)
            return [Custody("key.out", tag)]
        self.inside.add(tag)
        return [Custody("key.in", tag)]

    def held(self) -> list[str]:
        return sorted(self.inside)

    def hold(self, tags: list[str], now: float) -> None:
        """Inside when the reader starts: the next pass of one of them goes out."""
        self.inside = set(tags)

    def down(self, now: float) -> None:
        """Passes while the reader is down are not seen; nothing else to hold."""

    def up(self, now: float) -> None:
        """Back up, the next pass of a tag toggles it, as any pass does."""

    def tick(self, now: float) -> list[Custody]:
        stale = [t for t, at in self._last.items() if now - at > self.gap]
        for t in stale:
            del self._last[t]
        return []
