"""A workshop for kiosk tests: a real core on SQLite and stations, each on its real MQTT link
(``MqttLink``, ``DeviceLink``) over the broker in the test process (tests/fake_mqtt.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.commands import CheckInCar, Dispatch
from core.config import SiteConfig
from core.contract import topics
from core.engine import Core
from core.mqtt import BrokerAddress, MqttLink
from devices.link import DeviceLink
from kiosk.app import kiosk_device
from kiosk.sign_in_guard import SignInGuard
from kiosk.station import Station
from tests.fake_mqtt import FakeBroker
from tests.helpers import Clock, demo_config, order
from tests.waiting import wait_until

ADDRESS = BrokerAddress("broker.test", 1883)


class KioskLink(DeviceLink):
    """A kiosk's real link; the test pulls and plugs its network cable."""

    broker: FakeBroker
    changes = 0

    def _changed(self) -> None:
        super()._changed()
        self.changes += 1

    def go_offline(self) -> None:
        """Returns once the station has been told."""
        told = self.changes
        self.broker.cut(self.device)
        wait_until(
            lambda: not self.online and self.changes > told, f"{self.device} offline", timeout=10
        )

    def go_online(self) -> None:
        """Returns once the unanswered taps went out again and the station has been told."""
        told = self.changes
        self.broker.restore(self.device)
        wait_until(lambda: self.online and self.changes > told, f"{self.device} online", timeout=10)


@dataclass
class Workshop:
    core: Core
    link: MqttLink
    broker: FakeBroker
    state_dir: Path
    links: dict[str, KioskLink] = field(default_factory=dict)
    #: The kiosks' clock for their sign-in waits: a test lets time pass without waiting.
    clock: Clock = field(default_factory=lambda: Clock(datetime.now(UTC)))

    def station(self, bay: str, online: bool = True) -> Station:
        """A bay's station on its started link, as ``pitboard kiosk`` wires it."""
        cfg = self.core.config
        device = kiosk_device(cfg, bay)
        earlier = self.links.pop(bay, None)
        if earlier is not None:  # one device id, one connection: else the two take turns
            earlier.stop()
        guard = SignInGuard(cfg, self.state_dir / f"{device}.signin.json", self.clock)
        station = Station(cfg, bay, device, guard)
        with self.broker.installed():
            link = KioskLink(
                ADDRESS,
                cfg.site.id,
                device,
                None,
                self.state_dir,
                kind="kiosk",
                on_answer=station.on_answer,
                on_change=station.on_change,
                subscriptions={topics.BAY_STATE.full(cfg.site.id, bay=bay): station.on_bay_state},
            )
        link.broker = self.broker
        station.attach(link)
        self.links[bay] = link
        if not online:
            self.broker.unreachable.add(device)
        link.start()
        if online:
            wait_until(lambda: link.online, f"{bay} online", timeout=10)
        return station

    def close(self) -> None:
        for link in self.links.values():
            link.stop()
        self.core.stop()
        self.link.stop()

    def job(self, bay: str | None = "B03", plate: str = "京A12345", **kw: Any) -> str:
        now = datetime.now(UTC)
        kw.setdefault("promised_at", now + timedelta(hours=3))
        job = self.core.run_command(CheckInCar(order(plate=plate, **kw)), actor="advisor:SA01")
        if bay is not None:
            self.core.run_command(Dispatch(job.ro, bay), actor="foreman:F1")
        return str(job.ro)

    def at_work(self, bay: str = "B03", tech: str = "T002") -> tuple[str, Station]:
        """A job at the bay with the technician's clock running on it, every tap applied."""
        ro = self.job(bay)
        station = self.station(bay)
        station.sign_in(tech)
        station.start(ro, tech)
        self.settle(bay)
        return ro, station

    def settle(self, bay: str = "B03", timeout: float = 10.0) -> None:
        """Wait until the bay's kiosk has every tap answered."""
        link = self.links[bay]
        wait_until(lambda: link.outbox.count() == 0, f"{bay} outbox not drained", timeout=timeout)
        wait_until(lambda: self.core.queue_depth() == 0, "core queue not empty", timeout=timeout)


def demo_workshop(
    store: Any,
    tmp_path: Path,
    config: SiteConfig | None = None,
    core_clock: Callable[[], datetime] | None = None,
) -> Workshop:
    """A started core on its link (the demo site unless ``config``); stations join with
    ``station(bay)``."""
    broker = FakeBroker()
    cfg = config or demo_config()
    site = cfg.site.id
    with broker.installed():
        link = MqttLink(
            ADDRESS,
            site=site,
            client_id=f"pitboard-core-{site}",
            status_device="core",
            on_message=lambda t, p, tok: core.on_message(t, p, tok),
            subscriptions=[t.wildcard(site) for t in topics.CORE_SUBSCRIPTIONS],
            on_connected=lambda: core.republish(connected=True),
        )
    core = Core(cfg, store, link) if core_clock is None else Core(cfg, store, link, core_clock)
    core.start()
    link.start()
    wait_until(link.connected.is_set, "the core connected", timeout=10)
    return Workshop(core, link, broker, tmp_path / "kiosk")


@contextmanager
def sqlite_workshop(tmp_path: Path) -> Iterator[Workshop]:
    """The demo workshop on a new SQLite database in ``tmp_path``, closed after."""
    from core.store.database import make_engine, migrate, sqlite_url
    from core.store.repository import Store

    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    w = demo_workshop(Store(engine, "demo"), tmp_path)
    try:
        yield w
    finally:
        w.close()
        engine.dispose()


async def open_kiosk(user: Any, station: Station, lang: str) -> None:
    """The kiosk page of ``station`` opened in NiceGUI's simulated browser."""
    from nicegui import ui

    from kiosk.page import build

    @ui.page("/kiosk")
    def page() -> None:
        build(station, lang)  # type: ignore[arg-type]

    await user.open("/kiosk")
