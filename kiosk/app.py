"""A bay's kiosk station on its own MQTT link. The process around it (its web page on
the bay PC, or the one machine of ``pitboard run``) is made by pitboard/."""

from __future__ import annotations

from pathlib import Path

from core.config import SiteConfig
from core.contract import topics
from core.mqtt import BrokerAddress
from devices.link import DeviceLink
from kiosk.sign_in_guard import SignInGuard
from kiosk.station import Station


def kiosk_device(config: SiteConfig, bay: str) -> str:
    """The device the bay's kiosk taps as; a console sent to by hand is none (its numbers
    skip, and a kiosk's must not)."""
    device = config.kiosk_at(bay)
    if device is not None:
        return device
    known = ", ".join(dict.fromkeys(k.bay for k in config.kiosks if not k.by_hand)) or "none"
    raise ValueError(f"no kiosk is configured at bay {bay!r} (kiosk bays: {known})")


def connect(
    config: SiteConfig,
    bay: str,
    address: BrokerAddress,
    password: str | None,
    state_dir: Path,
) -> tuple[Station, DeviceLink]:
    """A station for ``bay`` with its link started (it keeps retrying until the broker
    answers; taps made meanwhile wait in the outbox)."""
    device = kiosk_device(config, bay)
    # Its sign-in waits beside its outbox: a restart of the PC resets none of them.
    guard = SignInGuard(config, state_dir / f"{device}.signin.json")
    station = Station(config, bay, device, guard)
    link = DeviceLink(
        address,
        config.site.id,
        device,
        password,
        state_dir,
        kind="kiosk",
        on_answer=station.on_answer,
        on_change=station.on_change,
        subscriptions={topics.BAY_STATE.full(config.site.id, bay=bay): station.on_bay_state},
    )
    station.attach(link)
    link.start()
    return station, link
