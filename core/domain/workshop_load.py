"""The workshop's load by day: the standard hours booked on each team and each kind of bay,
against what that team can do (its technicians' working hours, at the site's efficiency)
and what those bays can hold (their working hours)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .appointment import Appointment
from .bay_needs import OperationKinds, bay_hours
from .model import Bay, Technician
from .vocabulary import HOLDING_STATES, STATION_KINDS, BayKind, Role
from .working_hours import WorkingHours

#: Rounding: a booking that fills a day to the last minute still fits.
EPSILON = 1e-6


@dataclass(frozen=True)
class Fill:
    booked: float  # standard hours
    capacity: float

    @property
    def room(self) -> float:
        return self.capacity - self.booked


@dataclass(frozen=True)
class DayLoad:
    day: date
    teams: dict[str, Fill] = field(default_factory=dict)
    kinds: dict[BayKind, Fill] = field(default_factory=dict)


@dataclass(frozen=True)
class Capacity:
    """What the site's people and bays can do on a day."""

    bays: Mapping[str, Bay]
    technicians: Mapping[str, Technician]
    hours: WorkingHours
    efficiency: float

    def team(self, team: str, day: date) -> float:
        techs = [
            t for t in self.technicians.values() if t.team == team and Role.TECHNICIAN in t.roles
        ]
        return len(techs) * _hours(self.hours, day) * self.efficiency

    def kind(self, kind: BayKind, day: date) -> float:
        bays = [b for b in self.bays.values() if b.kind is kind]
        return len(bays) * _hours(self.hours, day)

    def teams(self) -> list[str]:
        named = {b.team for b in self.bays.values()} | {t.team for t in self.technicians.values()}
        return sorted(t for t in named if t is not None)

    def work_kinds(self) -> list[BayKind]:
        return [k for k in BayKind if k not in STATION_KINDS]

    def teams_for(self, kind: BayKind) -> list[str]:
        """The teams with a bay of this kind."""
        return sorted({b.team for b in self.bays.values() if b.kind is kind and b.team})


def _hours(hours: WorkingHours, day: date) -> float:
    return hours.day_length(day).total_seconds() / 3600


def day_load(
    day: date,
    appointments: Iterable[Appointment],
    capacity: Capacity,
    kinds: OperationKinds,
    excluding: str | None = None,
) -> DayLoad:
    """The day's bookings (those that hold their time) on every team and kind of bay."""
    team_hours: dict[str, float] = {}
    kind_hours: dict[BayKind, float] = {}
    for a in appointments:
        if a.state not in HOLDING_STATES or a.id == excluding:
            continue
        if capacity.hours.day_of(a.start) != day:
            continue
        by_kind = bay_hours(a.operations, kinds)
        for kind, h in by_kind.items():
            kind_hours[kind] = kind_hours.get(kind, 0.0) + h
        if a.team is not None:
            team_hours[a.team] = team_hours.get(a.team, 0.0) + sum(by_kind.values())
    return DayLoad(
        day=day,
        teams={t: Fill(team_hours.get(t, 0.0), capacity.team(t, day)) for t in capacity.teams()},
        kinds={
            k: Fill(kind_hours.get(k, 0.0), capacity.kind(k, day)) for k in capacity.work_kinds()
        },
    )


def roomiest_team(load: DayLoad, kind: BayKind, capacity: Capacity) -> str | None:
    """The team with a bay of the kind and the most room left that day (by id on a tie)."""
    teams = capacity.teams_for(kind) or capacity.teams()
    if not teams:
        return None
    return min(teams, key=lambda t: (-load.teams[t].room, t))


def overfilled(load: DayLoad, team: str | None, hours: Mapping[BayKind, float]) -> list[str]:
    """What these hours added to the day would take past its capacity, in words."""
    out = []
    if team is not None and team in load.teams:
        fill = load.teams[team]
        if sum(hours.values()) > fill.room + EPSILON:
            out.append(f"team {team}: {fill.booked:g} of {fill.capacity:g} h booked")
    for kind, h in hours.items():
        fill = load.kinds[kind]
        if h > fill.room + EPSILON:
            out.append(f"{kind.value} bays: {fill.booked:g} of {fill.capacity:g} h booked")
    return out
