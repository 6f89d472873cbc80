"""The relay of the site's group feed: it sends the outbox to head office's hub, oldest
first, and empties it as the hub acknowledges (core/contract/group.py).

It has its own connection to the site broker (the core's credentials; the site broker's
bridge carries the feed to head office) and its own thread. It wakes when a commit wrote
new facts, when an acknowledgement comes and when the link comes up; a slow timer sends
again what was not acknowledged in ``resend_after_seconds`` — from the first fact the hub
does not hold (go-back-N: the hub refuses a message starting past its ``upto + 1`` and
answers with its ``upto``); while head office stays silent, the wait doubles (up to a
minute) and one message goes at a time. A bounded window of facts is in flight at once.
Where the site broker says how its bridge to head office stands (``group/link``, retained),
the relay holds while it is down — what it sent would only wait in the bridge's queue, and
go again anyway — and when it is back sends from the first fact the hub lacks at once, at
the full window: a day's backlog does not wait for a doubled timer.
The outbox is the only state that matters: a restarted core starts again from it and
loses nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from core.config import GroupConfig
from core.contract import topics
from core.contract.group import FEED_VERSION, BridgeLink, GroupAck, GroupFact, GroupFeed
from core.mqtt.address import BrokerAddress
from core.mqtt.backoff import Backoff
from core.mqtt.client import MqttClient
from core.store.group_outbox import GroupOutbox, Waiting

logger = logging.getLogger(__name__)

#: Feed messages in flight at once (each of up to ``max_facts`` facts).
WINDOW_MESSAGES = 4
#: While head office stays silent the wait between resends doubles up to this (seconds, or
#: ``resend_after_seconds`` if longer), and one message goes each time: a link down for a
#: day must not fill the site broker's queue for the bridge with the same facts again and
#: again. The first acknowledgement opens the window again.
LONGEST_RESEND = 60.0
#: While head office stays silent, a resend is logged as a warning this often (seconds);
#: the others at debug level, so a link down for days does not fill the log.
QUIET_WARNINGS = 300.0


class FeedLink(Protocol):
    """The relay's connection: publish (False when it could not be handed to the broker),
    whether it is up, and its state in words."""

    def publish(self, topic: str, payload: bytes) -> bool: ...

    def is_connected(self) -> bool: ...

    @property
    def state(self) -> str: ...


class GroupRelay:
    """Sends the outbox; deletes what the hub acknowledged; sends again what it did not."""

    def __init__(
        self,
        site: str,
        outbox: GroupOutbox,
        config: GroupConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.site = site
        self.outbox = outbox
        self.max_facts = config.max_facts
        self.window = config.max_facts * WINDOW_MESSAGES
        self.resend_after = config.resend_after_seconds
        self.longest_resend = max(LONGEST_RESEND, self.resend_after)
        self._resend_wait = self.resend_after
        self.clock = clock
        self.monotonic = monotonic
        self.feed_topic = topics.GROUP_FEED.full(site)
        self.ack_topic = topics.GROUP_ACK.full(site)
        self.bridge_topic = topics.GROUP_LINK.full(site)
        self.link: FeedLink | None = None
        #: The site broker's bridge to head office: up, down, or None (not said: no bridge
        #: here, or a broker that does not say; the relay then sends as if it were up).
        self.bridge_up: bool | None = None
        self.counters: dict[str, int] = {
            "messages": 0,
            "resends": 0,
            "acks": 0,
            "malformed_acks": 0,
            "foreign_acks": 0,
        }
        self._cv = threading.Condition()
        self._woken = False
        self._acks: list[int] = []
        self._restart = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        #: Everything up to here has left the outbox; the next fact to send.
        self.acknowledged = 0
        self._next = 1
        #: When the facts in flight were sent or the hub last moved on (monotonic).
        self._progress_at = 0.0
        self._stalled_since: float | None = None
        self._warned_at = 0.0

    # ------------------------------------------------------------ lifecycle
    def start(self) -> GroupRelay:
        state = self.outbox.state()
        with self._cv:
            self.acknowledged = state.acknowledged
            self._next = self.acknowledged + 1
            self._woken = True
        if state.waiting:
            logger.info(
                "group feed: %d facts waiting in the outbox from #%d (the hub holds up to #%d)",
                state.waiting,
                self._next,
                self.acknowledged,
            )
        self._thread = threading.Thread(target=self._run, name="pitboard-group-relay", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # ------------------------------------------------------------ told by others
    def wake(self) -> None:
        """A commit wrote new facts (called by the core's writer, whichever thread: only hands
        over)."""
        with self._cv:
            self._woken = True
            self._cv.notify_all()

    def connected(self) -> None:
        """The link is (back) up: whatever was in flight may be lost, so everything the hub
        has not acknowledged goes again."""
        with self._cv:
            self._restart = True
            self._cv.notify_all()

    def bridge(self, up: bool) -> None:
        """The site broker's bridge to head office went down or came back."""
        with self._cv:
            was, self.bridge_up = self.bridge_up, up
            if up and was is not True:
                logger.info(
                    "group feed: the link to head office is up; sending from #%d",
                    self.acknowledged + 1,
                )
                self._restart = True
                self._cv.notify_all()
            elif not up and was is not False:
                logger.info("group feed: the link to head office is down; holding the feed")

    def on_message(self, topic: str, payload: bytes, _token: object = None) -> None:
        """An acknowledgement from the hub, or the bridge's state (on the MQTT thread):
        read, checked, handed over."""
        if topic == self.bridge_topic:
            try:
                self.bridge(BridgeLink.model_validate_json(payload).root == 1)
            except ValidationError:
                logger.warning("group feed: ignored a bridge state %r", payload[:20])
            return
        if topic != self.ack_topic:
            return
        try:
            ack = GroupAck.model_validate_json(payload)
        except ValidationError as exc:
            self.counters["malformed_acks"] += 1
            logger.warning(
                "group feed: ignored a malformed acknowledgement (%s): %r",
                exc.errors()[0]["msg"],
                payload[:200],
            )
            return
        if ack.site != self.site:
            self.counters["foreign_acks"] += 1
            logger.warning(
                "group feed: ignored an acknowledgement for site %r on site %r's topic",
                ack.site,
                self.site,
            )
            return
        with self._cv:
            self._acks.append(ack.upto)
            self._cv.notify_all()

    # ------------------------------------------------------------ what is shown
    def status(self) -> dict[str, Any]:
        """Facts waiting, acknowledged up to, the oldest waiting fact's age, the link."""
        state = self.outbox.state()
        age = None
        if state.oldest_at is not None:
            age = max(0.0, round((self.clock() - state.oldest_at).total_seconds(), 1))
        link = self.link
        bridge = self.bridge_up
        return {
            "link": "not started" if link is None else link.state,
            "connected": link is not None and link.is_connected(),
            # The site broker's bridge to head office, as it says on group/link: "up",
            # "down", or "unknown" (no bridge on the site's broker, or not said yet).
            "head_office": "unknown" if bridge is None else ("up" if bridge else "down"),
            "waiting": state.waiting,
            "acknowledged": state.acknowledged,
            "last_seq": state.last_seq,
            "oldest_waiting_seconds": age,
        }

    # ------------------------------------------------------------ the relay's thread
    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(
                    lambda: self._stopping or self._woken or self._acks or self._restart,
                    timeout=self._wait(),
                )
                if self._stopping:
                    return
                acks, self._acks = self._acks, []
                restart, self._restart = self._restart, False
                self._woken = False
            try:
                self._step(acks, restart)
            except Exception:  # the database away for a moment: tried again on the timer
                logger.exception("group feed: the relay's step failed")
                time.sleep(min(self.resend_after, 1.0))

    def _wait(self) -> float | None:
        if self._next - 1 <= self.acknowledged or self.bridge_up is False:
            return None  # nothing in flight, or held: a commit, an ack or the link wakes it
        return max(0.0, self._progress_at + self._resend_wait - self.monotonic())

    def _step(self, acks: list[int], restart: bool) -> None:
        for upto in acks:
            self._acknowledged(upto)
        if restart:
            self._next = self.acknowledged + 1
            self._progress_at = self.monotonic()
            if self.bridge_up:  # head office reachable again: the whole window at once
                self._resend_wait = self.resend_after
                self._stalled_since = None
        elif self.bridge_up is False:
            return  # held: everything not acknowledged goes when the link is back
        elif self._in_flight() and self.monotonic() >= self._progress_at + self._resend_wait:
            self._resend()
        self._send()

    def _in_flight(self) -> int:
        return max(0, self._next - 1 - self.acknowledged)

    def _acknowledged(self, upto: int) -> None:
        self.counters["acks"] += 1
        if upto <= self.acknowledged:
            if upto < self.acknowledged:
                logger.warning(
                    "group feed: the hub says it holds up to #%d, but #%d was acknowledged "
                    "before (head office's database restored?): what lies between has left "
                    "the outbox",
                    upto,
                    self.acknowledged,
                )
            return  # an answer to a repeat, or to a message it refused: the timer resends
        gone = self.outbox.acknowledged(upto)
        logger.debug("group feed: the hub holds up to #%d (%d facts left the outbox)", upto, gone)
        if upto >= self._next:
            last = self.outbox.state().last_seq
            if upto > last:
                logger.error(
                    "group feed: the hub holds up to #%d but this site numbered only up to #%d "
                    "(the site's database restored from an older backup?)",
                    upto,
                    last,
                )
        self.acknowledged = upto
        self._next = max(self._next, upto + 1)
        self._progress_at = self.monotonic()
        self._resend_wait = self.resend_after
        if self._stalled_since is not None:
            logger.info(
                "group feed: head office acknowledges again (up to #%d) after %.0f s",
                upto,
                self.monotonic() - self._stalled_since,
            )
            self._stalled_since = None

    def _resend(self) -> None:
        now = self.monotonic()
        self.counters["resends"] += 1
        if self._stalled_since is None:
            self._stalled_since = now
        first, flying = self.acknowledged + 1, self._in_flight()
        if now - self._warned_at >= QUIET_WARNINGS:
            self._warned_at = now
            logger.warning(
                "group feed: nothing acknowledged for %.0f s; sending again from #%d "
                "(%d facts in flight; the site broker %s; its bridge to head office %s)",
                now - self._progress_at,
                first,
                flying,
                self.link.state if self.link is not None else "not started",
                "says nothing (is it configured? `pitboard broker bridge`)"
                if self.bridge_up is None
                else "up",
            )
        else:
            logger.debug("group feed: sending again from #%d", first)
        self._next = first
        self._progress_at = now
        self._resend_wait = min(self._resend_wait * 2, self.longest_resend)

    def _send(self) -> None:
        """As many messages as the window holds, from the next fact on."""
        link = self.link
        if link is None or not link.is_connected() or self.bridge_up is False:
            return
        # Silent head office: one message at a time until it answers.
        window = self.window if self._stalled_since is None else self.max_facts
        while (room := window - self._in_flight()) > 0:
            facts = self.outbox.waiting(self._next - 1, min(self.max_facts, room))
            if not facts:
                return
            payload = self._message(facts)
            if payload is None:
                return
            if not link.publish(self.feed_topic, payload):
                return  # the link went down: everything goes again when it is back
            if not self._in_flight():
                self._progress_at = self.monotonic()
            self._next = facts[-1].seq + 1
            self.counters["messages"] += 1

    def _message(self, facts: list[Waiting]) -> bytes | None:
        try:
            feed = GroupFeed(
                v=FEED_VERSION,
                site=self.site,
                facts=[
                    GroupFact.model_validate({"seq": f.seq, "at": f.at, "data": f.data})
                    for f in facts
                ],
            )
        except ValidationError as exc:
            # Not sent as it is: the hub would refuse it, and every fact behind it would wait.
            logger.error(
                "group feed: facts #%d–#%d are not a valid feed message (%s); held",
                facts[0].seq,
                facts[-1].seq,
                exc.errors()[0]["msg"],
            )
            return None
        return feed.model_dump_json().encode()


class MqttFeedLink:
    """The relay's own connection to the site broker, on the one client wrapper: the
    core's user, no retained status of its own (it is no device), a clean session (what
    was in flight is sent again from the outbox on every connect)."""

    def __init__(self, address: BrokerAddress, relay: GroupRelay) -> None:
        self.client = MqttClient(
            address,
            f"pitboard-group-relay-{relay.site}",
            None,
            lambda _online: b"",
            relay.on_message,
            [relay.ack_topic, relay.bridge_topic],
            on_connected=relay.connected,
            persistent_session=False,
            keepalive=30,
            backoff=Backoff(1, 30),
        )
        relay.link = self

    @property
    def state(self) -> str:
        return self.client.state

    def is_connected(self) -> bool:
        return self.client.connected.is_set()

    def publish(self, topic: str, payload: bytes) -> bool:
        info = self.client.publish(topic, payload, qos=1, retain=False)
        return info.rc == 0

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()
