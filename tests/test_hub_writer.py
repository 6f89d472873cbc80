"""The hub's writer on its own (no broker): one batch, one transaction, then the acks; a
message the database refuses is left out alone, never holding up the other sites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from core.contract.messages import dump
from core.mqtt import BrokerAddress
from hub import tables as t
from hub.apply import unstorable
from hub.service import Hub, Received
from hub.store import open_engine
from tests.group_samples import T0, feed, hub_config, jobs_feed, site_facts


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = open_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def hub(engine: Engine) -> Hub:
    """Never started: the test hands it its batches and reads what it would publish."""
    h = Hub(hub_config("s1", "s2"), BrokerAddress("127.0.0.1", 9), engine=engine, clock=lambda: T0)
    h.sent = []  # type: ignore[attr-defined]

    def publish(topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Any:
        h.sent.append((topic, json.loads(payload)["upto"], qos))  # type: ignore[attr-defined]

    h.client.publish = publish  # type: ignore[method-assign]
    return h


def msg(site: str, body: Any) -> Received:
    return Received(
        f"pitboard/{site}/group/feed", body if isinstance(body, bytes) else dump(body), (0, 0, 1)
    )


def logged(engine: Engine, site: str) -> list[int]:
    with engine.connect() as c:
        q = select(t.facts.c.seq).where(t.facts.c.site == site).order_by(t.facts.c.seq)
        return list(c.execute(q).scalars())


def test_a_batch_answers_each_site_once_with_what_it_holds(hub: Hub, engine: Engine) -> None:
    hub.handle(
        [
            msg("s1", jobs_feed("s1", 1, 2)),
            msg("s2", jobs_feed("s2", 1, 1)),
            msg("s1", jobs_feed("s1", 3, 2)),
            msg("s2", jobs_feed("s2", 5, 1)),  # past a gap
        ]
    )
    assert hub.sent == [  # type: ignore[attr-defined]
        ("pitboard/s1/group/ack", 4, 1),
        ("pitboard/s2/group/ack", 1, 1),
    ]
    assert logged(engine, "s1") == [1, 2, 3, 4] and logged(engine, "s2") == [1]


def test_a_count_beyond_64_bits_is_dropped_before_the_transaction(hub: Hub, engine: Engine) -> None:
    huge = feed("s1", 1, site_facts(bays=8).model_copy(update={"bays": 2**63}))
    assert unstorable(huge) == f"seq 1: {2**63} is beyond 64 bits"
    assert unstorable(jobs_feed("s1", 1, 3)) is None
    hub.handle([msg("s1", huge), msg("s2", jobs_feed("s2", 1, 1))])
    assert hub.counters["malformed"] == 1
    assert hub.sent == [("pitboard/s2/group/ack", 1, 1)]  # type: ignore[attr-defined]
    assert logged(engine, "s1") == [] and logged(engine, "s2") == [1]


def test_a_message_the_database_refuses_is_left_out_alone(
    hub: Hub, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    hub.handle([msg("s1", jobs_feed("s1", 1, 2))])
    with engine.begin() as c:  # a fact of s1 stored behind the hub's back
        c.execute(
            t.facts.insert(),
            {"site": "s1", "seq": 3, "kind": "job", "site_at": T0, "hub_at": T0, "payload": {}},
        )
    hub.sent.clear()  # type: ignore[attr-defined]
    hub.handle([msg("s2", jobs_feed("s2", 1, 2)), msg("s1", jobs_feed("s1", 3, 1))])
    assert logged(engine, "s2") == [1, 2]
    assert hub.sent == [("pitboard/s2/group/ack", 2, 1)]  # type: ignore[attr-defined]
    assert hub.counters["unstored"] == 1 and hub.store_problem is None
    assert "a feed message of site s1 (seq 3–3) cannot be stored" in caplog.text
