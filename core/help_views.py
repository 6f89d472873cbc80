"""The help calls as the boards and the calling bay's kiosk show them (core/contract/
help_board.py), made from the live workshop and the site's configuration."""

from __future__ import annotations

from datetime import datetime

from core.config import SiteConfig
from core.contract.help_board import HelpBoard, HelpLine
from core.domain.help_calls import HelpCall, escalated_to, next_tier_at
from core.domain.vocabulary import StaffRole
from core.domain.workshop import Workshop


def who(ws: Workshop, config: SiteConfig, actor: str | None) -> str | None:
    """A name for whoever answered: a page's user (``role:id``) or a technician's badge."""
    if actor is None:
        return None
    ident = actor.split(":", 1)[-1]
    tech = ws.technicians.get(ident)
    if tech is not None:
        return tech.name
    return next((u.name for u in config.users if u.id == ident), ident)


def help_line(ws: Workshop, config: SiteConfig, call: HelpCall) -> HelpLine:
    bay = ws.bays.get(call.bay)
    caller = ws.technicians.get(call.caller)
    up = escalated_to(call, ws.help_tiers)
    return HelpLine(
        id=call.id,
        kind=call.kind,
        bay=call.bay,
        bay_name=bay.name if bay else call.bay,
        caller=call.caller,
        caller_name=caller.name if caller else call.caller,
        ro=call.ro,
        note=call.note,
        state=call.state,
        called_at=call.called_at,
        acknowledged_at=call.acknowledged_at,
        acknowledged_by=who(ws, config, call.acknowledged_by),
        answered_by=list(config.help.of(call.kind).answered_by),
        tier=call.tier,
        escalated_to=StaffRole(up) if up in {r.value for r in StaffRole} else None,
        next_tier_at=next_tier_at(call, ws.help_tiers),
    )


def help_board(ws: Workshop, config: SiteConfig, now: datetime) -> HelpBoard:
    calls = [help_line(ws, config, c) for c in ws.open_help_calls()]
    return HelpBoard(site=ws.site, updated_at=now, calls=calls)


def bay_help(ws: Workshop, config: SiteConfig, bay: str) -> list[HelpLine]:
    """The bay's own open calls, for its kiosk."""
    return [help_line(ws, config, c) for c in ws.open_help_calls() if c.bay == bay]
