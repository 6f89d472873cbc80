"""A device's MQTT link to the core: numbered events, acks, retained status, Last Will.

Numbers survive restarts (kept in a small file next to the device's data). The durable
outbox that replays unacknowledged events belongs on top of this link.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.contract import topics
from core.contract.messages import DeviceStatus, dump, make_event

logger = logging.getLogger(__name__)


class DeviceLink:
    def __init__(
        self,
        host: str,
        port: int,
        site: str,
        device: str,
        password: str | None,
        state_dir: Path,
        kind: str,
        protocol: str = "5",
        on_ack: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.site, self.device, self.kind = site, device, kind
        self._seq_file = state_dir / f"{device}.seq"
        state_dir.mkdir(parents=True, exist_ok=True)
        self._seq = int(self._seq_file.read_text()) if self._seq_file.exists() else 0
        self._lock = threading.Lock()
        self.acks: dict[int, dict[str, Any]] = {}
        self._ack_cv = threading.Condition()
        self._on_ack = on_ack
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=device,
            protocol=mqtt.MQTTv5 if protocol == "5" else mqtt.MQTTv311,
        )
        if password is not None:
            self.client.username_pw_set(device, password)
        self._status_topic = topics.STATUS.full(site, device=device)
        self.client.will_set(self._status_topic, self._status(False), qos=1, retain=True)
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.reconnect_delay_set(1, 30)
        self._host, self._port = host, port

    def _status(self, online: bool) -> bytes:
        return dump(DeviceStatus(online=online, kind=self.kind, ts=datetime.now(UTC)))

    def start(self) -> DeviceLink:
        self.client.connect_async(self._host, self._port, keepalive=30)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.client.publish(self._status_topic, self._status(False), qos=1, retain=True)
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client: mqtt.Client, *_: Any) -> None:
        client.subscribe(topics.ACK.full(self.site, device=self.device), qos=1)
        client.publish(self._status_topic, self._status(True), qos=1, retain=True)

    def _message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            ack = json.loads(msg.payload)
        except ValueError:
            logger.warning("%s: unreadable ack", self.device)
            return
        with self._ack_cv:
            if isinstance(ack.get("seq"), int):
                self.acks[ack["seq"]] = ack
            self._ack_cv.notify_all()
        if self._on_ack is not None:
            self._on_ack(ack)

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            tmp = self._seq_file.with_suffix(".tmp")
            with open(tmp, "w") as f:
                f.write(str(self._seq))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._seq_file)
            return self._seq

    def send(
        self,
        type_: str,
        *,
        bay: str | None = None,
        job: str | None = None,
        tech: str | None = None,
        data: dict[str, Any] | None = None,
        ts: datetime | None = None,
    ) -> int:
        seq = self.next_seq()
        payload = make_event(
            self.device, seq, type_, ts or datetime.now(UTC), bay=bay, job=job, tech=tech, data=data
        )
        self.client.publish(topics.EVENT.full(self.site, device=self.device), payload, qos=1)
        return seq

    def wait_ack(self, seq: int, timeout: float = 10.0) -> dict[str, Any] | None:
        with self._ack_cv:
            self._ack_cv.wait_for(lambda: seq in self.acks, timeout)
            return self.acks.get(seq)
