"""Help calls (安灯): a technician calls someone to the bay from the kiosk instead of
leaving it to look for them. A call is answered (someone is on the way), then closed saying
what was done; unanswered, it goes up the tiers its kind has, one after the other, on the
core's clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import events as ev
from .errors import IllegalTransition, InvalidData, UnknownHelpCall, WrongBay
from .vocabulary import HelpKind, HelpState
from .workshop_state import WorkshopState

#: How long a note or what was done may be.
NOTE_MAX = 500


@dataclass(frozen=True)
class Tier:
    """Unanswered ``after`` this long from the call, the call goes to ``to`` (a role: the
    foreman, the service manager…)."""

    after: timedelta
    to: str


#: The tiers of each kind, in order of ``after`` (a kind without any never escalates).
HelpTiers = Mapping[HelpKind, tuple[Tier, ...]]

#: The site's tiers when its configuration names none: to the foreman, then the manager.
DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(timedelta(minutes=5), "foreman"),
    Tier(timedelta(minutes=15), "manager"),
)


@dataclass
class HelpCall:
    id: str
    kind: HelpKind
    bay: str
    caller: str
    called_at: datetime
    note: str = ""
    ro: str | None = None
    #: Tiers gone up (0: still with whoever answers its kind).
    tier: int = 0
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    outcome: str = ""

    @property
    def state(self) -> HelpState:
        if self.closed_at is not None:
            return HelpState.CLOSED
        if self.acknowledged_at is not None:
            return HelpState.ACKNOWLEDGED
        return HelpState.CALLED

    def response(self) -> timedelta | None:
        """From the call to someone answering it."""
        at = self.acknowledged_at
        return None if at is None else at - self.called_at

    def resolution(self) -> timedelta | None:
        """From the call to its close."""
        return None if self.closed_at is None else self.closed_at - self.called_at


def tiers_reached(call: HelpCall, tiers: HelpTiers, now: datetime) -> int:
    """How many of its kind's tiers an unanswered call has reached by ``now``."""
    return sum(1 for t in tiers.get(call.kind, ()) if now - call.called_at >= t.after)


def escalated_to(call: HelpCall, tiers: HelpTiers) -> str | None:
    """Whom the call has gone up to (None: still with whoever answers its kind)."""
    kind_tiers = tiers.get(call.kind, ())
    if call.tier == 0 or not kind_tiers:
        return None
    return kind_tiers[min(call.tier, len(kind_tiers)) - 1].to


def next_tier_at(call: HelpCall, tiers: HelpTiers) -> datetime | None:
    """When an unanswered call goes up its next tier (None: answered, or none left)."""
    kind_tiers = tiers.get(call.kind, ())
    if call.state is not HelpState.CALLED or call.tier >= len(kind_tiers):
        return None
    return call.called_at + kind_tiers[call.tier].after


def _text(value: str, what: str) -> str:
    text = value.strip()
    if len(text) > NOTE_MAX:
        raise InvalidData(f"{what} is longer than {NOTE_MAX} characters")
    return text


class HelpCalls(WorkshopState):
    def help_call(self, ident: str) -> HelpCall:
        try:
            return self.help_calls[ident]
        except KeyError:
            raise UnknownHelpCall(f"no help call {ident}") from None

    def open_help_calls(self) -> list[HelpCall]:
        """The calls not closed, oldest first."""
        calls = (c for c in self.help_calls.values() if c.state is not HelpState.CLOSED)
        return sorted(calls, key=lambda c: (c.called_at, c.id))

    def call_help(
        self, bay_id: str, tech_id: str, kind: HelpKind, at: datetime, note: str = ""
    ) -> HelpCall:
        """A technician signed in at the bay calls for help of a kind; a kind already called
        from the bay and not closed is not called twice."""
        self._require_signed_in(tech_id, bay_id)
        text = _text(note, "a note")
        for open_call in self.open_help_calls():
            if open_call.bay == bay_id and open_call.kind is kind:
                raise IllegalTransition(
                    f"bay {bay_id} already called for {kind.value} ({open_call.id})",
                    code="help_already_called",
                )
        day = self.hours.day_of(at).strftime("%Y%m%d")  # the site's day, as the orders' numbers
        ident = f"H-{day}-{self._next('help:' + day):04d}"
        job = self.tech_state(tech_id).active_job
        call = HelpCall(ident, kind, bay_id, tech_id, at, text, job)
        self.help_calls[ident] = call
        self._record(ev.HelpCalled(call=ident, kind=kind.value, bay=bay_id, by=tech_id, at=at))
        return call

    def _call_at(self, ident: str, bay: str | None) -> HelpCall:
        """The call; from a kiosk (``bay``), only one of that bay's."""
        call = self.help_call(ident)
        if bay is not None and call.bay != bay:
            raise WrongBay(f"help call {ident} is bay {call.bay}'s, not {bay}'s")
        return call

    def acknowledge_help(
        self, ident: str, by: str, at: datetime, bay: str | None = None
    ) -> HelpCall:
        """Someone answers the call: they are on the way (``bay``: answered at a kiosk)."""
        call = self._call_at(ident, bay)
        if call.state is not HelpState.CALLED:
            raise IllegalTransition(f"help call {ident} is {call.state.value}, not called")
        if not by:
            raise InvalidData("who answers a help call is said")
        call.acknowledged_at = max(at, call.called_at)
        call.acknowledged_by = by
        self._record(ev.HelpAcknowledged(call=ident, bay=call.bay, by=by, at=at))
        return call

    def close_help(
        self, ident: str, by: str, outcome: str, at: datetime, bay: str | None = None
    ) -> HelpCall:
        """The call is over, saying what was done; one closed unanswered (the caller's own
        trouble went away) is answered by whoever closes it, at that moment (``bay``:
        closed at a kiosk)."""
        call = self._call_at(ident, bay)
        if call.state is HelpState.CLOSED:
            raise IllegalTransition(f"help call {ident} is already closed")
        done = _text(outcome, "what was done")
        if not done:
            raise InvalidData("a closed help call says what was done")
        if call.acknowledged_at is None:
            call.acknowledged_at, call.acknowledged_by = max(at, call.called_at), by
        call.closed_at, call.closed_by, call.outcome = max(at, call.called_at), by, done
        self._record(ev.HelpClosed(call=ident, bay=call.bay, by=by, at=at))
        return call

    def next_help_escalation(self) -> datetime | None:
        """When the next unanswered call goes up a tier (None: nothing to escalate)."""
        due = [t for c in self.help_calls.values() if (t := next_tier_at(c, self.help_tiers))]
        return min(due, default=None)

    def escalate_help(self, now: datetime) -> list[str]:
        """Every unanswered call up the tiers its time has reached by ``now``, a fact for
        each tier gone up (one that came due twice since the last look goes up twice)."""
        raised: list[str] = []
        for call in self.open_help_calls():
            if call.state is not HelpState.CALLED:
                continue
            kind_tiers = self.help_tiers.get(call.kind, ())
            reached = tiers_reached(call, self.help_tiers, now)
            while call.tier < reached:
                tier = kind_tiers[call.tier]
                call.tier += 1
                due = call.called_at + tier.after
                self._record(
                    ev.HelpEscalated(
                        call=call.id, bay=call.bay, tier=call.tier, to=tier.to, due=due, at=now
                    )
                )
                raised.append(call.id)
        return raised

    def let_go_closed_help(self) -> list[str]:
        """Closed calls leave the live workshop once stored (the reports read the store)."""
        closed = [i for i, c in self.help_calls.items() if c.state is HelpState.CLOSED]
        for ident in closed:
            del self.help_calls[ident]
        return closed
