"""The group dashboard's window on the hub's tables (``GroupReader``): each query on a
connection of its own, so that the writer's transaction never waits for a page."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine, case, func, select

from core.contract.group import DayFigures, DeviceCounts, HelpCallFact, JobSummary
from core.domain.vocabulary import JobStatus

from . import tables as t
from .config import HubConfig
from .views import GroupLive, GroupReader, Period, SiteDetail, SiteFigures, SiteLine

logger = logging.getLogger(__name__)

_FIGURES = [c for c in t.days.columns if c.name not in ("site", "day")]


def period_days(period: Period, ending: date) -> tuple[date, date]:
    """The first and last day of ``period`` ending on ``ending``: the day itself, its ISO
    week from Monday, or its calendar month from the 1st."""
    if period == "day":
        return ending, ending
    if period == "week":
        return ending - timedelta(days=ending.weekday()), ending
    return ending.replace(day=1), ending


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def site_figures(site: str, name: str, days: int, sums: dict[str, Any]) -> SiteFigures:
    """A site's period from its summed days: rates from the sums, None with nothing to
    divide by (no car delivered: no on-time rate, not 0 %)."""
    # PostgreSQL sums BIGINTs as NUMERIC: every sum is made a float here.
    s = {k: float(sums.get(k) or 0) for k in (c.name for c in _FIGURES)}
    return SiteFigures(
        site=site,
        name=name,
        days=days,
        checked_in=int(s["checked_in"]),
        delivered=int(s["delivered"]),
        on_time=_ratio(s["delivered_on_time"], s["delivered"]),
        first_time_fix=_ratio(s["first_time_fixed"], s["delivered"]),
        efficiency=_ratio(s["sold_hours"], s["clocked_hours"]),
        approval=_ratio(s["findings_approved"], s["findings_answered"]),
        satisfaction=_ratio(s["satisfaction_sum"], s["satisfaction_count"]),
        complaints=int(s["complaints"]),
        help_calls=int(s["help_calls"]),
        help_response_seconds=_ratio(s["help_response_seconds"], s["help_answered"]),
    )


class HubReader:
    """``GroupReader`` on the hub's database, for the sites of ``config``."""

    def __init__(self, engine: Engine, config: HubConfig) -> None:
        self.engine = engine
        self.config = config
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------ GroupReader
    def live(self, now: datetime) -> GroupLive:
        with self.engine.connect() as conn:
            lines = self._lines(conn, now, [s.id for s in self.config.sites])
        return GroupLive(updated_at=now, sites=lines)

    def figures(self, period: Period, ending: date) -> list[SiteFigures]:
        first, last = period_days(period, ending)
        q = (
            select(
                t.days.c.site,
                func.count().label("days"),
                *[func.sum(c).label(c.name) for c in _FIGURES],
            )
            .where(t.days.c.day >= first, t.days.c.day <= last)
            .group_by(t.days.c.site)
        )
        with self.engine.connect() as conn:
            found = {r.site: r._asdict() for r in conn.execute(q)}
        out = []
        for s in self.config.sites:
            sums = found.get(s.id, {})
            out.append(site_figures(s.id, s.name, int(sums.get("days") or 0), sums))
        return out

    def site(self, site: str, now: datetime) -> SiteDetail | None:
        if site not in {s.id for s in self.config.sites}:
            return None
        with self.engine.connect() as conn:
            (line,) = self._lines(conn, now, [site])
            jobs = [
                JobSummary.model_validate(r.summary)
                for r in conn.execute(
                    select(t.jobs.c.summary)
                    .where(t.jobs.c.site == site, t.jobs.c.open.is_(True))
                    .order_by(t.jobs.c.ro)
                )
            ]
            calls = self._open_calls(conn, site)
            dev = conn.execute(select(t.devices).where(t.devices.c.site == site)).first()
            today = self._today(conn, site, now)
        devices = None
        if dev is not None:
            devices = DeviceCounts(
                online=dev.online, offline=dev.offline, offline_names=list(dev.offline_names)
            )
        return SiteDetail(line=line, jobs=jobs, help_calls=calls, devices=devices, today=today)

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # ------------------------------------------------------------ for the hub
    def changed(self) -> None:
        """After a commit: every listener is told (a failing one is logged, not fatal)."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:
                logger.exception("a listener of the hub's changes failed")

    # ------------------------------------------------------------ queries
    def _open_calls(self, conn: Connection, site: str) -> list[HelpCallFact]:
        q = (
            select(*[c for c in t.help_calls.c if c.name not in ("site", "open")])
            .where(t.help_calls.c.site == site, t.help_calls.c.open.is_(True))
            .order_by(t.help_calls.c.raised_at, t.help_calls.c.id)
        )
        return [HelpCallFact.model_validate(dict(r._mapping)) for r in conn.execute(q)]

    def _today(self, conn: Connection, site: str, now: datetime) -> DayFigures | None:
        """The site's figures of its own local day so far."""
        zone = conn.execute(
            select(t.sites.c.timezone).where(t.sites.c.site == site)
        ).scalar_one_or_none()
        day = now.astimezone(self._zone(zone)).date()
        row = conn.execute(
            select(*[c for c in t.days.c if c.name != "site"]).where(
                t.days.c.site == site, t.days.c.day == day
            )
        ).first()
        return None if row is None else DayFigures.model_validate(dict(row._mapping))

    def _zone(self, name: str | None) -> ZoneInfo:
        """The site's own zone, for its day (head office's until the site has said)."""
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                logger.warning("unknown time zone %r of a site: head office's used", name)
        return self.config.zone

    def _lines(self, conn: Connection, now: datetime, sites: list[str]) -> list[SiteLine]:
        stale_after = timedelta(seconds=self.config.hub.stale_after_seconds)
        known = {r.site: r for r in conn.execute(select(t.sites).where(t.sites.c.site.in_(sites)))}
        busy_bay = case((t.jobs.c.status == JobStatus.IN_PROGRESS.value, t.jobs.c.bay))
        jobs = {
            r.site: r
            for r in conn.execute(
                select(
                    t.jobs.c.site,
                    func.count().label("open_jobs"),
                    func.sum(case((t.jobs.c.at_risk, 1), else_=0)).label("at_risk"),
                    func.sum(case((t.jobs.c.waiting_dispatch, 1), else_=0)).label("waiting"),
                    func.count(func.distinct(busy_bay)).label("busy"),
                )
                .where(t.jobs.c.site.in_(sites), t.jobs.c.open.is_(True))
                .group_by(t.jobs.c.site)
            )
        }
        offline = {
            site: int(n)
            for site, n in conn.execute(
                select(t.devices.c.site, t.devices.c.offline).where(t.devices.c.site.in_(sites))
            )
        }
        out = []
        for site in sites:
            s, j = known.get(site), jobs.get(site)
            heard = s.last_heard if s is not None else None
            out.append(
                SiteLine(
                    site=site,
                    name=self.config.site_name(site),
                    open_jobs=int(j.open_jobs) if j else 0,
                    at_risk=int(j.at_risk or 0) if j else 0,
                    bays_busy=int(j.busy) if j else 0,
                    bays=int(s.bays) if s is not None else 0,
                    waiting_dispatch=int(j.waiting or 0) if j else 0,
                    devices_offline=offline.get(site, 0),
                    last_heard=heard,
                    last_seq=int(s.last_seq) if s is not None else 0,
                    lag_seconds=s.last_lag_seconds if s is not None else None,
                    stale=heard is None or now - heard > stale_after,
                )
            )
        return out


if TYPE_CHECKING:

    def _a_group_reader(reader: HubReader) -> GroupReader:
        """Where the type checker holds HubReader to the dashboard's protocol."""
        return reader
