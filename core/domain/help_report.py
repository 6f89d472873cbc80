"""The help calls (安灯) of a period added up per kind: how many, how soon someone answered
and how soon they were closed, the median (p50) and the slowest tenth (p90) of each."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .vocabulary import HelpKind


@dataclass(frozen=True)
class HelpTimes:
    """One call as the report reads it."""

    kind: HelpKind
    called_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    escalated: bool = False


@dataclass(frozen=True)
class HelpKindFigures:
    kind: HelpKind
    calls: int
    answered: int
    closed: int
    escalated: int
    #: Minutes from the call to someone answering it (p50, p90; None: none answered).
    response_p50: float | None
    response_p90: float | None
    #: Minutes from the call to its close.
    resolution_p50: float | None
    resolution_p90: float | None


@dataclass(frozen=True)
class HelpReport:
    kinds: tuple[HelpKindFigures, ...]

    @property
    def calls(self) -> int:
        return sum(k.calls for k in self.kinds)


def p50_p90(minutes: list[float]) -> tuple[float | None, float | None]:
    """The median and the 90th percentile (between the values, as a spreadsheet's
    PERCENTILE does); one value is both."""
    if not minutes:
        return None, None
    if len(minutes) == 1:
        return minutes[0], minutes[0]
    cuts = statistics.quantiles(minutes, n=10, method="inclusive")
    return cuts[4], cuts[8]


def _minutes(a: datetime, b: datetime | None) -> float | None:
    return None if b is None else (b - a).total_seconds() / 60


def help_report(calls: Iterable[HelpTimes]) -> HelpReport:
    """Every kind, in the vocabulary's order, with the calls made in the period."""
    by_kind: dict[HelpKind, list[HelpTimes]] = {k: [] for k in HelpKind}
    for call in calls:
        by_kind[call.kind].append(call)
    kinds = []
    for kind, made in by_kind.items():
        answered = [m for c in made if (m := _minutes(c.called_at, c.acknowledged_at)) is not None]
        closed = [m for c in made if (m := _minutes(c.called_at, c.closed_at)) is not None]
        response, resolution = p50_p90(answered), p50_p90(closed)
        kinds.append(
            HelpKindFigures(
                kind,
                len(made),
                len(answered),
                len(closed),
                sum(1 for c in made if c.escalated),
                *response,
                *resolution,
            )
        )
    return HelpReport(tuple(kinds))


def help_csv_rows(report: HelpReport) -> list[list[str]]:
    """The help calls' figures as rows for the report's spreadsheet."""

    def num(x: float | None) -> str:
        return "" if x is None else f"{x:.1f}"

    rows = [
        [
            "help_kind",
            "calls",
            "answered",
            "closed",
            "escalated",
            "response_p50_min",
            "response_p90_min",
            "resolution_p50_min",
            "resolution_p90_min",
        ]
    ]
    rows += [
        [
            k.kind.value,
            str(k.calls),
            str(k.answered),
            str(k.closed),
            str(k.escalated),
            num(k.response_p50),
            num(k.response_p90),
            num(k.resolution_p50),
            num(k.resolution_p90),
        ]
        for k in report.kinds
    ]
    return rows
