"""The week's follow-up calls added up: how many of the cars delivered were called, how
satisfied their customers were, what they were least happy with, and the complaints still
open."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .vocabulary import SATISFACTION, FollowUpOutcome


@dataclass(frozen=True)
class AftercareCall:
    """One delivered car's call as the store keeps it: its outcome (None: not yet made, or
    only tried), the calls nobody answered, what the customer was not happy with."""

    ro: str
    outcome: FollowUpOutcome | None
    attempts: int = 0
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class AftercareReport:
    delivered: int
    called: int  # the call was made: it reached the customer, or its last try did not
    reached: int
    satisfied: int  # very good or good
    score: float | None  # the average of the five levels, 5 best; None: nobody reached
    outcomes: dict[FollowUpOutcome, int]
    top_dissatisfaction: list[tuple[str, int]]  # the three named most, most first
    open_complaints: int

    @property
    def completion_pct(self) -> float | None:
        return None if not self.delivered else 100.0 * self.called / self.delivered

    @property
    def satisfaction_pct(self) -> float | None:
        return None if not self.reached else 100.0 * self.satisfied / self.reached


def aftercare_report(calls: list[AftercareCall], open_complaints: int) -> AftercareReport:
    made = [c for c in calls if c.outcome is not None]
    reached = [c for c in made if c.outcome in SATISFACTION]
    scores = [SATISFACTION[c.outcome] for c in reached if c.outcome is not None]
    good = {FollowUpOutcome.VERY_GOOD, FollowUpOutcome.GOOD}
    named = Counter(cat for c in made for cat in c.categories)
    # The most named first; a tie in the order of the vocabulary's words, not by chance.
    top = sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return AftercareReport(
        delivered=len(calls),
        called=len(made),
        reached=len(reached),
        satisfied=sum(1 for c in reached if c.outcome in good),
        score=sum(scores) / len(scores) if scores else None,
        outcomes=dict(Counter(c.outcome for c in made if c.outcome is not None)),
        top_dissatisfaction=top,
        open_complaints=open_complaints,
    )
