"""The advisors' live board (我的车辆) as the pages read it: each advisor's cars in the
building with their stage, predicted against promised, the findings waiting for the
customer with how urgent each has become, at risk or not; their notices not yet
acknowledged; and the at-risk notices gone to the service manager.

Not published on MQTT: it names customers, and only the staff pages the core serves show
it (made in core/advisor_views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.contract.views import Stage
from core.domain.vocabulary import JobStatus, NoticeKind

#: How urgent an unanswered finding has become (core/display/rules.py ``escalation``).
Level = Literal["none", "call", "escalate"]


@dataclass(frozen=True)
class NoticeLine:
    """A notice as the advisor's screen lists it (core/domain/notices.py ``Notice``)."""

    id: str
    kind: NoticeKind
    ro: str
    advisor: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class WaitingFinding:
    """A finding waiting for the customer's answer, and how urgent it has become."""

    id: str
    title: str
    severity: str
    labor_hours: float
    parts_estimate: float
    reported_at: datetime
    level: Level


@dataclass(frozen=True)
class AdvisorCar:
    ro: str
    advisor: str
    plate: str
    model: str
    customer: str
    phone: str
    status: JobStatus
    stage: Stage | None
    promised_at: datetime
    predicted_at: datetime | None
    at_risk: bool
    findings: tuple[WaitingFinding, ...]
    #: (id, title) of the findings the customer approved: their work may be added.
    approved: tuple[tuple[str, str], ...]
    parking_spot: str | None


@dataclass(frozen=True)
class AdvisorBoard:
    """Every advisor's cars and open notices at one minute; a page shows one advisor's."""

    at: datetime
    cars: tuple[AdvisorCar, ...]
    notices: tuple[NoticeLine, ...]
    #: At-risk notices nobody acknowledged in time: the service manager's.
    escalated: tuple[NoticeLine, ...]

    def cars_of(self, advisor: str) -> list[AdvisorCar]:
        return [c for c in self.cars if c.advisor == advisor]

    def notices_of(self, advisor: str) -> list[NoticeLine]:
        return [n for n in self.notices if n.advisor == advisor]
