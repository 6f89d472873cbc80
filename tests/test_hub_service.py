"""The hub through a real Mosquitto, as head office runs it: each site's feed published by
a plain MQTT client signed in as the site's bridge, the hub's acks after its commit, and
a hub stopped between its commit and its acks applying nothing twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from core.contract.messages import dump
from hub.apply import BatchPlan
from hub.config import HubConfig
from hub.service import Hub, Received
from hub.store import open_engine
from tests.group_samples import hub_config, jobs_feed
from tests.hub_env import HubBroker, Site, logged
from tests.waiting import wait_until

pytestmark = pytest.mark.mosquitto

SITES = ["s1", "s2"]


@pytest.fixture
def broker(mosquitto_bin: str, tmp_path: Path) -> Iterator[HubBroker]:
    # "zz" has a bridge user at the broker but is no site of the hub's.
    b = HubBroker(tmp_path / "broker", [*SITES, "zz"]).start()
    yield b
    b.stop()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = open_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def config() -> HubConfig:
    return hub_config(*SITES)


def running(hub: Hub) -> Hub:
    hub.start()
    assert hub.client.connected.wait(10), hub.client.state
    return hub


@pytest.fixture
def hub(broker: HubBroker, engine: Engine, config: HubConfig) -> Iterator[Hub]:
    h = running(Hub(config, broker.hub_address(), engine=engine))
    yield h
    h.stop()


def test_a_feed_is_acked_after_its_commit_duplicates_once_and_a_gap_not_at_all(
    broker: HubBroker, hub: Hub, engine: Engine
) -> None:
    told: list[list[int]] = []
    hub.reader.subscribe(lambda: told.append(logged(engine, "s1")))
    s1, s2 = Site(broker, "s1", engine), Site(broker, "s2", engine)
    try:
        s1.send(jobs_feed("s1", 1, 3))
        assert s1.acked(1) == [(3, [1, 2, 3])]  # the rows were there when the ack came
        s1.send(jobs_feed("s1", 2, 3))  # 2, 3 again and 4 new
        assert s1.acked(2)[1] == (4, [1, 2, 3, 4])
        s1.send(jobs_feed("s1", 1, 3))  # all again
        assert s1.acked(3)[2] == (4, [1, 2, 3, 4])
        s1.send(jobs_feed("s1", 7, 2))  # 5 and 6 lost on the way
        assert s1.acked(4)[3] == (4, [1, 2, 3, 4])  # resume from 5
        s2.send(jobs_feed("s2", 1, 1))
        assert s2.acked(1) == [(1, [1])]
        assert logged(engine, "s1") == [1, 2, 3, 4]
        assert told[0] == [1, 2, 3] and told[-1] == [1, 2, 3, 4]
        assert (hub.counters["facts"], hub.counters["duplicates"], hub.counters["gaps"]) == (
            5,
            5,
            1,
        )
        with s1._cv:
            assert [m["site"] for _, m in s1.messages] == ["s1"] * 4  # no other site's acks
    finally:
        s1.close()
        s2.close()


def test_malformed_and_strangers_messages_are_logged_dropped_and_never_come_back(
    broker: HubBroker, engine: Engine, config: HubConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub.service")
    hub = running(Hub(config, broker.hub_address(), engine=engine))
    s1, zz = Site(broker, "s1", engine), Site(broker, "zz", engine)
    try:
        s1.send(b"\x00\xffnot json")
        s1.send(b'{"v": 1, "site": "s1", "facts": []}')
        s1.send(dump(jobs_feed("s2", 1, 1)))  # another site's facts on s1's feed
        zz.send(jobs_feed("zz", 1, 1))  # a site the hub does not know
        wait_until(
            lambda: hub.counters["malformed"] == 3 and hub.counters["unknown_site"] == 1,
            lambda: str(hub.counters),
        )
        said = caplog.text
        assert "malformed feed message of site s1" in said
        assert "says it is site s2's" in said
        assert "unknown site on pitboard/zz/group/feed" in said
        s1.send(jobs_feed("s1", 1, 1))
        assert s1.acked(1) == [(1, [1])]
        hub.stop()
        # The next start gets none of them again: they were PUBACKed when dropped.
        hub = running(Hub(config, broker.hub_address(), engine=engine))
        s1.send(jobs_feed("s1", 2, 1))
        assert s1.acked(2)[1] == (2, [1, 2])
        assert (hub.counters["malformed"], hub.counters["unknown_site"]) == (0, 0)
        assert logged(engine, "s2") == [] and logged(engine, "zz") == []
        assert zz.acks == []
    finally:
        hub.stop()
        s1.close()
        zz.close()


class StoppedAfterCommit(Hub):
    """A hub that stops dead after its commit: no ack, no PUBACK."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.committed = threading.Event()

    def _answer(self, decided: BatchPlan | None, items: list[Received]) -> None:
        self.committed.set()


def test_a_hub_stopped_between_its_commit_and_its_ack_applies_nothing_twice(
    broker: HubBroker, engine: Engine, config: HubConfig
) -> None:
    dead = running(StoppedAfterCommit(config, broker.hub_address(), engine=engine))
    s1 = Site(broker, "s1", engine)
    try:
        s1.send(jobs_feed("s1", 1, 3))
        assert dead.committed.wait(10)
        dead.stop()
        assert logged(engine, "s1") == [1, 2, 3] and s1.acks == []
        # The site sends again (its ack never came); the broker also delivers the message
        # the dead hub never PUBACKed to the next start of the hub (same session).
        s1.send(jobs_feed("s1", 1, 3))
        hub = running(Hub(config, broker.hub_address(), engine=engine))
        try:
            assert s1.acked(1) == [(3, [1, 2, 3])]
            wait_until(lambda: hub.counters["duplicates"] == 6, lambda: str(hub.counters))
            s1.send(jobs_feed("s1", 4, 1))
            s1.wait(lambda _ms: s1.acks[-1][0] == 4)
            # Two messages again, one ack or two (one batch or two): each true when seen.
            assert all(held == list(range(1, upto + 1)) for upto, held in s1.acks)
            assert [upto for upto, _ in s1.acks][-1] == 4 and hub.counters["facts"] == 1
        finally:
            hub.stop()
        assert logged(engine, "s1") == [1, 2, 3, 4]
    finally:
        s1.close()
