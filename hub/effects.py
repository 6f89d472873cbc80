"""A batch's facts as the rows they leave in the hub's tables, worked out without I/O.

Each current-state table keeps the latest fact per key (a job by its RO, a day by its
date, …); facts are applied in seq order, so within one batch the last fact of a key is
the one its row ends with, and one row per key goes to the database: a single insert of
many rows (PostgreSQL's ``ON CONFLICT DO UPDATE`` refuses a key twice in one statement)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.contract.group import (
    DayFigures,
    DeviceCounts,
    FollowUpOutcome,
    GroupFact,
    HelpCallFact,
    JobSummary,
    SiteFacts,
)
from core.domain.vocabulary import OPEN_STATUSES, HelpState

Row = dict[str, Any]


@dataclass
class Rows:
    """What one batch writes, table by table."""

    facts: list[Row] = field(default_factory=list)
    #: Per site with facts applied: last_seq, last_heard, last_lag_seconds.
    progress: list[Row] = field(default_factory=list)
    sites: dict[str, Row] = field(default_factory=dict)
    jobs: dict[tuple[str, str], Row] = field(default_factory=dict)
    days: dict[tuple[str, object], Row] = field(default_factory=dict)
    devices: dict[str, Row] = field(default_factory=dict)
    help_calls: dict[tuple[str, str], Row] = field(default_factory=dict)
    follow_ups: dict[tuple[str, str, datetime], Row] = field(default_factory=dict)


def rows_of(applied: Mapping[str, Sequence[GroupFact]], now: datetime) -> Rows:
    """The rows of ``applied`` (each site's facts in seq order), committed at ``now``."""
    out = Rows()
    for site, facts in applied.items():
        if not facts:
            continue
        for fact in facts:
            data = fact.data
            out.facts.append(
                {
                    "site": site,
                    "seq": fact.seq,
                    "kind": data.kind,
                    "site_at": fact.at,
                    "hub_at": now,
                    "payload": data.model_dump(mode="json"),
                }
            )
            _effect(out, site, fact)
        last = facts[-1]
        out.progress.append(
            {
                "site": site,
                "last_seq": last.seq,
                "last_heard": now,
                "last_lag_seconds": max(0.0, (now - last.at).total_seconds()),
            }
        )
    return out


def _effect(out: Rows, site: str, fact: GroupFact) -> None:
    data = fact.data
    if isinstance(data, JobSummary):
        out.jobs[(site, data.ro)] = _job(site, fact.at, data)
    elif isinstance(data, DayFigures):
        out.days[(site, data.day)] = {"site": site, **data.model_dump(exclude={"kind"})}
    elif isinstance(data, DeviceCounts):
        out.devices[site] = {
            "site": site,
            "online": data.online,
            "offline": data.offline,
            "offline_names": list(data.offline_names),
            "updated_at": fact.at,
        }
    elif isinstance(data, HelpCallFact):
        out.help_calls[(site, data.id)] = {
            "site": site,
            "open": data.state != HelpState.CLOSED,
            **data.model_dump(exclude={"kind"}),
        }
    elif isinstance(data, FollowUpOutcome):
        out.follow_ups[(site, data.ro, data.at)] = {
            "site": site,
            **data.model_dump(exclude={"kind"}),
        }
    elif isinstance(data, SiteFacts):
        out.sites[site] = {"site": site, **data.model_dump(exclude={"kind"})}


def _job(site: str, at: datetime, data: JobSummary) -> Row:
    return {
        "site": site,
        "ro": data.ro,
        "status": data.status,
        "open": data.status in OPEN_STATUSES,
        "at_risk": data.at_risk,
        "waiting_dispatch": data.waiting_dispatch,
        "bay": data.bay,
        "updated_at": at,
        "summary": data.model_dump(mode="json"),
    }
