"""MQTT for every Pitboard process: one client wrapper (``client``) that the core's link
(``link``) and the devices' link (devices/link.py) are built on."""

from core.mqtt.address import BrokerAddress
from core.mqtt.client import MqttClient, no_delay
from core.mqtt.link import MqttLink

__all__ = ["BrokerAddress", "MqttClient", "MqttLink", "no_delay"]
