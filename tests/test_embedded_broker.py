"""The embedded amqtt broker (MQTT 3.1.1) that `pitboard run` falls back to when Mosquitto
is not installed: the core and a kiosk work through it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.app import CoreService
from core.broker import AmqttBroker, port_free
from core.commands import CheckInCar, Dispatch
from core.mqtt import BrokerAddress
from kiosk.app import connect
from pitboard.app import start_broker
from tests.helpers import demo_config, order
from tests.kiosk_env import wait_for


@pytest.fixture
def amqtt() -> Iterator[AmqttBroker]:
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)
    broker = AmqttBroker().start()
    yield broker
    broker.stop()


def test_core_and_kiosk_through_the_embedded_broker(amqtt: AmqttBroker, tmp_path: Path) -> None:
    cfg = demo_config()
    address = BrokerAddress("127.0.0.1", amqtt.port, "core", None, amqtt.protocol)
    service = CoreService(cfg, address, f"sqlite:///{tmp_path / 'core.db'}").start()
    station = link = None
    try:
        assert service.link.connected.wait(15)
        job = service.core.run_command(CheckInCar(order()), "advisor:SA01")
        service.core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
        device_addr = BrokerAddress("127.0.0.1", amqtt.port, None, None, amqtt.protocol)
        station, link = connect(cfg, "B03", device_addr, None, tmp_path / "kiosk")
        wait_for(lambda: station.state is not None, 15, "bay state over 3.1.1")
        station.sign_in("T002")
        station.start(job.ro, "T002")
        assert link.wait_drained(15)
        assert [a.result for a in link.outbox.answers()] == ["applied", "applied"]
        wait_for(lambda: station.state is not None and station.state.current is not None, 15)
    finally:
        if link is not None:
            link.stop()
        service.stop()


def test_run_uses_the_configured_port_or_a_free_one_when_taken(
    mosquitto_bin: str, tmp_path: Path
) -> None:
    from core.broker import free_port

    port = free_port()
    cfg = demo_config()
    cfg = cfg.model_copy(update={"broker": cfg.broker.model_copy(update={"listen_port": port})})
    first = start_broker(cfg, tmp_path / "a")
    try:
        assert first.port == port and not port_free(port)
        second = start_broker(cfg, tmp_path / "b")  # the port is taken now
        try:
            assert second.port != port
        finally:
            second.stop()
    finally:
        first.stop()
