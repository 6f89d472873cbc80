"""Wire contract v1 between a site and its head office: the site's group feed and the
hub's acknowledgements.

A site's core writes its group facts to an outbox in the same transaction as the batch
that caused them; a relay publishes them, numbered per site from 1 without gaps, on
``pitboard/{site}/group/feed``, and the site broker's bridge carries that topic to the
head office's broker. The hub applies each ``(site, seq)`` once and in order, and after
its commit answers on ``pitboard/{site}/group/ack`` with the highest seq it holds: every
fact up to it may leave the site's outbox. A feed message whose first fact is beyond
``upto + 1`` (something before it was lost on the way) is not applied; the ack that
answers it tells the relay where to start again. Correctness never rests on the bridge.

No customer's name or phone is in a fact; plates are masked before they are written.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, RootModel, model_validator

from .strict import Ident, Strict

FEED_VERSION = 1
#: The most facts one feed message carries (a relay draining a day's backlog sends many).
MAX_FACTS = 500

Count = Annotated[int, Field(ge=0)]
#: A word of the site's vocabulary (a job's status, a call's kind or state): free, so that
#: a site of a newer release can feed an older hub, but short.
Word = Annotated[str, Field(min_length=1, max_length=32)]
Hours = Annotated[float, Field(ge=0)]


class SiteFacts(Strict):
    """What head office needs to know of the site itself; sent when it changes."""

    kind: Literal["site"] = "site"
    name: Annotated[str, Field(max_length=200)]
    timezone: Annotated[str, Field(max_length=64)]
    bays: Count


class JobSummary(Strict):
    """One repair order as head office sees it, sent on every change of the job."""

    kind: Literal["job"] = "job"
    ro: Ident
    #: Masked as on the lounge screen (``京A·•••45``): never the whole plate.
    plate: Annotated[str, Field(max_length=20)]
    #: The job's status at the site (core/domain/vocabulary.py JobStatus: checked_in,
    #: dispatched, in_progress, paused, …, delivered, closed, cancelled).
    status: Word
    bay: Ident | None = None
    #: The service advisor's staff code (a colleague, not a customer).
    advisor: Ident | None = None
    checked_in_at: AwareDatetime
    promised_at: AwareDatetime | None = None
    predicted_at: AwareDatetime | None = None
    at_risk: bool = False
    #: Checked in and on no bay yet.
    waiting_dispatch: bool = False
    #: The standard hours of its operations, and the hours technicians clocked on it.
    sold_hours: Hours = 0.0
    clocked_hours: Hours = 0.0
    findings: Count = 0
    findings_approved: Count = 0
    findings_declined: Count = 0
    qc_failures: Count = 0
    ready_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None


class DayFigures(Strict):
    """The site's figures of one local day so far, as sums and counts so that head office
    can add days into weeks and months (a rate is worked out only when it is shown)."""

    kind: Literal["day"] = "day"
    day: date
    checked_in: Count = 0
    delivered: Count = 0
    delivered_on_time: Count = 0
    #: Delivered without a failed quality check.
    first_time_fixed: Count = 0
    sold_hours: Hours = 0.0
    clocked_hours: Hours = 0.0
    findings_answered: Count = 0
    findings_approved: Count = 0
    follow_ups: Count = 0
    #: Satisfaction scores (1–5) given at follow-up: their sum and how many.
    satisfaction_sum: Count = 0
    satisfaction_count: Count = 0
    complaints: Count = 0
    help_calls: Count = 0
    help_answered: Count = 0
    help_response_seconds: Hours = 0.0


class DeviceCounts(Strict):
    """The site's devices as its core sees them (kiosks, printers, key readers)."""

    kind: Literal["devices"] = "devices"
    online: Count
    offline: Count
    offline_names: list[Ident] = Field(default_factory=list, max_length=1000)


class FollowUpOutcome(Strict):
    """The outcome of one after-service follow-up call."""

    kind: Literal["follow_up"] = "follow_up"
    ro: Ident
    reached: bool
    score: Annotated[int, Field(ge=1, le=5)] | None = None
    complaint: bool = False
    at: AwareDatetime


class HelpCallFact(Strict):
    """A bay call (安灯) on every change: called, acknowledged, gone up a tier, closed."""

    kind: Literal["help_call"] = "help_call"
    id: Ident
    bay: Ident
    #: Who is called (HelpKind: foreman, team_leader, diagnostic, qc, parts, safety).
    call_kind: Word
    #: HelpState: called, acknowledged, closed.
    state: Word
    #: The escalation tier reached (0: none yet).
    level: Count = 0
    raised_at: AwareDatetime
    answered_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None


FactData = Annotated[
    SiteFacts | JobSummary | DayFigures | DeviceCounts | FollowUpOutcome | HelpCallFact,
    Field(discriminator="kind"),
]


class GroupFact(Strict):
    """One fact of a site's feed: ``(site, seq)`` makes it unique."""

    seq: int = Field(ge=1, le=2**63 - 1)
    #: When the site committed it (the hub measures the feed's lag from here).
    at: AwareDatetime
    data: FactData


class GroupFeed(Strict):
    """A run of consecutive facts of one site, oldest first."""

    v: Literal[1]
    site: Ident
    facts: list[GroupFact] = Field(min_length=1, max_length=MAX_FACTS)

    @model_validator(mode="after")
    def _consecutive(self) -> GroupFeed:
        first = self.facts[0].seq
        if [f.seq for f in self.facts] != list(range(first, first + len(self.facts))):
            raise ValueError("a feed message carries consecutive seqs, oldest first")
        return self


class GroupAck(Strict):
    """The hub's answer: every fact of ``site`` up to ``upto`` is committed at the hub."""

    v: Literal[1]
    site: Ident
    upto: int = Field(ge=0)


class BridgeLink(RootModel[Literal[0, 1]]):
    """Whether the site broker's bridge to head office is connected (1) or not (0): the
    bridge's own notification, retained, so whoever subscribes learns the link's state at
    once. Written by the site's broker itself (``pitboard broker bridge``), never sent to
    head office."""
