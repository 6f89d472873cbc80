"""The hub as it runs: every site's feed from head office's broker, applied by one writer.

The MQTT thread only queues what arrives. The writer takes what is waiting as a batch and
applies all of it in ONE transaction; after the commit it answers each site that sent
something with a ``GroupAck`` (QoS 1), then PUBACKs the messages, then tells the
dashboard. A hub that stops between its commit and its acks has lost nothing: the
messages come again (its session is kept, and the sites resend what is not acknowledged)
and the facts they carry are skipped by the ``last_seq`` committed with them."""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from core.contract import topics
from core.contract.group import GroupAck, GroupFeed
from core.contract.messages import DeviceStatus, dump
from core.engine.items import take_batch
from core.mqtt import BrokerAddress, MqttClient
from core.mqtt.backoff import Backoff
from core.store.database import make_engine

from .apply import BatchPlan, unstorable
from .config import HUB_STATUS, HubConfig
from .reading import HubReader
from .store import HubStore, open_engine
from .store import database_url as configured_url

logger = logging.getLogger(__name__)

#: Every site's feed: the broker's ACL lets each site's bridge write only its own.
FEED_FILTER = topics.GROUP_FEED.wildcard("+")
#: The most messages applied in one transaction (each carries up to 500 facts).
MAX_BATCH = 200


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    token: object


