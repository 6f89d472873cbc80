"""What the hub does with a feed message, decided without I/O: which facts to apply and
what to answer.

A site's facts are applied once and in order: the hub holds every fact up to the site's
``last`` applied seq and none after. A message's facts up to ``last`` were applied before
(the site sent them again: the ack was lost, or the bridge delivered twice) and are
skipped; the rest are applied if they follow on from ``last``. A message that starts
beyond ``last + 1`` is refused whole, since something before it was lost on the way: its
ack says ``upto = last`` and the site sends again from ``last + 1`` (go-back-N)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.contract.group import GroupFact, GroupFeed


@dataclass(frozen=True)
class Decision:
    """One message's outcome: the facts to apply, and the ack once they are committed."""

    apply: tuple[GroupFact, ...]
    #: The highest seq held once ``apply`` is committed: the ack's ``upto``.
    upto: int
    #: Facts the hub held already.
    duplicates: int
    #: The message starts past ``last + 1``: nothing of it applied.
    gap: bool = False


def decide(last: int, feed: GroupFeed) -> Decision:
    """The decision for one message of a site whose facts up to ``last`` are applied."""
    first = feed.facts[0].seq
    if first > last + 1:
        return Decision((), last, 0, gap=True)
    # The seqs are consecutive (the contract checks it): the new ones are a tail.
    new = tuple(feed.facts[last + 1 - first :])
    return Decision(new, max(last, feed.facts[-1].seq), len(feed.facts) - len(new))


@dataclass
class BatchPlan:
    """Every message of a batch decided in arrival order, the sites' ``last`` carried from
    one message to the next."""

    #: Per site, the facts to apply, in seq order.
    apply: dict[str, list[GroupFact]] = field(default_factory=dict)
    #: Per site that sent a message: the ack to send after the commit.
    upto: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    gaps: int = 0
    #: The sites one of whose messages began past what the hub holds.
    gap_sites: set[str] = field(default_factory=set)

    @property
    def facts(self) -> int:
        return sum(len(f) for f in self.apply.values())


def plan(last: Mapping[str, int], feeds: Sequence[GroupFeed]) -> BatchPlan:
    """Decide ``feeds`` (oldest first) against each site's applied ``last`` (0: none)."""
    out = BatchPlan()
    for feed in feeds:
        held = out.upto.get(feed.site, last.get(feed.site, 0))
        d = decide(held, feed)
        out.upto[feed.site] = d.upto
        out.duplicates += d.duplicates
        out.gaps += d.gap
        if d.gap:
            out.gap_sites.add(feed.site)
        if d.apply:
            out.apply.setdefault(feed.site, []).extend(d.apply)
    return out


#: The largest whole number a database column of the hub holds (a signed 64-bit integer).
LARGEST = 2**63 - 1


def unstorable(feed: GroupFeed) -> str | None:
    """Why a message the contract accepts cannot be stored (a count beyond 64 bits, a
    number that is not finite), or None. Refused before the batch's transaction: it would
    fail the commit of every site's messages with it, again and again."""
    for fact in feed.facts:
        why = _unstorable(fact.data.model_dump())
        if why is not None:
            return f"seq {fact.seq}: {why}"
    return None


def _unstorable(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -LARGEST <= value <= LARGEST:
        return f"{value} is beyond 64 bits"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            why = _unstorable(item)
            if why is not None:
                return why
    return None
