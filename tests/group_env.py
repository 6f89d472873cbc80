"""The group dashboard on a hub the test holds in its hand: a reader of the hub's read model
(hub/views.py) kept in memory, changed by the test, telling the pages as the hub does after
a commit; and a small dealer group to fill it with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from board.auth import hash_password
from core.contract.group import DayFigures, DeviceCounts, HelpCallFact, JobSummary
from hub.config import HubConfig, HubSite, HubUser
from hub.views import GroupLive, Period, SiteDetail, SiteFigures, SiteLine

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PASSWORD = "pitboard"
_HASH = hash_password(PASSWORD)


class FakeReader:
    """A GroupReader over what the test puts in."""

    def __init__(self) -> None:
        self.lines: dict[str, SiteLine] = {}
        self.by_period: dict[Period, list[SiteFigures]] = {}
        self.details: dict[str, SiteDetail] = {}
        self.asked: list[tuple[Period, date]] = []
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------ GroupReader
    def live(self, now: datetime) -> GroupLive:
        with self._lock:
            return GroupLive(updated_at=now, sites=list(self.lines.values()))

    def figures(self, period: Period, ending: date) -> list[SiteFigures]:
        self.asked.append((period, ending))
        return list(self.by_period.get(period, []))

    def site(self, site: str, now: datetime) -> SiteDetail | None:
        with self._lock:
            found = self.details.get(site)
            line = self.lines.get(site)
        if found is None or line is None:
            return None
        return found.model_copy(update={"line": line})

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # ------------------------------------------------------------ the test's hand
    def change(self, site: str, **fields: Any) -> None:
        """A fact of ``site`` committed at the hub: its line changes, listeners are told
        (from another thread, as the hub's are)."""
        with self._lock:
            self.lines[site] = self.lines[site].model_copy(update=fields)
        self.committed()

    def committed(self) -> None:
        def tell() -> None:
            for listener in list(self._listeners):
                listener()

        thread = threading.Thread(target=tell)
        thread.start()
        thread.join()

    @property
    def listeners(self) -> int:
        return len(self._listeners)


def hub_config(sites: list[tuple[str, str]], **hub: Any) -> HubConfig:
    return HubConfig(
        hub={"name": "华东汽车集团", "timezone": "Asia/Shanghai", **hub},
        sites=[HubSite(id=i, name=n) for i, n in sites],
        users=[
            HubUser(id="HQ01", name="陈总", password_hash=_HASH),
            HubUser(id="HQ02", name="Anna Li", password_hash=_HASH),
        ],
    )


def line(
    site: str, name: str, *, silent_min: float | None = 1.0, now: datetime = NOW, **fields: Any
) -> SiteLine:
    """A site's line heard ``silent_min`` minutes before ``now`` (None: never heard)."""
    heard = None if silent_min is None else now - timedelta(minutes=silent_min)
    values: dict[str, Any] = {
        "open_jobs": 10,
        "bays": 12,
        "bays_busy": 8,
        "last_seq": 100,
        "lag_seconds": 0.8,
        **fields,
    }
    return SiteLine(site=site, name=name, last_heard=heard, **values)


def figures(site: str, name: str, **values: Any) -> SiteFigures:
    return SiteFigures(site=site, name=name, days=1, checked_in=20, delivered=18, **values)


def detail(site_line: SiteLine, now: datetime = NOW) -> SiteDetail:
    """A site's detail: two open jobs (one at risk), a help call, two devices offline."""
    at = now - timedelta(hours=2)
    jobs = [
        JobSummary(
            ro="RO-20261205-0007",
            plate="沪A·***45",
            status="in_progress",
            bay="B03",
            advisor="SA01",
            checked_in_at=at,
            promised_at=now + timedelta(minutes=30),
            predicted_at=now + timedelta(minutes=75),
            at_risk=True,
        ),
        JobSummary(
            ro="RO-20261205-0009",
            plate="沪B·***12",
            status="checked_in",
            checked_in_at=at,
            promised_at=now + timedelta(hours=4),
            waiting_dispatch=True,
        ),
    ]
    calls = [
        HelpCallFact(
            id="H-1",
            bay="B05",
            call_kind="diagnostic",
            state="called",
            level=1,
            raised_at=now - timedelta(minutes=7),
        ),
        HelpCallFact(
            id="H-0",
            bay="B01",
            call_kind="qc",
            state="closed",
            raised_at=now - timedelta(hours=1),
            closed_at=now - timedelta(minutes=50),
        ),
    ]
    devices = DeviceCounts(online=14, offline=2, offline_names=["kiosk-b07", "printer-desk"])
    today = DayFigures(
        day=now.date(),
        checked_in=23,
        delivered=17,
        delivered_on_time=15,
        first_time_fixed=16,
        sold_hours=40.0,
        clocked_hours=50.0,
        findings_answered=10,
        findings_approved=6,
        satisfaction_sum=45,
        satisfaction_count=10,
        help_calls=4,
        help_answered=4,
        help_response_seconds=360.0,
    )
    return SiteDetail(line=site_line, jobs=jobs, help_calls=calls, devices=devices, today=today)
