"""The soak's final table, the counts that must be zero, and the same as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.soak_reconcile import EventFigures, KeyFigures, PrintFigures
from bench.soak_settle import Settled


@dataclass
class Result:
    database: str
    machine: str
    faults: dict[str, int]
    fault_seconds: float
    kiosks: EventFigures
    tablet: EventFigures
    bridge: EventFigures
    prints: PrintFigures
    keys: KeyFigures
    settled: Settled
    memory_kb: dict[str, int | None]
    restarts: dict[str, int]
    unplanned_exits: dict[str, int]
    not_possible: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def zero_counts(self) -> dict[str, int]:
        events = [self.kiosks, self.tablet, self.bridge]
        s = self.settled
        return {
            "events lost": sum(e.lost for e in events),
            "events applied twice": sum(e.twice for e in events),
            "events out of order": sum(e.out_of_order for e in events),
            "events refused": sum(e.refused for e in events),
            "events no device made": sum(e.unexpected for e in events),
            "prints lost": self.prints.lost,
            "prints doubled": self.prints.doubled,
            "tickets that are no print": self.prints.unknown,
            "false key events": self.keys.false,
            "key changes missed": self.keys.missed,
            "devices not drained at the end": len(s.kiosks_not_drained)
            + s.tablet_unanswered
            + (s.bridge_outbox or 0),
        }

    @property
    def passed(self) -> bool:
        return not any(self.zero_counts().values())

    def problems(self) -> list[str]:
        groups = (self.kiosks, self.tablet, self.bridge, self.prints, self.keys)
        return [p for g in groups for p in g.problems]


def _row(name: str, value: object, note: str = "") -> str:
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"  {name:<44} {text:>10}  {note}".rstrip()


def _events(label: str, e: EventFigures) -> list[str]:
    return [
        f"{label}",
        _row("sent, to be applied exactly once", e.sent),
        _row("applied exactly once", e.applied_once),
        _row("lost", e.lost),
        _row("applied twice", e.twice),
        _row("out of order", e.out_of_order),
        _row("refused by the core", e.refused),
        _row("applied, made by no device", e.unexpected),
    ]


def _kiosk_extras(e: EventFigures) -> list[str]:
    return [
        _row("cut off by kill -9 before saved", e.cut_off, f"({e.cut_off_applied} applied)"),
        _row("destroyed with a deleted outbox", e.destroyed, f"({e.destroyed_applied} applied)"),
    ]


def _prints(p: PrintFigures) -> list[str]:
    return [
        "prints (the core's prints table against the paper)",
        _row("asked for", p.asked),
        _row("on paper exactly once", p.on_paper_once),
        _row("lost", p.lost, f"({p.done_not_on_paper} reported printed, {p.not_done} waiting)"),
        _row("doubled", p.doubled),
        _row("reprints headed as such", p.marked_reprints),
        _row("  of them after a whole copy", p.second_copies),
        _row("partial tickets (printed again after)", p.cut_short),
        _row("tickets that are no print", p.unknown),
        _row("sent to a printer without paper", p.discarded),
    ]


def _keys(k: KeyFigures) -> list[str]:
    return [
        "keys (the audit log against the hooks)",
        _row("keys hung up and taken", k.changes),
        _row("key events", k.reported),
        _row("false key events", k.false),
        _row("changes missed", k.missed),
        _row("the same again after a bridge restart", k.restated),
        _row("made where no bridge could see them", k.unseeable),
    ]


def _memory(m: dict[str, int | None]) -> str:
    def mb(kb: int | None) -> str:
        return "n/a" if kb is None else f"{kb / 1024:.0f} MB"

    return (
        f"core memory (RSS): start {mb(m['start'])}, end {mb(m['end'])}, highest {mb(m['highest'])}"
    )


def render(r: Result) -> str:
    lines = [
        f"soak on {r.database}: {sum(r.faults.values()):,} faults in {r.fault_seconds:.0f} s",
        f"machine: {r.machine}",
        "faults",
        *[_row(name, n) for name, n in sorted(r.faults.items())],
        *[f"  not possible here: {why}" for why in r.not_possible],
        "processes started again after kill -9: "
        + ", ".join(f"{k} {v}" for k, v in r.restarts.items()),
        "ended by themselves: "
        + (", ".join(f"{k} {v}" for k, v in r.unplanned_exits.items() if v) or "none"),
        f"service desk: {r.extra.get('desk_check_ins', 0)} cars checked in through the API "
        f"({r.extra.get('desk_failed_calls', 0)} calls failed and made again)",
        *_events("kiosk taps (8 kiosks' tap logs against the audit log)", r.kiosks),
        *_kiosk_extras(r.kiosks),
        *_events("misbehaving tablet (duplicates, reordered)", r.tablet),
        *_events("devices bridge's events", r.bridge),
        *_prints(r.prints),
        *_keys(r.keys),
        _memory(r.memory_kb),
        f"settled in {r.settled.seconds:.0f} s after the faults",
        "must be zero",
        *[_row(name, n, "" if n == 0 else "<-- NOT ZERO") for name, n in r.zero_counts().items()],
        "result: " + ("PASS" if r.passed else "FAIL"),
    ]
    return "\n".join(lines)


def write_json(r: Result, path: Path) -> None:
    body = asdict(r)
    body["zero_counts"] = r.zero_counts()
    body["passed"] = r.passed
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
