"""What the core's database says after the run: its inbox, its audit log of applied
events and its prints, read straight from the tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from bench.soak_reconcile import Applied, KeyReport, PrintRecord
from core.store.tables import AuditRow, InboxRow, PrintRow

Inbox = list[tuple[int, str, str | None]]


@dataclass
class CoreRecord:
    applied: dict[str, list[Applied]]  # by source, in the order applied
    inbox: dict[str, Inbox]  # by source, by number
    prints: list[PrintRecord]


def _applied(engine: Engine, site: str) -> dict[str, list[Applied]]:
    out: dict[str, list[Applied]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.source, AuditRow.seq, AuditRow.type, AuditRow.at, AuditRow.payload)
            .where(AuditRow.site == site, AuditRow.kind == "event")
            .order_by(AuditRow.id)
        )
        for source, seq, type_, at, payload in rows:
            # One audit line per repair order an event changed: one event, however many.
            if (source, seq) in seen:
                continue
            seen.add((source, seq))
            data = dict(payload.get("data") or {})
            out[source].append(Applied(source, int(seq), type_, at, data))
    return out


def _inbox(engine: Engine, site: str) -> dict[str, Inbox]:
    out: dict[str, Inbox] = defaultdict(list)
    with engine.connect() as conn:
        rows = conn.execute(
            select(InboxRow.source, InboxRow.seq, InboxRow.result, InboxRow.error_code)
            .where(InboxRow.site == site)
            .order_by(InboxRow.source, InboxRow.seq)
        )
        for source, seq, result, code in rows:
            out[source].append((int(seq), result, code))
    return out


def _prints(engine: Engine, site: str) -> list[PrintRecord]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(PrintRow.print_id, PrintRow.printer, PrintRow.state, PrintRow.job)
            .where(PrintRow.site == site)
            .order_by(PrintRow.created_at, PrintRow.print_id)
        )
        return [PrintRecord(pid, printer, state, dict(job)) for pid, printer, state, job in rows]


def read_core(engine: Engine, site: str) -> CoreRecord:
    return CoreRecord(_applied(engine, site), _inbox(engine, site), _prints(engine, site))


def key_reports(applied: list[Applied], slot: int) -> list[KeyReport]:
    return [
        KeyReport(_epoch(a.at), a.type, str(a.data.get("tag")), slot)
        for a in applied
        if a.type in ("key.in", "key.out") and a.data.get("slot") == slot
    ]


def _epoch(at: datetime) -> float:
    return at.timestamp()
