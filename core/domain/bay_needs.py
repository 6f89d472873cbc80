"""Which kind of bay a car's work needs: an alignment on the alignment lift, bodywork in the
body shop. The catalogue says it per operation; the site hands the workshop that table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .model import Operation
from .vocabulary import STATION_KINDS, BayKind

#: Operation code → the kind of bay it is done at; a code not in it is general work.
OperationKinds = Mapping[str, BayKind]


def bay_kind_of(op: Operation, kinds: OperationKinds) -> BayKind:
    return kinds.get(op.code, BayKind.GENERAL)


def bay_hours(operations: Iterable[Operation], kinds: OperationKinds) -> dict[BayKind, float]:
    """Standard hours by the kind of bay they are worked at. Work done at a station (the
    wash, final inspection) is left out: it takes no bay's or technician's planned time."""
    out: dict[BayKind, float] = {}
    for op in operations:
        kind = bay_kind_of(op, kinds)
        if kind not in STATION_KINDS:
            out[kind] = out.get(kind, 0.0) + op.standard_hours
    return out


def special_needs(operations: Iterable[Operation], kinds: OperationKinds) -> frozenset[BayKind]:
    """The kinds of special bay (not general) some of the work needs."""
    return frozenset(bay_hours(operations, kinds)) - {BayKind.GENERAL}


def needed_kind(operations: Iterable[Operation], kinds: OperationKinds) -> BayKind:
    """The kind of bay the car goes to: the special kind with the most hours (the first
    named on a tie), general when no work needs a special bay."""
    hours = bay_hours(operations, kinds)
    hours.pop(BayKind.GENERAL, None)
    if not hours:
        return BayKind.GENERAL
    return max(hours, key=lambda k: hours[k])  # dicts keep order: the first on a tie


def serves(bay: BayKind, needs: frozenset[BayKind]) -> bool:
    """Whether a bay of this kind suits work with these special needs: any bay does general
    work; work needing special bays goes to a bay of one of those kinds."""
    return not needs or bay in needs
