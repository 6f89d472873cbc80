"""A key-cabinet reader on a serial port: reads frames, reopens the port when a USB reader
is unplugged and plugged back, and reports custody changes. While the port is closed, gone
or failing the reader is down and tells its custody rules so: a dead reader invents nothing
(see keyframes.SlotPresence)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from devices.keyframes import Custody, DoorToggle, Em4100Decoder, LineDecoder, SlotPresence

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReaderSpec:
    url: str
    cabinet: str
    protocol: str = "em4100"  # em4100 | line
    mode: str = "slot"  # slot | door
    slot: int | None = None
    gap_seconds: float = 2.0
    baudrate: int = 9600


class KeyReader:
    """One reader, on its own thread. ``on_custody(spec, change)`` gets every change."""

    def __init__(
        self,
        spec: ReaderSpec,
        on_custody: Callable[[ReaderSpec, Custody], None],
        on_port: Callable[[ReaderSpec, bool], None] = lambda _s, _o: None,
        reopen_every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        held: list[str] | None = None,
    ) -> None:
        """``held``: the tags the reader believed inside when it last ran (custody_file.py)."""
        self.spec = spec
        self.decoder: Em4100Decoder | LineDecoder = (
            Em4100Decoder() if spec.protocol == "em4100" else LineDecoder()
        )
        self.custody: SlotPresence | DoorToggle = (
            SlotPresence(spec.gap_seconds) if spec.mode == "slot" else DoorToggle(spec.gap_seconds)
        )
        if held:
            self.custody.hold(held, clock())
        self.on_custody, self.on_port = on_custody, on_port
        self.reopen_every, self.clock = reopen_every, clock
        self.port_open = False
        self.reopens = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"reader-{spec.url}", daemon=True)

    @property
    def garbage(self) -> int:
        d = self.decoder
        return d.garbage + (d.bad_checksums if isinstance(d, Em4100Decoder) else 0)

    def start(self) -> KeyReader:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _emit(self, changes: list[Custody]) -> None:
        for change in changes:
            try:
                self.on_custody(self.spec, change)
            except Exception:
                logger.exception("key reader %s: could not report %s", self.spec.url, change)

    def _set_open(self, is_open: bool) -> None:
        if is_open != self.port_open:
            self.port_open = is_open
            self.on_port(self.spec, is_open)

    def _down(self) -> None:
        """The reader cannot be heard: custody holds until it can be again."""
        self.custody.down(self.clock())
        self._set_open(False)

    def _up(self) -> None:
        self.reopens += 1
        self.decoder.drop_partial()
        self.custody.up(self.clock())
        self._set_open(True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                port = serial.serial_for_url(
                    self.spec.url, baudrate=self.spec.baudrate, timeout=0.1
                )
            except (serial.SerialException, OSError) as exc:
                self._down()
                logger.debug("key reader %s: cannot open: %s", self.spec.url, exc)
                self._emit(self.custody.tick(self.clock()))
                self._stop.wait(self.reopen_every)
                continue
            self._up()
            logger.debug("key reader %s open", self.spec.url)
            try:
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                logger.warning("key reader %s lost: %s; reopening", self.spec.url, exc)
            finally:
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
            if self._stop.is_set():
                return  # stopped on purpose (the bridge is stopping): the reader is not down
            self._down()

    def _read(self, port: serial.SerialBase) -> None:
        while not self._stop.is_set():
            chunk = port.read(64)
            now = self.clock()
            for tag in self.decoder.feed(chunk):
                self._emit(self.custody.read(tag, now))
            self._emit(self.custody.tick(now))
