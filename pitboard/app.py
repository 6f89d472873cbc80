"""The site's processes, built in one order: broker → core (store, link, shift clock) →
kiosks → devices → demo → web. ``pitboard core`` builds the core and its web; ``pitboard
run`` builds every step on one machine."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.app import CoreService, data_dir, database_url, settle_memory
from core.broker import AmqttBroker, MosquittoBroker, free_port, mosquitto_binary, port_free
from core.config import SiteConfig
from core.mqtt import BrokerAddress

if TYPE_CHECKING:
    from core.contract.pairing import PairingBook
    from core.demo.player import DemoPlayer
    from core.engine import Core
    from core.store.repository import Store
    from devices.link import DeviceLink
    from devices.simulated import SimulatedDevices
    from kiosk.station import Station

logger = logging.getLogger("pitboard")


def mqtt_version(config: SiteConfig) -> str:
    """The MQTT version spoken to a broker of the site's own (``auto`` is 5)."""
    return "3.1.1" if config.broker.protocol == "3.1.1" else "5"


#: How often the main thread wakes while it waits for SIGTERM or SIGINT (seconds).
SIGNAL_POLL = 0.5


def wait_for_signal(stop: threading.Event | None = None) -> None:
    """Until SIGINT or SIGTERM. The wait wakes now and then: the kernel may hand the signal
    to any of the process's threads, and Python runs its handler only once the main thread
    runs again — blocked for good in a wait without a timeout, it never would (a stopped
    and continued process then ignored SIGTERM until killed)."""
    stop = stop_on_signals(stop)
    while not stop.wait(SIGNAL_POLL):
        pass


def stop_on_signals(stop: threading.Event | None = None) -> threading.Event:
    """An event SIGINT and SIGTERM set from now on (for a process that listens before it
    starts what may ask it to stop)."""
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def start_broker(config: SiteConfig, workdir: Path) -> MosquittoBroker | AmqttBroker:
    port = config.broker.listen_port
    if not port_free(port):
        taken, port = port, free_port()
        logger.warning("port %d is taken (another broker?): our broker uses %d", taken, port)
    if mosquitto_binary() is not None:
        return MosquittoBroker(config, workdir, port=port, extra_conf=group_bridge(config)).start()
    logger.warning("mosquitto is not installed: using the embedded amqtt broker (MQTT 3.1.1)")
    if config.group.enabled:
        logger.warning("[group]: the embedded broker has no bridge to head office")
    return AmqttBroker(port=port).start()


def group_bridge(config: SiteConfig) -> str:
    """The bridge to head office for a broker of our own, when the site feeds a group and
    says where head office is (and its bridge password is set); else nothing, and why."""
    from core.contract.bridge import BridgeError, bridge_password, render_bridge

    if not config.group.enabled:
        return ""
    try:
        return "\n" + render_bridge(config, bridge_password(config))
    except BridgeError as exc:
        logger.warning("[group]: the broker started here has no bridge to head office: %s", exc)
        return ""


@dataclass(frozen=True)
class Plan:
    """Which steps a command builds."""

    broker_url: str | None = None
    database_url: str | None = None
    # Everything on one machine: a broker of our own when none is configured, every
    # configured kiosk and simulated devices.
    everything: bool = False
    demo: bool = False
    speed: float = 60.0


def continue_numbering(store: Store, devices: list[str], state_dir: Path) -> None:
    """The demo's history was tapped at these kiosks, but their outboxes begin afresh: each
    numbers on from its last event in the history, as a kiosk that had been on the floor
    all along would (rather than have its first tap refused as a number taken, and sent
    again)."""
    from devices.link import outbox_path
    from devices.outbox import Outbox

    state_dir.mkdir(parents=True, exist_ok=True)
    last = store.last_seqs(devices)
    numbered = []
    for device in devices:
        outbox = Outbox(outbox_path(state_dir, device), device)
        try:
            if outbox.begin_after(last.get(device, 0)):
                numbered.append(f"{device} #{last[device] + 1}")
        finally:
            outbox.close()
    if numbered:
        logger.info("the kiosks number on from their history: %s", ", ".join(numbered))


