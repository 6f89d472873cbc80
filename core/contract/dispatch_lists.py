"""The dispatch board's lists, worked out from its job cards, bay rows and device rows.

The core makes its board with these functions and a subscriber that puts the board together
from its parts uses the same ones, so the lists never travel: a tap that changes one job
sends that job's bay, not every list the job is on. ``cards`` are always in board order
(promised time, then RO)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from core.domain.vocabulary import (
    STATION_STATUSES,
    BayKind,
    FindingState,
    JobStatus,
    KeyState,
    Priority,
)

from .views import Alert, BayRow, BoardCard, DeviceRow, DispatchView


def waiting_dispatch(cards: Sequence[BoardCard]) -> list[str]:
    """Checked in, not dispatched: urgent ones first, then waiting customers, then by
    promised time."""
    waiting = [c for c in cards if c.status is JobStatus.CHECKED_IN]
    waiting.sort(key=_dispatch_order)
    return [c.ro for c in waiting]


def _dispatch_order(c: BoardCard) -> tuple[bool, bool, datetime, str]:
    return c.priority is not Priority.URGENT, not c.customer_waiting, c.promised_at, c.ro


def pending_findings(cards: Sequence[BoardCard]) -> list[str]:
    """'{ro}/{finding id}' of every finding awaiting the customer, oldest first."""
    pending = [(f, c.ro) for c in cards for f in c.findings if f.state == FindingState.PENDING]
    pending.sort(key=lambda fr: fr[0].reported_at)  # stable: board order among equals
    return [f"{ro}/{f.id}" for f, ro in pending]


def keys_out(cards: Sequence[BoardCard], now: datetime) -> list[str]:
    """Jobs whose key is out of the cabinet, longest out first."""
    out = [c for c in cards if c.key_state == KeyState.OUT]
    out.sort(key=lambda c: c.key_since or now)
    return [c.ro for c in out]


def ready(cards: Sequence[BoardCard]) -> list[str]:
    return [c.ro for c in cards if c.status is JobStatus.READY]


#: The order of the jobs at a station, as its kiosk shows them too: QC the leader-checked
#: first, then by RO; the wash the car being washed first, then by promised time and RO.
STATION_ORDER: dict[str, Callable[[BoardCard], Any]] = {
    BayKind.QC: lambda c: (c.status is not JobStatus.LEADER_CHECKED, c.ro),
    BayKind.WASH: lambda c: (c.status is not JobStatus.WASHING, c.promised_at, c.ro),
}


def is_station(row: BayRow) -> bool:
    return row.kind in STATION_ORDER


def with_station_jobs(rows: Sequence[BayRow], cards: Sequence[BoardCard]) -> list[BayRow]:
    """The rows with the jobs at each QC and wash station: the cards whose status is at
    the station, in its order, the car being washed as its current job."""
    out = []
    for row in rows:
        if not is_station(row):
            out.append(row)
            continue
        wanted = STATION_STATUSES[BayKind(row.kind)]
        jobs = sorted((c for c in cards if c.status in wanted), key=STATION_ORDER[row.kind])
        current = next((c.ro for c in jobs if c.status is JobStatus.WASHING), None)
        queue = [c.ro for c in jobs if c.ro != current]
        out.append(row.model_copy(update={"current": current, "queue": queue}))
    return out


def station_queue(rows: Sequence[BayRow], kind: Literal[BayKind.QC, BayKind.WASH]) -> list[str]:
    """The jobs at the QC or wash stations: what their bay rows list, current first."""
    return [
        ro
        for row in rows
        if row.kind == kind
        for ro in ([row.current] if row.current else []) + row.queue
    ]


def device_alerts(rows: Sequence[DeviceRow]) -> list[Alert]:
    """A device offline, or online with a problem (a printer's: a failed print)."""
    out: list[Alert] = []
    for d in rows:
        if not d.online:
            out.append(Alert(kind="device_offline", device=d.device, since=d.since))
        elif d.problem:
            kind: Literal["print_failed", "device_offline"] = (
                "print_failed" if d.kind == "printer" else "device_offline"
            )
            out.append(Alert(kind=kind, device=d.device, since=d.since, detail=d.problem))
    return out


def with_devices(view: DispatchView, rows: list[DeviceRow]) -> DispatchView:
    """The same board with other device rows: their alerts stand between the jobs' alerts
    and those about people."""
    jobs = [a for a in view.alerts if a.ro]
    people = [a for a in view.alerts if not a.ro and not a.device]
    return view.model_copy(update={"devices": rows, "alerts": jobs + device_alerts(rows) + people})
