"""A workshop for kiosk tests: a real core on SQLite, stations linked through a loopback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.commands import CheckInCar, Dispatch
from core.contract import topics
from core.engine import Core
from kiosk.app import kiosk_device
from kiosk.station import Station
from tests.helpers import demo_config, order
from tests.loopback import LoopbackLink, RoutingBus
from tests.waiting import wait_until


@dataclass
class Workshop:
    core: Core
    bus: RoutingBus
    state_dir: Path
    links: dict[str, LoopbackLink] = field(default_factory=dict)

    def station(self, bay: str, online: bool = True) -> Station:
        cfg = self.core.config
        device = kiosk_device(cfg, bay)
        station = Station(cfg, bay, device)
        link = LoopbackLink(
            self.bus,
            self.core.on_message,
            cfg.site.id,
            device,
            self.state_dir,
            on_answer=station.on_answer,
            on_change=station.on_change,
            subscriptions={topics.BAY_STATE.full(cfg.site.id, bay=bay): station.on_bay_state},
        )
        station.attach(link)
        self.links[bay] = link
        if online:
            link.go_online()
        return station

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


def demo_workshop(store: Any, tmp_path: Path) -> Workshop:
    bus = RoutingBus()
    core = Core(demo_config(), store, bus)
    core.start()
    return Workshop(core, bus, tmp_path / "kiosk")
