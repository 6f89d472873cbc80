"""Wiring a bay's kiosk: its station, its MQTT link, and ``pitboard kiosk --bay``."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import SiteConfig
from core.contract import topics
from core.mqtt import BrokerAddress
from devices.link import DeviceLink
from kiosk.sign_in_guard import SignInGuard
from kiosk.station import Station

logger = logging.getLogger(__name__)


def kiosk_device(config: SiteConfig, bay: str) -> str:
    for k in config.kiosks:
        if k.bay == bay:
            return k.device
    known = ", ".join(k.bay for k in config.kiosks) or "none"
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


def run_kiosk(
    config: SiteConfig,
    bay: str,
    address: BrokerAddress,
    password: str | None,
    host: str,
    port: int,
    state_dir: Path,
) -> int:
    """Serve one bay's kiosk full-screen on this PC."""
    from nicegui import app, ui

    from kiosk.page import build

    station, link = connect(config, bay, address, password, state_dir)
    if host not in ("127.0.0.1", "localhost", "::1"):
        # This page knows no pairing: it is the bay PC's own screen.
        logger.warning(
            "the kiosk page listens on %s: every browser that reaches it acts as bay %s's "
            "kiosk (keep --host 127.0.0.1 and show it on this PC's own screen)",
            host,
            bay,
        )

    @ui.page("/")
    def index() -> None:
        build(station)

    app.on_shutdown(link.stop)
    print(
        f"kiosk {station.device} at bay {bay}: http://{host}:{port}/ "
        f"(broker {address.host}:{address.port}, outbox in {state_dir})",
        flush=True,
    )
    ui.run(
        host=host,
        port=port,
        reload=False,
        show=False,
        title=f"Pitboard {bay}",
        language="zh-CN",
    )
    return 0
