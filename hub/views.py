"""What the hub knows, as the group dashboard reads it: each site's live line, figures
over a period ranked across sites, and one site's read-only detail.

The hub writes it; the dashboard only reads it (``GroupReader``) and is told when it is
newer (``subscribe``), so that its pages are pushed like the site's boards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal, Protocol

from pydantic import AwareDatetime

from core.contract.group import DayFigures, DeviceCounts, HelpCallFact, JobSummary
from core.contract.strict import Ident, Strict

Period = Literal["day", "week", "month"]
#: A site not heard from for this long stands out on the dashboard.
STALE_AFTER_SECONDS = 300


class SiteLine(Strict):
    """One site's live line."""

    site: Ident
    name: str
    open_jobs: int = 0
    at_risk: int = 0
    bays_busy: int = 0
    bays: int = 0
    waiting_dispatch: int = 0
    devices_offline: int = 0
    #: When the hub last applied a fact of the site, and the highest seq applied.
    last_heard: AwareDatetime | None = None
    last_seq: int = 0
    #: The last applied fact's site commit → hub commit, in seconds.
    lag_seconds: float | None = None
    stale: bool = False


class GroupLive(Strict):
    updated_at: AwareDatetime
    sites: list[SiteLine]


class SiteFigures(Strict):
    """One site's figures over a period: rates worked out from the summed days (None
    where there is nothing to divide by)."""

    site: Ident
    name: str
    days: int
    checked_in: int
    delivered: int
    on_time: float | None = None
    first_time_fix: float | None = None
    efficiency: float | None = None
    approval: float | None = None
    satisfaction: float | None = None
    complaints: int = 0
    help_calls: int = 0
    help_response_seconds: float | None = None


class SiteDetail(Strict):
    line: SiteLine
    jobs: list[JobSummary]
    help_calls: list[HelpCallFact]
    devices: DeviceCounts | None = None
    today: DayFigures | None = None


class GroupReader(Protocol):
    """The dashboard's window on the hub."""

    def live(self, now: datetime) -> GroupLive: ...

    def figures(self, period: Period, ending: date) -> list[SiteFigures]: ...

    def site(self, site: str, now: datetime) -> SiteDetail | None: ...

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (on any thread) after each hub commit; returns the unsubscribe."""
        ...
