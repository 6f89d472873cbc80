"""What ``pitboard run --demo`` sets up before anything starts: a data directory of its own
(a quiet run afterwards is the site's own workshop, not the demo's), started afresh; the
site clock at the morning of the demo day; and the last four weeks of a workshop, so the
reports and trends mean something at once."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from core.config import SiteConfig
from core.contract.site_clock import SiteClock
from core.demo.history import HistoryPlan, write_history
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store

logger = logging.getLogger(__name__)

HISTORY_DAYS = 28
CARS_PER_DAY = 16
#: Kept from one demo to the next: the screens paired with bays, the sign-in sessions.
KEPT = ("pairings.json", "sessions")


@dataclass(frozen=True)
class DemoSite:
    config: SiteConfig  # the site's config, its data directory the demo's own
    database_url: str
    clock: SiteClock
    history_jobs: int


def demo_dir(config: SiteConfig) -> Path:
    return Path(config.data_dir) / "demo"


def fresh_dir(path: Path) -> None:
    """Empty ``path`` of a previous demo's data (database, outboxes, broker), keeping only
    what a person set up by hand (paired screens, sign-ins)."""
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.name in KEPT:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def prepare(config: SiteConfig, speed: float, today: date | None = None) -> DemoSite:
    """The demo's own data directory, started afresh with four weeks of history behind the
    demo day, and its site clock (not yet installed)."""
    day = today or datetime.now(config.zone).date()
    path = demo_dir(config)
    fresh_dir(path)
    demo = config.model_copy(update={"data_dir": str(path)})
    url = sqlite_url(str(path))
    jobs = lay_down_history(url, demo, day)
    logger.info("demo: %d repair orders of the last %d days laid down", jobs, HISTORY_DAYS)
    # The day starts once its history is there: laying it down takes real seconds, which
    # at the demo's speed would be hours of the morning gone.
    clock = SiteClock.demo(day, config.site.opens_at, config.zone, speed)
    return DemoSite(demo, url, clock, jobs)


def lay_down_history(url: str, config: SiteConfig, day: date) -> int:
    """The ``HISTORY_DAYS`` days before ``day``: every car delivered."""
    engine = make_engine(url)
    try:
        migrate(engine)
        store = Store(engine, config.site.id)
        plan = HistoryPlan(
            days=HISTORY_DAYS, per_day=CARS_PER_DAY, seed=day.toordinal(), lifelike=True
        )
        jobs = write_history(store, config, day - timedelta(days=HISTORY_DAYS), plan)
        store.close()
        return jobs
    finally:
        engine.dispose()
