"""The demo day plays through the kiosks' own links and a key cabinet, and gets cars all
the way from check-in to delivery without a tap being refused."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path
from time import monotonic, sleep
from zoneinfo import ZoneInfo

import pytest

from core.commands import CheckInCar
from core.contract.site_clock import SiteClock
from core.demo.player import DemoPlayer, SitePace
from core.domain.vocabulary import BayKind
from core.store.database import sqlite_url
from core.store.repository import Store
from tests.demo_hooks import Hooks
from tests.helpers import order
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import wait_until


@pytest.fixture
def clock() -> SiteClock:
    """The demo's site clock: the morning of the demo day, 1200 times as fast, from now."""
    return SiteClock.demo(date(2026, 11, 24), time(8, 0), ZoneInfo("Asia/Shanghai"), 1200)


class SlowWifi:
    """The bays' kiosks on a slow network: their messages reach the broker a while after
    they are sent (in order), while the QC and wash stations' go at once. A step played on
    a station right after one on a bay (QC after the self-check) then reaches the core
    first unless the player waits for the bay's answer."""

    LAG_S = 1.0  # twenty site minutes at 1200×

    def __init__(self, shop: Workshop, devices: set[str]) -> None:
        self.devices, self.route = devices, shop.broker.route
        self.lines: dict[str, queue.Queue[tuple[float, str, bytes, int, bool] | None]] = {}
        self.threads: list[threading.Thread] = []
        shop.broker.route = self._route  # type: ignore[method-assign]

    def _route(self, client_id: str, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if client_id not in self.devices:
            self.route(client_id, topic, payload, qos, retain)
            return
        if client_id not in self.lines:
            self.lines[client_id] = queue.Queue()
            t = threading.Thread(target=self._carry, args=(client_id,), daemon=True)
            self.threads.append(t)
            t.start()
        self.lines[client_id].put((monotonic() + self.LAG_S, topic, payload, qos, retain))

    def _carry(self, client_id: str) -> None:
        line = self.lines[client_id]
        while (item := line.get()) is not None:
            due, topic, payload, qos, retain = item
            sleep(max(0.0, due - monotonic()))
            self.route(client_id, topic, payload, qos, retain)

    def close(self) -> None:
        for line in self.lines.values():
            line.put(None)
        for t in self.threads:
            t.join(2)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: a minute of real time, and the player is the same on either database
    (tests/test_demo_day.py plays on both)."""
    return sqlite_url(tmp_path)


@pytest.fixture
def shop(store: Store, tmp_path: Path, clock: SiteClock) -> Iterator[Workshop]:
    w = demo_workshop(store, tmp_path, core_clock=clock.now)
    yield w
    w.close()


@pytest.mark.slow
def test_a_demo_day_delivers_cars_through_the_real_paths(
    shop: Workshop, clock: SiteClock, caplog: pytest.LogCaptureFixture
) -> None:
    # A person at the desk checks a car in first: its key takes the cabinet's first hook,
    # which the player must leave to it.
    promised = clock.now() + timedelta(hours=8)
    at_desk = replace(order("京Z00001", promised_at=promised), key_tag="DESK1")
    assert shop.core.run_command(CheckInCar(at_desk, 40), "advisor:SA01").key_slot == 1
    # One station a bay: the spare tablet at B03 would be a second B03 link under one name.
    bays = dict.fromkeys(k.bay for k in shop.core.config.kiosks)
    links = {bay: shop.station(bay) for bay in bays}
    general = {b.id for b in shop.core.config.bays if b.kind == BayKind.GENERAL}
    wifi = SlowWifi(shop, {s.device for bay, s in links.items() if bay in general})
    hooks = Hooks()
    player = DemoPlayer(
        shop.core.config,
        shop.core,
        {bay: s.link for bay, s in links.items()},
        hooks,
        speed=1200,
        seed=7,
        pace=SitePace(clock, threading.Event()),
    ).start()
    try:
        wait_until(
            lambda: _delivered(shop, clock),
            "a car delivered",
            timeout=60,
            every=0.1,
        )
    finally:
        player.stop()
        wifi.close()
    problems = [(s.bay, p.type, p.code) for s in links.values() for p in s.problems]
    assert problems == []
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused == [] and 1 not in {slot for _, slot, _ in hooks.log}
    first_slot = hooks.log[0][1]
    on_hook = [kind for kind, slot, _ in hooks.log if slot == first_slot]
    assert on_hook[:2] == ["hang", "take"]  # hung at check-in, taken to the bay
    busy = {slot for kind, slot, _ in hooks.log}
    assert len(busy) > 1  # several bays work at once
    # The bay's team leader, at work at a bay of their own, came over and checked there.
    config = shop.core.config
    team_leader = {b.id: t.leader for b in config.bays for t in config.teams if t.id == b.team}
    checked = []
    for ro in _delivered(shop, clock):
        trail = shop.core.store.audit_trail(ro)
        done = next(e for e in trail if e["type"] == "job.self_checked")
        leader = next(e for e in trail if e["type"] == "job.leader_checked")
        own = team_leader.get(done["bay"])
        if own is not None and own != done["payload"]["tech"]:
            checked.append((leader["bay"], leader["payload"]["tech"]) == (done["bay"], own))
    assert checked and all(checked), checked


def _delivered(shop: Workshop, clock: SiteClock) -> list[str]:
    """Repair orders handed over (a delivered car leaves the workshop's memory: the store
    has it)."""
    start = clock.now() - timedelta(days=1)
    jobs = shop.core.store.jobs_between(start, start + timedelta(days=3))
    return [j.ro for j in jobs if j.delivered_at is not None]