def site_of(topic: str) -> str | None:
    """The site a feed topic names (``pitboard/{site}/group/feed``), or None."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == "pitboard" and parts[2:] == ["group", "feed"]:
        return parts[1]
    return None


class Hub:
    """Head office's hub: the broker connection, the single writer, the dashboard's reader."""

    def __init__(
        self,
        config: HubConfig,
        address: BrokerAddress,
        database_url: str | None = None,
        *,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        client_id: str = "pitboard-hub",
    ) -> None:
        """On ``database_url`` (default from the config), migrated here; or on ``engine``
        (migrated by its owner), which the dashboard's reads then share."""
        self.config = config
        self.clock = clock
        url = None if engine is not None else (database_url or configured_url(config))
        self._owns_engine = engine is None
        self.engine = engine if engine is not None else open_engine(str(url))
        self.store = HubStore(self.engine)
        # The dashboard reads on connections of its own: a page never waits for a batch.
        self._read_engine = make_engine(url) if url is not None else None
        self.reader = HubReader(self._read_engine or self.engine, config)
        self._sites = frozenset(s.id for s in config.sites)
        self.counters: Counter[str] = Counter()
        self._queue: queue.Queue[Received | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Why the last commit failed, while the hub cannot store; None once one succeeds.
        self.store_problem: str | None = None
        self.client = MqttClient(
            address,
            client_id,
            HUB_STATUS,
            self._status,
            self._on_message,
            [FEED_FILTER],
            manual_ack=True,
            persistent_session=True,
            backoff=Backoff(1, 30),
        )

    def _status(self, online: bool) -> bytes:
        return dump(DeviceStatus(online=online, kind="hub", ts=self.clock()))

    # ------------------------------------------------------------ lifecycle
    def start(self) -> Hub:
        self._thread = threading.Thread(target=self._run, name="pitboard-hub", daemon=True)
        self._thread.start()
        self.client.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """The batch in hand is finished and acknowledged; what arrives after is left
        un-PUBACKed for the broker to deliver again to the next start."""
        self._stopping.set()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        self.client.stop()
        if self._read_engine is not None:
            self._read_engine.dispose()
        if self._owns_engine:
            self.engine.dispose()

    # ------------------------------------------------------------ MQTT thread
    def _on_message(self, topic: str, payload: bytes, token: object) -> None:
        self._queue.put(Received(topic, payload, token))

    def queue_depth(self) -> int:
        return self._queue.qsize()

    # ------------------------------------------------------------ the writer
    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items, stop = take_batch(self._queue, first, MAX_BATCH)
            try:
                self.handle(items)
            except Exception:  # a bug must not end the only writer
                logger.exception("the hub failed on a batch of %d messages", len(items))
            if stop:
                return

    def handle(self, items: list[Received]) -> None:
        """One batch: applied in one transaction, then acks, PUBACKs and the dashboard."""
        feeds = [f for f in (self._read(i) for i in items) if f is not None]
        decided = None
        if feeds:
            decided = self._commit(feeds)
            if decided is None:  # stopping before the store came back: nothing acked
                return
            self.counters["messages"] += len(feeds)
            self.counters["facts"] += decided.facts
            self.counters["duplicates"] += decided.duplicates
            self.counters["gaps"] += decided.gaps
            if decided.gaps:
                logger.info(
                    "%d feed message(s) past a gap not applied (site %s: told where to resume)",
                    decided.gaps,
                    ", ".join(sorted(decided.gap_sites)),
                )
        self._answer(decided, items)

    def _answer(self, decided: BatchPlan | None, items: list[Received]) -> None:
        """After the commit, never before: each site's ack, then the PUBACKs (until then
        the broker holds the messages for the next start, where they are duplicates),
        then the dashboard."""
        if decided is not None:
            for site, upto in sorted(decided.upto.items()):
                ack = GroupAck(v=1, site=site, upto=upto)
                self.client.publish(topics.GROUP_ACK.full(site), dump(ack), qos=1)
        for item in items:
            self.client.puback(item.token)
        if decided is not None and decided.apply:
            self.reader.changed()

    def _commit(self, feeds: list[GroupFeed]) -> BatchPlan | None:
        """The batch committed, however long the database takes to come back (each try
        decides again from what is stored, so a try that failed leaves no trace)."""
        delay = 0.2
        while True:
            try:
                try:
                    decided = self.store.apply(feeds, self.clock())
                except (DataError, IntegrityError):
                    # Refused for what a message holds, not for the database's state:
                    # one message at a time, so that only the one refused is left out.
                    decided = self._one_by_one(feeds)
                self.store_problem = None
                return decided
            except SQLAlchemyError as exc:
                self.counters["commit_failures"] += 1
                self.store_problem = _first_line(exc)
                logger.error("hub commit failed (%s); trying again in %.1f s", exc, delay)
                if self._stopping.wait(delay):
                    return None
                delay = min(delay * 2, 10.0)

    def _one_by_one(self, feeds: list[GroupFeed]) -> BatchPlan:
        out = BatchPlan()
        for feed in feeds:
            try:
                done = self.store.apply([feed], self.clock())
            except (DataError, IntegrityError) as exc:
                self.counters["unstored"] += 1
                logger.error(
                    "a feed message of site %s (seq %d–%d) cannot be stored, left out: %s",
                    feed.site,
                    feed.facts[0].seq,
                    feed.facts[-1].seq,
                    _first_line(exc),
                )
                continue
            for site, facts in done.apply.items():
                out.apply.setdefault(site, []).extend(facts)
            out.upto.update(done.upto)
            out.duplicates += done.duplicates
            out.gaps += done.gaps
        return out

    def _read(self, item: Received) -> GroupFeed | None:
        """The feed a message carries, or None (logged, then counted: a count is a drop
        already said) for one that is dropped: it is PUBACKed all the same, or the broker
        would deliver it again for ever."""
        site = site_of(item.topic)
        if site is None or site not in self._sites:
            logger.warning("dropped a feed message of an unknown site on %s", item.topic)
            self.counters["unknown_site"] += 1
            return None
        try:
            feed = GroupFeed.model_validate_json(item.payload)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(message)"
            self._malformed(
                "a malformed feed message of site %s (%s: %s): %r",
                site,
                where,
                err["msg"],
                item.payload[:200],
            )
            return None
        if feed.site != site:
            self._malformed("a feed message on %s that says it is site %s's", item.topic, feed.site)
            return None
        why = unstorable(feed)
        if why is not None:
            self._malformed("a feed message of site %s that cannot be stored (%s)", site, why)
            return None
        return feed

    def _malformed(self, what: str, *args: object) -> None:
        logger.warning("dropped " + what, *args)
        self.counters["malformed"] += 1


def _first_line(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(exc).__name__])[0][:200]
