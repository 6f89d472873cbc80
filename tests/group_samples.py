"""Group feed facts and messages for the hub's tests and benchmark, as a site sends them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.contract.group import (
    DayFigures,
    DeviceCounts,
    FactData,
    FollowUpOutcome,
    GroupFact,
    GroupFeed,
    HelpCallFact,
    JobSummary,
    SiteFacts,
)
from hub.config import HubConfig, HubInfo, HubSite

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 on a Monday in Shanghai


def hub_config(*sites: str, **hub: Any) -> HubConfig:
    return HubConfig(
        hub=HubInfo(**hub),
        sites=[HubSite(id=s, name=f"Site {s.upper()}") for s in sites],
    )


def job(ro: str, status: str = "checked_in", **kw: Any) -> JobSummary:
    return JobSummary(
        ro=ro,
        plate="京A·***45",
        status=status,
        checked_in_at=kw.pop("checked_in_at", T0),
        **kw,
    )


def site_facts(name: str = "Site", bays: int = 8) -> SiteFacts:
    return SiteFacts(name=name, timezone="Asia/Shanghai", bays=bays)


def day(d: date, **figures: Any) -> DayFigures:
    return DayFigures(day=d, **figures)


def devices(online: int, offline: int, *names: str) -> DeviceCounts:
    return DeviceCounts(online=online, offline=offline, offline_names=list(names))


def help_call(id_: str, state: str = "called", bay: str = "B03") -> HelpCallFact:
    return HelpCallFact(id=id_, bay=bay, call_kind="parts", state=state, raised_at=T0)


def follow_up(ro: str, score: int | None = 5, complaint: bool = False) -> FollowUpOutcome:
    return FollowUpOutcome(ro=ro, reached=True, score=score, complaint=complaint, at=T0)


def facts(first: int, data: Iterable[FactData], at: datetime = T0) -> list[GroupFact]:
    return [
        GroupFact(seq=first + i, at=at + timedelta(seconds=first + i), data=d)
        for i, d in enumerate(data)
    ]


def feed(site: str, first: int, *data: FactData, at: datetime = T0) -> GroupFeed:
    """A message of ``site`` carrying ``data`` from seq ``first`` on."""
    return GroupFeed(v=1, site=site, facts=facts(first, data, at))


def jobs_feed(site: str, first: int, n: int, at: datetime = T0) -> GroupFeed:
    """``n`` job changes from seq ``first``, each of its own RO."""
    return feed(site, first, *(job(f"RO-{first + i}") for i in range(n)), at=at)
