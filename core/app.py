"""The core service as it runs: its store, the core and its MQTT link, from the site config."""

from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path

from core.config import SiteConfig
from core.contract import site_clock, topics
from core.engine import Core
from core.engine.group_relay import GroupRelay, MqttFeedLink
from core.mqtt import BrokerAddress, MqttLink
from core.shifts import ShiftClock
from core.store.database import make_engine, migrate, sqlite_url
from core.store.group_outbox import GroupOutbox
from core.store.repository import Store

logger = logging.getLogger(__name__)

#: Seconds a thread may hold the interpreter while another waits for it. A tap read while
#: the core's batch thread works on the lounge or the board waits this long at most for the
#: MQTT thread to parse it; in a flood that thread writes the acks the batch thread published.
#: Python's 5 ms default would hold a tap back for most of that. A tenth of a millisecond
#: was tried: the threads took the interpreter from each other so often that a tap's own
#: work took longer by as much as the wait saved (docs/performance.md).
HANDOVER = 0.0005


def database_url(config: SiteConfig) -> str:
    return (
        config.database.url
        or os.environ.get("PITBOARD_DATABASE_URL")
        or sqlite_url(config.data_dir)
    )


def settle_memory() -> None:
    """Move everything alive at start-up out of the collector's sight.

    The modules, the web framework and the loaded workshop live as long as the process.
    Left in the oldest generation, every full collection walks them all (≈ 100 ms, in the
    middle of some tap's way to the screens); frozen, a full collection sees only what
    was made since.
    """
    gc.collect()
    gc.freeze()


class CoreService:
    """The core as it runs: storage migrated, workshop loaded, connected to the broker."""

    def __init__(
        self, config: SiteConfig, broker: BrokerAddress, db_url: str | None = None
    ) -> None:
        self.config = config
        self.engine = make_engine(db_url or database_url(config))
        migrate(self.engine)
        self.store = Store(self.engine, config.site.id)
        site = config.site.id
        self.link = MqttLink(
            broker,
            site=site,
            client_id=f"pitboard-core-{site}",
            status_device="core",
            on_message=lambda t, p, tok: self.core.on_message(t, p, tok),
            subscriptions=[t.wildcard(site) for t in topics.CORE_SUBSCRIPTIONS],
            on_connected=lambda: self.core.republish(connected=True),
        )
        # Everything the core records and shows is site time (the demo's runs faster).
        self.core = Core(
            config, self.store, self.link, clock=site_clock.now, speed=site_clock.current().speed
        )
        # The feed to the dealer group's head office: its own connection and thread.
        self.relay: GroupRelay | None = None
        self.relay_link: MqttFeedLink | None = None
        if config.group.enabled:
            if not config.group.hub_url:
                logger.warning(
                    "[group] enabled without hub_url: the facts wait in the outbox until the "
                    "site broker has a bridge to head office (`pitboard broker bridge`, "
                    "docs/group.md)"
                )
            self.relay = GroupRelay(
                site, GroupOutbox(self.engine, site), config.group, clock=site_clock.now
            )
            self.relay_link = MqttFeedLink(broker, self.relay)
            self.core.step.group_written = self.relay.wake
            self.core.group_relay = self.relay
        self.shifts = ShiftClock(
            self.core,
            config.site.shift_ends,
            config.zone,
            self.core.clock,
            speed=site_clock.current().speed,
        )

    def start(self) -> CoreService:
        sys.setswitchinterval(HANDOVER)
        self.core.start()
        self.link.start()
        if self.relay is not None and self.relay_link is not None:
            self.relay.start()
            self.relay_link.start()
        self.shifts.start()
        return self

    def stop(self) -> None:
        self.shifts.stop()
        if self.relay is not None and self.relay_link is not None:
            self.relay_link.stop()
            self.relay.stop()
        self.core.stop_straight()  # no tap applied on the MQTT thread as the link says goodbye
        self.link.stop()
        self.core.stop()
        self.engine.dispose()


def data_dir(config: SiteConfig) -> Path:
    path = Path(config.data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path
