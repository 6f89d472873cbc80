"""Simulated devices for `pitboard run`: the devices bridge online, a key cabinet the demo
can drive (key.in / key.out through the real MQTT path)."""

from __future__ import annotations

from pathlib import Path

from core.config import SiteConfig
from core.mqtt import BrokerAddress
from devices.link import DeviceLink


class SimulatedDevices:
    def __init__(
        self, config: SiteConfig, address: BrokerAddress, passwords: dict[str, str]
    ) -> None:
        device = config.bridge.device
        self.cabinet = config.key_cabinets[0].id if config.key_cabinets else "KC1"
        self.bridge = DeviceLink(
            address,
            config.site.id,
            device,
            passwords.get(device),
            Path(config.data_dir) / "devices",
            kind="bridge",
        )

    def start(self) -> SimulatedDevices:
        self.bridge.start()
        return self

    def stop(self) -> None:
        self.bridge.stop()

    def key_in(self, tag: str, slot: int) -> int:
        return self.bridge.send(
            "key.in", data={"cabinet": self.cabinet, "slot": slot, "tag": tag}
        ).seq

    def key_out(self, tag: str, slot: int, holder: str | None = None) -> int:
        return self.bridge.send(
            "key.out", data={"cabinet": self.cabinet, "slot": slot, "tag": tag, "holder": holder}
        ).seq
