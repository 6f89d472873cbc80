"""Key-cabinet readers on pseudo-terminals, and the hands that hang keys over them.

Each reader sits under one hook and speaks EM4100 (devices/keyframes.py): while a key hangs
there it repeats the tag's frame, as an RDM6300 does; nothing while the hook is empty. It
can be unplugged and plugged back in (the device path goes away and comes back, a new
pseudo-terminal behind it) and made to send noise. The physical truth — when a key was
hung up and taken — is logged for the reconciliation.

A real serial line keeps nothing while nobody has the port open, and a pseudo-terminal
keeps everything: what has waited unread for longer than ``STALE`` is flushed, so a devices
bridge that was down does not read a backlog of frames from keys that have gone since, and
one that is merely slow still gets every frame. Whether the frames were taken off the line
tells when a bridge was reading it (``reading``): a key changed while nobody read can be
seen by no one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import struct
import termios
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from devices.keyframes import em4100_frame

FRAME_EVERY = 0.25  # seconds between repeated frames while a key hangs
STALE = 0.75  # seconds: older bytes on the line are gone, as on a port nobody has open


@dataclass(frozen=True)
class KeyChange:
    at: float  # time.time() of the change
    kind: str  # key.in | key.out
    tag: str
    slot: int


def noise(rng: random.Random, tag: str) -> bytes:
    """What a bad cable or a neighbouring reader puts on the line: stray bytes, a frame
    with a wrong checksum, half a frame. Never a valid frame."""
    stray = bytes(
        rng.choice(b"0123456789ABCDEF\x03\x00\xff\r\n ") for _ in range(rng.randint(1, 9))
    )
    good = em4100_frame(tag)
    wrong = good[:11] + (b"0" if good[11:12] != b"0" else b"1") + good[12:]
    # Half a frame ends in a byte no frame holds: left open, the next write's stray hex
    # digits and ETX could complete it into a valid frame of the tag (a key read from noise).
    half = good[: rng.randint(2, 12)] + b"\xff"
    return rng.choice([stray, wrong, half, stray + half, wrong + stray])


@dataclass
class PtyReader:
    path: Path
    slot: int
    tag: str
    hanging: bool = False
    noisy: bool = False
    changes: list[KeyChange] = field(default_factory=list)
    plugged_since: float = 0.0
    # Spans of time [start, end] in which every frame sent was read off the line, and in
    # which the reader was unplugged.
    reading: list[list[float]] = field(default_factory=list)
    unplugged: list[list[float]] = field(default_factory=list)
    _sent: bool = False
    _sent_at: list[float] = field(default_factory=list)  # when the bytes on the line came
    _master: int | None = None
    _slave: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _rng: random.Random = field(default_factory=random.Random)

    def start(self) -> PtyReader:
        self.plug()
        threading.Thread(target=self._run, name=f"reader-{self.slot}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.unplug()

    # ------------------------------------------------------------ the cable
    def plug(self) -> None:
        with self._lock:
            master, slave = os.openpty()
            tty.setraw(slave)
            tmp = self.path.with_suffix(".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.ttyname(slave))
            tmp.replace(self.path)
            self._master, self._slave = master, slave
            self.plugged_since = time.time()
            if self.unplugged and self.unplugged[-1][1] == float("inf"):
                self.unplugged[-1][1] = self.plugged_since

    def unplug(self) -> None:
        with self._lock:
            if self._master is not None:
                self.unplugged.append([time.time(), float("inf")])
            self.path.unlink(missing_ok=True)
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None

    @property
    def plugged(self) -> bool:
        return self._master is not None

    # ------------------------------------------------------------ the hook
    def hang(self) -> None:
        with self._lock:
            self.hanging = True
            self.changes.append(KeyChange(time.time(), "key.in", self.tag, self.slot))

    def take(self) -> None:
        with self._lock:
            self.hanging = False
            self.changes.append(KeyChange(time.time(), "key.out", self.tag, self.slot))

    def last_change(self) -> float:
        return self.changes[-1].at if self.changes else 0.0

    # ------------------------------------------------------------ the line
    def _run(self) -> None:
        while not self._stop.wait(FRAME_EVERY):
            with self._lock:
                if self._master is None or self._slave is None:
                    self._note_reading(False)
                    continue
                out = em4100_frame(self.tag) if self.hanging else b""
                if self.noisy:
                    out = noise(self._rng, self.tag) + out
                try:
                    self._line(out)
                except OSError:
                    continue

    def _line(self, out: bytes) -> None:
        """One frame period on the line (the caller holds the lock)."""
        assert self._master is not None and self._slave is not None
        now = time.time()
        unread = _unread(self._slave)
        if self._sent:
            self._note_reading(unread == 0)
        if unread == 0:
            self._sent_at.clear()
        elif self._sent_at and now - self._sent_at[0] > STALE:
            termios.tcflush(self._slave, termios.TCIFLUSH)
            self._sent_at.clear()
        if out:
            os.write(self._master, out)
            self._sent_at.append(now)
        self._sent = bool(out)

    def _note_reading(self, now_reading: bool) -> None:
        now = time.time()
        open_span = bool(self.reading) and self.reading[-1][1] == float("inf")
        if now_reading and not open_span:
            self.reading.append([now, float("inf")])
        elif not now_reading and open_span:
            self.reading[-1][1] = now


def _unread(fd: int) -> int:
    """Bytes waiting on the line that nobody has read."""
    return int(struct.unpack("i", fcntl.ioctl(fd, termios.TIOCINQ, b"\0\0\0\0"))[0])


class KeyHands:
    """Hangs each reader's key up and takes it again, now and then, never while its reader
    is unplugged; a key stays away long enough for the bridge to notice (the gap)."""

    def __init__(self, readers: list[PtyReader], gap: float, seed: str) -> None:
        self.readers = readers
        self.gap = gap
        self._rng = random.Random(seed)
        self._next = {r.slot: time.time() + self._rng.uniform(0.5, 3.0) for r in readers}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="key-hands", daemon=True)

    def start(self) -> KeyHands:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        # A reader that has just come back is reopened and reports what it missed (a key
        # taken while it was away is reported a gap after it is read again) first.
        settle = self.gap + 2.0
        while not self._stop.wait(0.1):
            now = time.time()
            for r in self.readers:
                if now < self._next[r.slot] or not r.plugged or now - r.plugged_since < settle:
                    continue
                if r.hanging:
                    r.take()
                    self._next[r.slot] = now + self._rng.uniform(self.gap + 2, self.gap + 7)
                else:
                    r.hang()
                    self._next[r.slot] = now + self._rng.uniform(3.0, 9.0)
