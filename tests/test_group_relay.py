"""The relay of the group feed: the outbox sent oldest first and emptied as the hub
acknowledges; a silent hub's facts kept and sent again; what is lost on the way sent again
from the first fact the hub does not hold; acks that are not the site's own ignored; a
restarted relay resumes from the outbox. Against a stand-in link for speed, and once
through a real Mosquitto with the core itself."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.app import CoreService
from core.broker import MosquittoBroker
from core.commands import CheckInCar, Dispatch
from core.config import GroupConfig
from core.contract.group import GroupAck
from core.engine.group_relay import GroupRelay
from core.mqtt import BrokerAddress
from core.store.database import make_engine, migrate, sqlite_url
from core.store.group_outbox import GroupOutbox, GroupWrite, write_group
from core.store.repository import Store
from tests.group_hub import MqttHub, StandInHub
from tests.group_site import group_config, outbox
from tests.helpers import T0, demo_config, order
from tests.waiting import wait_until

SITE = "demo"
ACK = "pitboard/demo/group/ack"


class StandInLink:
    """The relay's link without a broker: what is published goes straight to the hub,
    whose answer comes straight back (unless the message is to be lost on the way)."""

    def __init__(self, relay: GroupRelay, hub: StandInHub) -> None:
        self.relay, self.hub = relay, hub
        self.up = True
        self.lose: set[int] = set()  # first seqs of messages lost on the way, once
        self.sent: list[int] = []
        relay.link = self

    @property
    def state(self) -> str:
        return "connected" if self.up else "reconnecting"

    def is_connected(self) -> bool:
        return self.up

    def publish(self, topic: str, payload: bytes) -> bool:
        if not self.up:
            return False
        from core.contract.group import GroupFeed

        first = GroupFeed.model_validate_json(payload).facts[0].seq
        self.sent.append(first)
        if first in self.lose:
            self.lose.discard(first)
            return True
        answer = self.hub.receive(payload)
        if answer is not None:
            self.relay.on_message(ACK, answer)
        return True


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(sqlite_url(tmp_path))
    migrate(eng)
    yield eng
    eng.dispose()


def add_facts(engine: Engine, n: int) -> None:
    """``n`` facts (device counts, numbered by their ``online``) through the outbox's writer."""
    facts = [
        ("devices", {"kind": "devices", "online": i, "offline": 0, "offline_names": []})
        for i in range(n)
    ]
    with engine.begin() as conn:
        write_group(conn, SITE, GroupWrite(facts=facts), T0)


def relay_on(engine: Engine, hub: StandInHub, **cfg: float) -> tuple[GroupRelay, StandInLink]:
    config = GroupConfig(enabled=True, **cfg)
    relay = GroupRelay(SITE, GroupOutbox(engine, SITE), config, clock=lambda: T0)
    return relay, StandInLink(relay, hub)


def waiting(engine: Engine) -> int:
    return GroupOutbox(engine, SITE).state().waiting


def test_the_outbox_drains_in_order_in_messages_of_max_facts(engine: Engine) -> None:
    add_facts(engine, 450)
    hub = StandInHub()
    relay, link = relay_on(engine, hub, max_facts=200)
    relay.start()
    try:
        wait_until(lambda: waiting(engine) == 0, "the outbox emptied")
        add_facts(engine, 5)  # a later commit wakes it
        relay.wake()
        wait_until(lambda: waiting(engine) == 0, "the new facts acknowledged")
    finally:
        relay.stop()
    assert [s for s, _ in hub.applied] == list(range(1, 456))
    assert link.sent == [1, 201, 401, 451]
    status = relay.status()
    assert status["waiting"] == 0 and status["acknowledged"] == 455
    assert status["oldest_waiting_seconds"] is None and status["connected"]


def test_a_silent_hub_keeps_the_facts_waiting_and_they_are_sent_again(engine: Engine) -> None:
    add_facts(engine, 20)
    hub = StandInHub()
    hub.silent = True
    relay, link = relay_on(engine, hub, max_facts=5, resend_after_seconds=0.1)
    relay.start()
    try:
        wait_until(lambda: link.sent.count(1) >= 3, "sent again while unacknowledged")
        assert waiting(engine) == 20
        assert relay.status()["acknowledged"] == 0
        # The whole window once; then, while head office is silent, one message at a time.
        assert link.sent[:4] == [1, 6, 11, 16] and set(link.sent[4:]) == {1}
        hub.silent = False
        wait_until(lambda: waiting(engine) == 0, "sent once the hub answers")
    finally:
        relay.stop()
    assert [s for s, _ in hub.applied] == list(range(1, 21))


