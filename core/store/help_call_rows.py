"""Help calls (安灯) in storage: a row of columns each, written whenever a fact names the
call; the open ones are loaded into the live workshop, the reports add up the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.domain.help_calls import HelpCall
from core.domain.help_report import HelpTimes
from core.domain.vocabulary import HelpKind, HelpState

from .tables import HelpCallRow

_COLUMNS = (
    "id",
    "kind",
    "bay",
    "caller",
    "ro",
    "note",
    "tier",
    "called_at",
    "acknowledged_at",
    "acknowledged_by",
    "closed_at",
    "closed_by",
    "outcome",
)


def help_call_row(site: str, call: HelpCall) -> dict[str, Any]:
    row: dict[str, Any] = {"site": site, "state": call.state.value}
    for name in _COLUMNS:
        value = getattr(call, name)
        row[name] = value.value if name == "kind" else value
    return row


def _call(row: Any) -> HelpCall:
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["kind"] = HelpKind(values["kind"])
    return HelpCall(**values)


def open_help_calls(conn: Connection, site: str) -> list[HelpCall]:
    """The calls not yet closed, for the live workshop."""
    h = HelpCallRow.__table__.c
    rows = conn.execute(
        select(HelpCallRow.__table__)
        .where(h.site == site, h.state != HelpState.CLOSED.value)
        .order_by(h.called_at)
    )
    return [_call(r) for r in rows]


def help_times(conn: Connection, site: str, start: datetime, end: datetime) -> list[HelpTimes]:
    """The calls made in ``[start, end)``, as the report reads them (four columns each)."""
    h = HelpCallRow.__table__.c
    rows = conn.execute(
        select(h.kind, h.called_at, h.acknowledged_at, h.closed_at, h.tier).where(
            h.site == site, h.called_at >= start, h.called_at < end
        )
    )
    return [
        HelpTimes(HelpKind(r.kind), r.called_at, r.acknowledged_at, r.closed_at, r.tier > 0)
        for r in rows
    ]