class Pitboard:
    """One site's processes, built by ``start`` in order and stopped in reverse."""

    broker: MosquittoBroker | AmqttBroker | None
    address: BrokerAddress
    service: CoreService
    kiosks: dict[str, tuple[Station, DeviceLink]]
    devices: SimulatedDevices | None
    player: DemoPlayer | None

    def __init__(self, config: SiteConfig, plan: Plan) -> None:
        self.config = config
        self.plan = plan
        # Made for ``run`` (its broker, kiosks and devices keep their state there); a
        # core alone may keep nothing on its disk.
        self.base = data_dir(config) if plan.everything else Path(config.data_dir)
        self.broker = None
        self.kiosks = {}
        self.devices = None
        self.player = None
        self._stops: list[Callable[[], None]] = []
        # Sign-in sessions are kept with the site's other data, not where the command ran.
        os.environ.setdefault("NICEGUI_STORAGE_PATH", str(self.base.resolve() / "sessions"))

    def start(self) -> Pitboard:
        try:
            self.init_broker()
            self.init_core()
            if self.plan.everything:
                self.init_kiosks()
                self.init_devices()
            if self.plan.demo:
                self.init_demo()
        except BaseException:
            # A step that fails leaves no broker or link of the earlier ones running.
            self.stop()
            raise
        return self

    def init_broker(self) -> None:
        """The site's broker, or one of our own for ``run`` when none is configured."""
        cfg = self.config.broker
        url = self.plan.broker_url or cfg.url
        if url:
            self.address = BrokerAddress.from_url(
                url, cfg.username, cfg.password, mqtt_version(self.config), cfg.ca_file
            )
            return
        if not self.plan.everything:
            raise ValueError("no broker: set [broker] url or pass --broker-url")
        broker = self.broker = start_broker(self.config, self.base / "broker")
        self._stops.append(broker.stop)
        self.address = BrokerAddress.from_url(
            broker.url, cfg.username, broker.passwords.get(cfg.username), broker.protocol
        )

    def init_core(self) -> None:
        """Storage migrated, the workshop loaded, the core connected to the broker."""
        self.service = CoreService(
            self.config, self.address, self.plan.database_url or database_url(self.config)
        ).start()
        self._stops.append(self.service.stop)
        logger.info("core of site %s running", self.config.site.id)

    @property
    def passwords(self) -> dict[str, str]:
        """Device passwords of a broker of our own (an external one's are not ours to know)."""
        return self.broker.passwords if self.broker is not None else {}

    def init_kiosks(self) -> None:
        """Every configured kiosk, each with its own MQTT user and outbox as on its bay PC."""
        from kiosk.app import connect, kiosk_device

        state_dir = self.base / "kiosks"
        bays = list(dict.fromkeys(k.bay for k in self.config.kiosks if not k.by_hand))
        if self.plan.demo:
            devices = [kiosk_device(self.config, bay) for bay in bays]
            continue_numbering(self.service.core.store, devices, state_dir)
        for bay in bays:
            password = self.passwords.get(kiosk_device(self.config, bay))
            station, link = connect(self.config, bay, self.address, password, state_dir)
            self.kiosks[bay] = (station, link)
            self._stops.append(link.stop)

    def init_devices(self) -> None:
        """A simulated key cabinet and virtual printers behind a real devices bridge."""
        from devices.simulated import SimulatedDevices

        self.devices = SimulatedDevices(self.config, self.address, self.passwords).start()
        self._stops.append(self.devices.stop)

    def init_demo(self) -> None:
        """A compressed workshop day, tapped through the kiosks' own links."""
        from core.demo.player import DemoPlayer

        assert self.devices is not None, "the demo hangs keys in the simulated cabinet"
        self.player = DemoPlayer(
            self.config,
            self.service.core,
            {bay: link for bay, (_, link) in self.kiosks.items()},
            self.devices.cabinet,
            self.plan.speed,
        ).start()
        self._stops.append(self.player.stop)

    def init_web(self) -> None:
        """The boards, the kiosk pages of the kiosks built here, /api/v1, /healthz, /metrics."""
        if os.environ.get(self.config.api.tokens_env):
            logger.warning(
                "%s is set but no longer read: API tokens are stored now — make them with "
                "`pitboard token create --scope write --name dms`, then unset it",
                self.config.api.tokens_env,
            )
        from core.pairings import Pairings

        # Kiosk pages served here show only on screens the foreman paired with their bay.
        access = self.service.core.access
        pairings = Pairings(self.base / "pairings.json", audit=access.note) if self.kiosks else None
        wire_web(
            self.service.core,
            {bay: station for bay, (station, _) in self.kiosks.items()},
            pairings,
            self.service.link.connected.is_set,
            lambda: self.service.link.state,
        )

    def serve(self, host: str, port: int, secret: str) -> None:
        """Serve the web until the process is stopped, then stop everything built; the
        sign-ins signed with ``secret`` (pitboard.web.session_secret, asked before start)."""
        from pitboard.web import serve

        self.init_web()
        serve(self.config, host, port, secret, self.stop)

    def wait(self) -> None:
        """Run headless until SIGINT or SIGTERM, then stop everything built."""
        settle_memory()
        wait_for_signal()
        self.stop()

    def stop(self) -> None:
        while self._stops:
            self._stops.pop()()


def wire_web(
    core: Core,
    stations: dict[str, Station],
    pairings: PairingBook | None,
    broker_connected: Callable[[], bool],
    broker_state: Callable[[], str],
) -> None:
    """Everything the web serves, behind the boards' sign-in: the boards, the kiosk pages
    of ``stations`` (for screens paired in ``pairings``), /api/v1, /healthz, /metrics and
    the print previews."""
    from nicegui import app

    from board.pages import register
    from core.board_source import CoreBoardSource
    from core.web import mount
    from kiosk.page import register as register_kiosks

    register(CoreBoardSource(core), kiosk_bays=sorted(stations), pairings=pairings)
    if stations and pairings is not None:
        register_kiosks(stations, pairings)
    mount(app, core.config, core, broker_connected, broker_state)


def demo_api_token(site: Pitboard) -> str | None:
    """A write token for trying the API on the demo site, made afresh at every start (the
    one before revoked): a token is shown once, so the one printed must be new."""
    if not site.config.is_demo:
        return None
    access = site.service.core.access
    for token in access.tokens():
        if token.name == "demo" and token.revoked_at is None:
            access.revoke_token(token.id, by="pitboard run")
    from core.domain.access import Scope

    return access.create_token("demo", Scope.WRITE, by="pitboard run")[1]
