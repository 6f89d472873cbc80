"""The core's MQTT connection: a persistent session (v5; 3.1.1 for the embedded broker),
republish on every connect, and PUBACKs sent only when the core says its commit is done."""

from __future__ import annotations

from collections.abc import Callable

from core.contract import site_clock, topics
from core.contract.messages import DeviceStatus, dump
from core.mqtt.address import BrokerAddress
from core.mqtt.backoff import Backoff
from core.mqtt.client import MqttClient


class MqttLink:
    """The core's publisher (``publish``, ``puback``) on the shared client."""

    def __init__(
        self,
        address: BrokerAddress,
        site: str,
        client_id: str,
        status_device: str,
        on_message: Callable[[str, bytes, object], None],
        subscriptions: list[str],
        on_connected: Callable[[], None] = lambda: None,
        manual_ack: bool = True,
    ) -> None:
        self.address = address
        self.site = site
        self.client = MqttClient(
            address,
            client_id,
            topics.STATUS.full(site, device=status_device),
            self._status,
            on_message,
            subscriptions,
            on_connected=on_connected,
            manual_ack=manual_ack,
            persistent_session=True,
            keepalive=30,
            backoff=Backoff(1, 30),
        )
        self.connected = self.client.connected

    @staticmethod
    def _status(online: bool) -> bytes:
        return dump(DeviceStatus(online=online, kind="core", ts=site_clock.now()))

    @property
    def state(self) -> str:
        return self.client.state

    @property
    def denied(self) -> list[str]:
        return self.client.denied

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain)

    def puback(self, token: object) -> None:
        self.client.puback(token)

    def send_now(self) -> None:
        self.client.send_now()