def test_a_message_lost_on_the_way_is_sent_again_from_what_the_hub_lacks(
    engine: Engine,
) -> None:
    add_facts(engine, 30)
    hub = StandInHub()
    relay, link = relay_on(engine, hub, max_facts=10, resend_after_seconds=0.2)
    link.lose = {1}  # the bridge dropped the first message: the hub refuses the next ones
    relay.start()
    try:
        wait_until(lambda: waiting(engine) == 0, "every fact at the hub")
    finally:
        relay.stop()
    assert [s for s, _ in hub.applied] == list(range(1, 31)), "applied once each, in order"
    assert link.sent[:3] == [1, 11, 21] and link.sent[3] == 1  # go back to the first lacking


def test_acks_that_are_not_the_sites_own_change_nothing(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    add_facts(engine, 5)
    hub = StandInHub()
    hub.silent = True
    relay, link = relay_on(engine, hub, resend_after_seconds=60)
    relay.start()
    try:
        wait_until(lambda: link.sent == [1], "the facts sent")
        with caplog.at_level(logging.WARNING, logger="core.engine.group_relay"):
            relay.on_message(ACK, b"not json at all")
            relay.on_message(ACK, b'{"v": 1, "site": "demo", "upto": -1}')
            relay.on_message(ACK, b'{"v": 2, "site": "demo", "upto": 5}')
            relay.on_message(ACK, GroupAck(v=1, site="other", upto=5).model_dump_json().encode())
            relay.on_message("pitboard/other/group/ack", b'{"v": 1, "site": "demo", "upto": 5}')
        relay.wake()
        relay.stop()
        assert waiting(engine) == 5
        assert relay.counters["malformed_acks"] == 3 and relay.counters["foreign_acks"] == 1
        assert relay.counters["acks"] == 0
        assert sum("ignored" in r.getMessage() for r in caplog.records) == 4
    finally:
        relay.stop()


def test_a_restarted_relay_sends_what_waits_and_loses_nothing(engine: Engine) -> None:
    add_facts(engine, 12)
    hub = StandInHub()
    first, link = relay_on(engine, hub, max_facts=5, resend_after_seconds=60)
    link.lose = {6}  # the second message lost: the hub holds 1–5 and refuses 11–12
    first.start()
    wait_until(lambda: len(link.sent) == 3 and waiting(engine) == 7, "the first run's acks")
    first.stop()
    add_facts(engine, 3)  # written while the relay was away
    second, link = relay_on(engine, hub, max_facts=5, resend_after_seconds=60)
    second.start()
    try:
        wait_until(lambda: waiting(engine) == 0, "everything at the hub")
    finally:
        second.stop()
    assert link.sent[0] == 6, "the restarted relay starts at the oldest waiting fact"
    assert [s for s, _ in hub.applied] == list(range(1, 16))


def test_nothing_goes_while_the_link_is_down_and_everything_when_it_is_back(
    engine: Engine,
) -> None:
    add_facts(engine, 3)
    hub = StandInHub()
    relay, link = relay_on(engine, hub, resend_after_seconds=60)
    link.up = False
    relay.start()
    try:
        relay.wake()
        assert relay.status()["connected"] is False and relay.status()["waiting"] == 3
        link.up = True
        relay.connected()
        wait_until(lambda: waiting(engine) == 0, "sent on connect")
    finally:
        relay.stop()
    assert link.sent == [1]


def test_the_relay_holds_while_the_bridge_is_down_and_sends_everything_when_it_is_back(
    engine: Engine,
) -> None:
    add_facts(engine, 12)
    hub = StandInHub()
    hub.silent = True  # head office away: nothing is acknowledged
    relay, link = relay_on(engine, hub, max_facts=4, resend_after_seconds=0.05)
    relay.start()
    try:
        wait_until(lambda: link.sent.count(1) >= 3, "resent, the wait doubling, while silent")
        link_topic = "pitboard/demo/group/link"
        assert relay.status()["head_office"] == "unknown", "no bridge has said anything yet"
        relay.on_message(link_topic, b"0")  # the bridge says it lost head office
        wait_until(lambda: relay.bridge_up is False, "the bridge down")
        assert relay.status()["head_office"] == "down" and relay.status()["connected"]
        time.sleep(0.05)
        held = len(link.sent)
        add_facts(engine, 3)
        relay.wake()
        time.sleep(1.0)  # twenty first resend waits: nothing goes while the bridge is down
        assert len(link.sent) == held, "nothing sent into the bridge's queue while it is down"
        relay.on_message(link_topic, b"not a state")  # ignored
        hub.silent = False
        relay.on_message(link_topic, b"1")  # back: everything at once, the whole window
        wait_until(lambda: waiting(engine) == 0, "drained when the bridge is back")
        assert relay.status()["head_office"] == "up"
        after = link.sent[held:]
        assert after[:4] == [1, 5, 9, 13], "from the first fact the hub lacks, the whole window"
    finally:
        relay.stop()
    assert [s for s, _ in hub.applied] == list(range(1, 16))


# ------------------------------------------------------------------ through Mosquitto


@pytest.fixture
def broker(mosquitto_bin: str, tmp_path: Path) -> Iterator[MosquittoBroker]:
    b = MosquittoBroker(demo_config(), tmp_path / "broker").start()
    yield b
    b.stop()


@pytest.mark.mosquitto
def test_the_core_feeds_a_hub_through_mosquitto_and_a_restart_loses_nothing(
    broker: MosquittoBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = group_config(resend_after_seconds=0.3)
    addr = BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"])
    url = f"sqlite:///{tmp_path / 'core.db'}"
    hub = StandInHub()
    mqtt_hub = MqttHub(broker, hub)
    service = CoreService(cfg, addr, url).start()
    store = Store(service.engine, SITE)
    try:
        assert service.relay_link is not None and service.relay is not None
        job = service.core.run_command(CheckInCar(order()), "advisor:SA01")
        service.core.run_command(Dispatch(job.ro, "B03"), "foreman:F001")
        # Drained in order: every fact the core wrote is at the hub, once.
        wait_until(lambda: hub.applied and outbox(store) == [], "the outbox drained")
        assert [s for s, _ in hub.applied] == list(range(1, hub.upto + 1))
        assert ("job" in {k for _, k in hub.applied}) and hub.applied[0][1] == "site"
        held = hub.upto

        # The hub goes silent: the new facts stay and are sent again.
        hub.silent = True
        service.core.run_command(CheckInCar(order(plate="沪A54321")), "advisor:SA01")
        wait_until(lambda: outbox(store), "the new facts written")
        first = outbox(store)[0][0]
        assert first == held + 1
        wait_until(lambda: hub.received.count(first) >= 2, "sent again after resend_after")
        assert outbox(store)[0][0] == first

        # Acks for another site and malformed bytes change nothing.
        with caplog.at_level(logging.WARNING, logger="core.engine.group_relay"):
            mqtt_hub.send(GroupAck(v=1, site="other", upto=10**6).model_dump_json().encode())
            mqtt_hub.send(b"\x00\xffnot an ack")
            wait_until(
                lambda: (
                    service.relay is not None
                    and sum(service.relay.counters[k] for k in ("malformed_acks", "foreign_acks"))
                    == 2
                ),
                "both acks read and ignored",
            )
        assert outbox(store) and outbox(store)[0][0] == first
        waiting_before = len(outbox(store))
        health = service.relay.status()
        assert health["waiting"] == waiting_before and health["acknowledged"] == held
        assert health["connected"] and health["oldest_waiting_seconds"] is not None
    finally:
        service.stop()

    # The core restarted with facts waiting: they are sent again and none is lost.
    hub.silent = False
    service = CoreService(cfg, addr, url).start()
    store = Store(service.engine, SITE)
    try:
        wait_until(lambda: outbox(store) == [], "the waiting facts sent after the restart")
        assert [s for s, _ in hub.applied] == list(range(1, hub.upto + 1))
        assert hub.upto >= held + waiting_before
    finally:
        service.stop()
        mqtt_hub.close()
    assert not caplog_errors(caplog)


def caplog_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_healthz_and_metrics_show_the_feed_and_stay_ok_while_head_office_is_away(
    store: Store,
) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from core.engine import Core
    from core.web import mount
    from tests.helpers import Clock, FakeBus

    clock = Clock()
    core = Core(group_config(), store, FakeBus(), clock)
    core.step.refresh()  # the start's facts: waiting, the hub silent
    hub = StandInHub()
    hub.silent = True
    relay = GroupRelay(SITE, GroupOutbox(store.engine, SITE), core.config.group, clock=clock)
    link = StandInLink(relay, hub)
    core.group_relay = relay
    app = FastAPI()
    mount(app, core.config, core, lambda: True, lambda: "connected")
    client = TestClient(app)
    clock.advance(minutes=2)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    group = health.json()["group"]
    assert group["waiting"] == len(outbox(store)) > 0
    assert group["acknowledged"] == 0 and group["oldest_waiting_seconds"] == 120.0
    assert group["link"] == "connected" and group["connected"] is True
    link.up = False
    assert client.get("/healthz").json()["group"]["connected"] is False
    text = client.get("/metrics").text
    assert f"pitboard_group_waiting {float(group['waiting'])}" in text
    assert "pitboard_group_oldest_waiting_seconds 120.0" in text
    assert "pitboard_group_connected 0.0" in text
