"""The devices bridge: the PC the key-cabinet readers (and printers) hang on, speaking MQTT
to the core through the same durable outbox as the kiosks."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from core.config import SiteConfig
from core.mqtt import BrokerAddress
from devices.keyframes import Custody
from devices.keyreader import KeyReader, ReaderSpec
from devices.link import DeviceLink

logger = logging.getLogger(__name__)


def reader_specs(config: SiteConfig) -> list[ReaderSpec]:
    return [
        ReaderSpec(
            url=r.url,
            cabinet=cab.id,
            protocol=r.protocol,
            mode=r.mode,
            slot=r.slot,
            gap_seconds=r.gap_seconds,
        )
        for cab in config.key_cabinets
        for r in cab.readers
    ]


class Bridge:
    def __init__(
        self,
        config: SiteConfig,
        address: BrokerAddress,
        password: str | None,
        state_dir: Path,
        specs: list[ReaderSpec] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.link = DeviceLink(
            address,
            config.site.id,
            config.bridge.device,
            password,
            state_dir,
            kind="bridge",
            status_extra=self._status,
        )
        self.readers = [
            KeyReader(spec, self._custody, self._port)
            for spec in (reader_specs(config) if specs is None else specs)
        ]

    def _status(self) -> dict[str, Any]:
        return {
            "readers": {
                r.spec.url: {"open": r.port_open, "garbage": r.garbage} for r in self.readers
            }
        }

    def _custody(self, spec: ReaderSpec, change: Custody) -> None:
        logger.info("%s slot %s: %s %s", spec.cabinet, spec.slot, change.kind, change.tag)
        self.link.send(
            change.kind, data={"cabinet": spec.cabinet, "slot": spec.slot, "tag": change.tag}
        )

    def _port(self, spec: ReaderSpec, is_open: bool) -> None:
        if not is_open:
            logger.warning("key reader %s (%s) is gone", spec.url, spec.cabinet)
        self.link.announce()

    def start(self) -> Bridge:
        self.link.start()
        for r in self.readers:
            r.start()
        return self

    def stop(self) -> None:
        for r in self.readers:
            r.stop()
        self.link.stop()
