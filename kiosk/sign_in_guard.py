"""Who may sign in at a kiosk: a badge, or a technician's PIN checked against the hash the
site file holds — so it works while the core is away — with a growing wait after wrong
ones, counted per kiosk and per technician and kept on disk, so a restart resets nothing.

A wait is counted from misses in a row: after ``technician_misses`` wrong PINs for one
technician (or ``kiosk_misses`` wrong PINs and unknown codes at the kiosk) the next try
waits ``first_wait_seconds``, doubling with each further miss up to
``longest_wait_seconds``. A technician's success ends their streak and the kiosk's. While a
wait runs nothing is checked at all, so a wait cannot be used to test PINs.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from core.config import SignInConfig, SiteConfig, TechnicianConfig, backoff

logger = logging.getLogger(__name__)

Scope = Literal["technician", "kiosk"]
Clock = Callable[[], datetime]


@dataclass
class Streak:
    misses: int = 0
    until: float = 0.0  # POSIX time the wait ends (wall clock: it outlives a restart)


@dataclass(frozen=True)
class Verdict:
    """The answer to one try."""

    ok: bool
    tech: str | None  # who signed in, or whose PIN was wrong (None: a code of nobody)
    checked: bool = True  # False: refused unchecked, a wait was running
    wait: int = 0  # seconds before the next try (0: at once)
    locked: Scope | None = None  # whose count made the wait
    misses: int = 0  # the technician's wrong PINs in a row (the kiosk's for a code)
    kiosk_misses: int = 0
    lockout: int = 0  # the wait this very miss started (0: none)


@dataclass
class _State:
    kiosk: Streak = field(default_factory=Streak)
    techs: dict[str, Streak] = field(default_factory=dict)


class SignInGuard:
    def __init__(self, config: SiteConfig, path: Path | None, clock: Clock | None = None):
        self.rules: SignInConfig = config.sign_in
        self.badges = {t.badge: t for t in config.technicians if t.badge}
        self.path = path
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.state = self._load()

    # ---------------------------------------------------------------- reads
    def waiting(self, tech: str | None = None) -> tuple[int, Scope | None]:
        """Seconds left of the longest wait running for the kiosk (and ``tech``)."""
        now = self._now()
        left_kiosk = max(0, int(self.state.kiosk.until - now + 0.999))
        streak = self.state.techs.get(tech) if tech else None
        left_tech = max(0, int(streak.until - now + 0.999)) if streak else 0
        if left_kiosk == 0 and left_tech == 0:
            return 0, None
        return (left_tech, "technician") if left_tech > left_kiosk else (left_kiosk, "kiosk")

    # ---------------------------------------------------------------- tries
    def pin(self, tech: TechnicianConfig, pin: str) -> Verdict:
        wait, scope = self.waiting(tech.id)
        if wait:
            return Verdict(False, tech.id, checked=False, wait=wait, locked=scope)
        if tech.pin_matches(pin):
            return self._success(tech.id)
        streak = self.state.techs.setdefault(tech.id, Streak())
        return self._miss(tech.id, streak)

    def code(self, code: str) -> Verdict:
        """A badge scanned (or its number typed)."""
        wait, scope = self.waiting()
        if wait:
            return Verdict(False, None, checked=False, wait=wait, locked=scope)
        found = self.badges.get(code.strip())
        if found is not None:
            return self._success(found.id)
        return self._miss(None, None)

    # ---------------------------------------------------------------- counting
    def _success(self, tech: str) -> Verdict:
        self.state.techs.pop(tech, None)
        self.state.kiosk = Streak()
        self._save()
        return Verdict(True, tech)

    def _miss(self, tech: str | None, streak: Streak | None) -> Verdict:
        r, now = self.rules, self._now()
        kiosk = self.state.kiosk
        kiosk.misses += 1
        kiosk_wait = backoff(
            kiosk.misses, r.kiosk_misses, r.first_wait_seconds, r.longest_wait_seconds
        )
        tech_wait = 0
        if streak is not None:
            streak.misses += 1
            tech_wait = backoff(
                streak.misses, r.technician_misses, r.first_wait_seconds, r.longest_wait_seconds
            )
            if tech_wait:
                streak.until = now + tech_wait
        if kiosk_wait:
            kiosk.until = now + kiosk_wait
        self._save()
        lockout = max(tech_wait, kiosk_wait)
        scope: Scope | None = None
        if lockout:
            scope = "technician" if tech_wait >= kiosk_wait else "kiosk"
        return Verdict(
            False,
            tech,
            wait=lockout,
            locked=scope,
            misses=streak.misses if streak is not None else kiosk.misses,
            kiosk_misses=kiosk.misses,
            lockout=lockout,
        )

    def _now(self) -> float:
        return self.clock().timestamp()

    # ---------------------------------------------------------------- the file
    def _load(self) -> _State:
        if self.path is None or not self.path.exists():
            return _State()
        try:
            raw: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            return _State(
                kiosk=Streak(**raw.get("kiosk", {})),
                techs={k: Streak(**v) for k, v in raw.get("techs", {}).items()},
            )
        except (OSError, ValueError, TypeError) as exc:
            # Unreadable: counting starts again, and the log says so (it is a clue).
            logger.warning("%s unreadable (%s): sign-in waits start afresh", self.path, exc)
            return _State()

    def _save(self) -> None:
        if self.path is None:
            return
        body = {
            "kiosk": vars(self.state.kiosk),
            "techs": {k: vars(v) for k, v in self.state.techs.items()},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(body, f)
        os.replace(tmp, self.path)
