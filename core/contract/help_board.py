"""The help calls (安灯) as they travel: every open call with its running time, who
answered and the tier it has gone up to. Published retained on ``view/help`` apart from
the dispatch board, so a call never waits for the board to be built; the calling bay's own
calls ride in its state (``bay/{bay}/state``) for its kiosk."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.domain.vocabulary import HelpKind, HelpState, StaffRole


class HelpLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: HelpKind
    bay: str
    bay_name: str
    caller: str = Field(description="The technician who called")
    caller_name: str
    ro: str | None = Field(description="The job the caller's clock was on, if any")
    note: str
    state: HelpState
    called_at: datetime = Field(description="The timer runs from here")
    acknowledged_at: datetime | None
    acknowledged_by: str | None = Field(description="Who answered, by name")
    answered_by: list[StaffRole] = Field(description="The roles that answer its kind")
    tier: int = Field(ge=0, description="Tiers gone up, unanswered")
    escalated_to: StaffRole | None = Field(description="The role of the last tier gone up to")
    next_tier_at: datetime | None = Field(description="When it goes up next, unanswered")


class HelpBoard(BaseModel):
    """``view/help``: every help call not closed, oldest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    site: str
    updated_at: datetime
    calls: list[HelpLine]

    def for_role(self, role: StaffRole, answers: list[HelpKind]) -> list[HelpLine]:
        """The calls a role's page shows: the kinds it answers, and those gone up to it."""
        return [c for c in self.calls if c.kind in answers or c.escalated_to is role]
