"""A device's MQTT link to the core: events through the durable outbox, acks, retained
status with a Last Will.

Ordering: after every (re)connect the unanswered events go again, oldest first, before
any new one. A copy that overtakes an older event (paho resending its own in-flight
messages, say) is held by the core until the older one has been applied, and goes again
in turn; copies the core already has come back ``duplicate`` and change nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Unpack

from core.contract import site_clock, topics
from core.contract.messages import Ack, DeviceStatus, dump
from core.contract.sender import EventFields
from core.mqtt import BrokerAddress, MqttClient
from core.mqtt.backoff import Backoff
from core.mqtt.client import Delivery
from devices import resend
from devices.outbox import Answer, Outbox, Pending

logger = logging.getLogger(__name__)

# How often, at most, the outbox depth is re-announced in the retained status.
_STATUS_EVERY = 2.0
# With events waiting and no answer for this long, everything unanswered goes again: the
# broker may have dropped them (the core was not subscribed yet), and the core holds any
# event that arrives ahead of a missing one. The silence doubles while nothing answers
# (devices/resend.py).
RESEND_AFTER = resend.FIRST
# At most this many events are on their way at once; the rest wait in the outbox. Keeps
# the broker's queue for the core short after an outage, whatever piled up meanwhile.
WINDOW = 100


def outbox_path(state_dir: Path, device: str) -> Path:
    return state_dir / f"{device}.outbox.sqlite"


class DeviceLink:
    """A device's side of the wire contract on the shared MQTT client."""

    def __init__(
        self,
        address: BrokerAddress,
        site: str,
        device: str,
        password: str | None,
        state_dir: Path,
        kind: str,
        on_answer: Callable[[Answer], None] | None = None,
        on_change: Callable[[], None] | None = None,
        subscriptions: dict[str, Callable[[bytes], None]] | None = None,
        status_extra: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.site, self.device, self.kind = site, device, kind
        self.outbox = Outbox(outbox_path(state_dir, device), device)
        self._on_answer = on_answer
        self._on_change = on_change
        self._handlers = dict(subscriptions or {})
        # The core's retained status: resend at once when it is back, not while it is away.
        self._handlers[topics.CORE_STATUS.full(site)] = self._core_status
        self._status_extra = status_extra
        # Held while publishing so a new event never overtakes the replay of older ones.
        self._send_lock = threading.Lock()
        self._live = False
        self._inflight: set[int] = set()
        self._sent_upto = 0
        self._ack_cv = threading.Condition()
        self._last_status = 0.0
        #: The outbox depth the last retained status said (None: not said while online).
        self._said_outbox: int | None = None
        self._resend = resend.ResendClock(time.monotonic(), RESEND_AFTER, resend.LONGEST)
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name=f"{device}-resend", daemon=True)
        self._event_topic = topics.EVENT.full(site, device=device)
        self.client = self._mqtt_client(address, password)

    def _mqtt_client(self, address: BrokerAddress, password: str | None) -> MqttClient:
        """The device's MQTT client: its status with a Last Will, its acks, its handlers."""
        site, device = self.site, self.device
        # A device signs in with its own name; without a password it is anonymous (the
        # embedded broker of a one-machine shop).
        login = dataclasses.replace(
            address, username=device if password is not None else None, password=password
        )
        return MqttClient(
            login,
            device,
            topics.STATUS.full(site, device=device),
            self._status,
            self._message,
            list(self._handlers),
            on_connected=self._connected,
            on_disconnected=self._disconnected,
            on_refused=self._changed,
            ack_topic=topics.ACK.full(site, device=device),
            on_ack=self._ack,
            keepalive=15,
            backoff=Backoff(1, 10),
        )

    @property
    def online(self) -> bool:
        return self._live

    @property
    def core_online(self) -> bool | None:
        """What the core's retained status last said (None: never heard)."""
        return self._resend.core_online

    @property
    def state(self) -> str:
        """The connection as a person reads it, e.g. "refused: bad user name or password"."""
        return self.client.state

    @property
    def refused(self) -> str | None:
        """Why the broker refused the login (the link then stops trying), or None."""
        return self.client.refused

    def _status(self, online: bool) -> bytes:
        outbox = self.outbox.count() if online else None
        if online:
            self._said_outbox = outbox
        extra = self._status_extra() if online and self._status_extra is not None else {}
        status = DeviceStatus(
            online=online, kind=self.kind, outbox=outbox, ts=site_clock.now(), **extra
        )
        return dump(status)

    def announce(self) -> None:
        """Publish the retained status now (e.g. a reader came or went)."""
        if self._live:
            self.client.announce()

    def start(self) -> DeviceLink:
        self.client.start()
        self._watchdog.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._watchdog.is_alive():
            self._watchdog.join(2)
        self.client.stop()
        self._live = False
        self.outbox.close()

    # ------------------------------------------------------------------ paho thread
    def _connected(self) -> None:
        with self._send_lock:
            replay = self._replay()
            self._live = True
        if replay:
            logger.info("%s: sending unanswered events again from #%d", self.device, replay[0].seq)
        self._last_status = time.monotonic()
        self._changed()

    def _replay(self) -> list[Pending]:
        """Send the unanswered events again from the oldest (caller holds the send lock)."""
        self._inflight.clear()
        self._sent_upto = 0
        return self._pump()

    def _pump(self) -> list[Pending]:
        """Publish the next events in order while fewer than WINDOW are on their way."""
        # A new outbox sends one event until the core has answered: should its numbers be
        # ones the core had (the tablet lost its outbox), nothing after it went on ahead.
        room = (WINDOW if self.outbox.synced else 1) - len(self._inflight)
        if room <= 0:
            return []
        items = self.outbox.pending(after=self._sent_upto, limit=room)
        for item in items:
            self.client.publish(self._event_topic, item.payload, qos=1)
            self._inflight.add(item.seq)
            self._sent_upto = item.seq
        return items

    def _watch(self) -> None:
        while not self._stopping.wait(min(1.0, RESEND_AFTER / 5)):
            now = time.monotonic()
            if not self._live or not self._resend.due(now):
                continue
            if self.outbox.count() == 0:
                self._resend.progress(now)
                continue
            self._send_again("no answer", now)

    def _send_again(self, why: str, now: float) -> None:
        with self._send_lock:
            if not self._live:
                return
            replay = self._replay()
            self._resend.resent(now)
        if replay:
            logger.info(
                "%s: %s; sending again from #%d (next in %.0f s)",
                self.device,
                why,
                replay[0].seq,
                self._resend.wait,
            )

    def _core_status(self, payload: bytes) -> None:
        try:
            status = DeviceStatus.model_validate_json(payload) if payload else None
        except ValueError:
            logger.warning("%s: unreadable status of the core ignored", self.device)
            return
        now = time.monotonic()
        if self._resend.core_status(status is not None and status.online, now):
            self._send_again("the core is back", now)

    def _disconnected(self) -> None:
        with self._send_lock:
            self._live = False
            self._inflight.clear()
        self._changed()

    def _message(self, topic: str, payload: bytes, _token: Delivery) -> None:
        handler = self._handlers.get(topic)
        if handler is not None:
            handler(payload)

    def _ack(self, ack: Ack) -> None:
        if ack.seq is None:
            logger.warning("%s: ack without a number: %s", self.device, ack)
            return
        error = ack.error
        self._resend.progress(time.monotonic())
        if error is not None and error.code == "seq_taken" and ack.next_seq is not None:
            self._renumber(ack)
            return
        answer = self.outbox.answered(
            ack.seq,
            ack.result,
            error.code if error is not None else None,
            error.message if error is not None else None,
            ack.event,
        )
        if answer is None and ack.event is not None:
            logger.info("%s: an answer for #%d names another message", self.device, ack.seq)
        with self._send_lock:
            self._inflight.discard(ack.seq)
            if self._live:
                self._pump()
        with self._ack_cv:
            self._ack_cv.notify_all()
        if answer is not None and self._on_answer is not None:
            self._on_answer(answer)
        self._announce_depth()
        self._changed()

    def _renumber(self, ack: Ack) -> None:
        """Our numbers were used: the events go again under the numbers the core gave."""
        assert ack.seq is not None and ack.next_seq is not None
        moved = self.outbox.move(ack.seq, ack.next_seq, ack.event)
        if not moved:
            return
        logger.warning(
            "%s: #%d was taken at the core; %d event(s) sent again from #%d",
            self.device,
            ack.seq,
            len(moved),
            moved[0].seq,
        )
        with self._send_lock:
            self._inflight = {s for s in self._inflight if not ack.seq <= s < ack.next_seq}
            if self._live:
                self._pump()
        self._changed()

    def _announce_depth(self) -> None:
        """The outbox's depth in the retained status when it changed: an emptied outbox at
        once, a growing or shrinking one every few seconds. A tap answered before the next
        leaves the depth as it was said, and nothing is sent: every status is a message
        the broker and the core handle for nothing."""
        now = time.monotonic()
        depth = self.outbox.count()
        if not self._live or depth == self._said_outbox:
            return
        if now - self._last_status > _STATUS_EVERY or depth == 0:
            self._last_status = now
            self.client.announce()

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                logger.exception("%s: change listener failed", self.device)

    # ------------------------------------------------------------------ callers
    def send(self, type_: str, **fields: Unpack[EventFields]) -> Pending:
        """Write the event to the outbox, then publish it if the broker is reachable.

        Once this returns the event is safe: it will reach the core after any outage.
        """
        item = self.outbox.add(type_, **fields)
        with self._send_lock:
            if self._live:
                self._pump()
        self._changed()
        return item

    def wait_drained(self, timeout: float = 10.0) -> bool:
        """Wait until the core has answered every event in the outbox."""
        deadline = time.monotonic() + timeout
        with self._ack_cv:
            while self.outbox.count():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._ack_cv.wait(min(left, 0.5))
        return True
