"""A kiosk's own record of its taps, one JSON line each, kept beside its outbox.

The kiosk writes ``intent`` before a tap and ``saved`` once the tap is in its outbox (the
moment the screen says "saved"); a tap with an intent and nothing after was cut off by a
power cut: it may or may not have reached the outbox. The soak writes ``destroyed`` for
taps still waiting in an outbox it deletes. A kiosk started again writes ``resolved`` for
such a tap once it has seen from the core's screen whether it took effect.

A tap is known by its number ``n`` (never reused), its step ``k`` of the shift, its event
type and, once saved, the event's time ``ts``, which the core keeps in the audit log (the
sequence number is not enough: a kiosk that lost its outbox is renumbered).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class Tap:
    n: int
    k: int
    type: str
    ts: datetime | None = None
    seq: int | None = None
    saved: bool = False
    destroyed: bool = False
    resolved: bool | None = None  # for a tap not known to be saved: did it take effect?

    @property
    def uncertain(self) -> bool:
        return not self.saved

    @property
    def must_apply(self) -> bool:
        """Applied exactly once is the only right outcome."""
        return (self.saved and not self.destroyed) or self.resolved is True


@dataclass
class TapLog:
    taps: dict[int, Tap]
    drained: bool | None = None

    @property
    def last(self) -> Tap | None:
        return self.taps[max(self.taps)] if self.taps else None

    def by_ts(self) -> dict[tuple[str, datetime], Tap]:
        return {(t.type, t.ts): t for t in self.taps.values() if t.ts is not None}


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _apply(log: TapLog, line: dict[str, Any]) -> None:
    kind = line["kind"]
    if kind == "end":
        log.drained = bool(line["drained"])
        return
    n = int(line["n"])
    if kind == "intent":
        log.taps[n] = Tap(n=n, k=int(line["k"]), type=str(line["type"]))
        return
    tap = log.taps[n]
    if kind == "saved":
        tap.saved, tap.ts, tap.seq = True, parse_ts(line["ts"]), int(line["seq"])
    elif kind == "destroyed":
        tap.destroyed = True
    elif kind == "resolved":
        tap.resolved = bool(line["applied"])


def read(path: Path) -> TapLog:
    log = TapLog(taps={})
    if not path.exists():
        return log
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue  # a line cut short by a power cut
            _apply(log, line)
    return log


class TapWriter:
    """Appends lines; each is in the operating system's hands before the call returns, so
    a kill -9 right after cannot lose it."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, **line: Any) -> None:
        os.write(self._fd, (json.dumps(line, ensure_ascii=False) + "\n").encode())

    def close(self) -> None:
        os.close(self._fd)
