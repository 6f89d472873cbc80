"""Refused sign-ins at the kiosks: a wrong PIN or a code that is nobody's badge. The kiosk
decides on the spot (it works offline); the workshop keeps the newest for the foreman."""

from __future__ import annotations

from datetime import datetime

from . import events as ev
from .workshop_state import WorkshopState

REFUSALS_KEPT = 200


class SignIns(WorkshopState):
    def sign_in_refused(
        self, bay_id: str, tech: str | None, misses: int, lockout_s: int, at: datetime
    ) -> None:
        self.bay(bay_id)
        # A technician this core does not know is still recorded: a kiosk with another
        # copy of the site file is worth the foreman's look, not a refusal.
        fact = ev.SignInRefused(
            by=tech, kiosk_bay=bay_id, misses=misses, lockout_s=lockout_s, at=at
        )
        self.refusals.append(fact)
        del self.refusals[:-REFUSALS_KEPT]
        self._record(fact)

    def refusals_since(self, since: datetime) -> list[ev.SignInRefused]:
        return [r for r in self.refusals if r.at >= since]
