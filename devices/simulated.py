"""Simulated devices for `pitboard run`: the devices bridge with a key cabinet whose hooks
are pseudo-terminals, so the real serial reader code runs; the demo hangs and takes keys."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from core.config import SiteConfig
from core.mqtt import BrokerAddress
from devices.bridge import Bridge
from devices.keyframes import em4100_frame
from devices.keyreader import ReaderSpec

# A slot reader repeats its frame this often while a key hangs on the hook.
REPEAT_EVERY = 0.4


class SimulatedKeyCabinet:
    """One EM4100 slot reader per hook, each on its own pseudo-terminal."""

    def __init__(self, cabinet: str, slots: int, gap_seconds: float = 1.5) -> None:
        self.cabinet = cabinet
        self._ptys = {slot: os.openpty() for slot in range(1, slots + 1)}
        self.specs = [
            ReaderSpec(url=os.ttyname(slave), cabinet=cabinet, slot=slot, gap_seconds=gap_seconds)
            for slot, (_, slave) in self._ptys.items()
        ]
        self._hanging: dict[int, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._repeat, name="key-cabinet", daemon=True)

    @property
    def slots(self) -> int:
        return len(self._ptys)

    def start(self) -> SimulatedKeyCabinet:
        self._thread.start()
        return self

    def hang(self, tag: str, slot: int) -> None:
        with self._lock:
            self._hanging[slot] = tag

    def take(self, slot: int) -> None:
        with self._lock:
            self._hanging.pop(slot, None)

    def _repeat(self) -> None:
        while not self._stop.wait(REPEAT_EVERY):
            with self._lock:
                hanging = dict(self._hanging)
            for slot, tag in hanging.items():
                with contextlib.suppress(OSError):
                    os.write(self._ptys[slot][0], em4100_frame(tag))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for master, slave in self._ptys.values():
            for fd in (master, slave):
                with contextlib.suppress(OSError):
                    os.close(fd)


class SimulatedDevices:
    def __init__(
        self, config: SiteConfig, address: BrokerAddress, passwords: dict[str, str], slots: int = 12
    ) -> None:
        cab = config.key_cabinets[0] if config.key_cabinets else None
        self.cabinet = SimulatedKeyCabinet(
            cab.id if cab else "KC1", min(slots, cab.slots if cab else slots)
        )
        device = config.bridge.device
        self.bridge = Bridge(
            config,
            address,
            passwords.get(device),
            Path(config.data_dir) / "devices",
            specs=self.cabinet.specs,
        )

    def start(self) -> SimulatedDevices:
        self.cabinet.start()
        self.bridge.start()
        return self

    def stop(self) -> None:
        self.bridge.stop()
        self.cabinet.stop()
