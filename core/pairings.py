"""Which browsers are a bay's kiosk screen.

The foreman asks the dispatch board for a pairing code (6 digits, 10 minutes, one use) for
a bay; the tablet or PC that opens the bay's kiosk page types it (or scans its QR) and is
paired: a pairing is kept here and named in a signed cookie the kiosk page checks on every
load and every tap. The foreman sees every pairing and revokes any at once. Every code
made, screen paired, wrong code and pairing revoked is a line of the audit log (``audit``:
the service manager's page lists them with the sign-ins).

Kept in ``pairings.json`` in the core's data folder with the key the cookies are signed
with; codes live only in memory (a restart voids them). Wrong codes are rate-limited per
address (a growing wait), and too many wrong codes at all void every open code.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.config import backoff
from core.contract.pairing import Pairing, PairingCode, Refusal

logger = logging.getLogger(__name__)

VERSION = 1
CODE_LIFE = timedelta(minutes=10)
CODE_DIGITS = 6
# A growing wait for an address after a few wrong codes; and a bound for them all, so
# that many addresses together cannot try their way through a code's ten minutes.
FREE_MISSES, FIRST_WAIT, LONGEST_WAIT = 3, 30, 3600
VOID_AFTER = 10


class NewerPairingsError(RuntimeError):
    """The file was written by a newer Pitboard; it is left as it is."""


#: Writes a line of the audit log: its type, who, and what (``Access.note``).
Audit = Callable[..., None]


def _unwritten(type_: str, source: str, **payload: Any) -> None:
    return None


class Pairings:
    def __init__(
        self,
        path: Path,
        clock: Callable[[], datetime] | None = None,
        audit: Audit = _unwritten,
    ) -> None:
        self.path = path
        self.clock = clock or (lambda: datetime.now(UTC))
        self.audit = audit
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._codes: dict[str, PairingCode] = {}
        self._misses: dict[str, tuple[int, float]] = {}  # address → (in a row, wait until)
        self._wrong_since_code = 0
        self.key, self._pairings = self._load()

    # ------------------------------------------------------------ the foreman's side
    def new_code(self, bay: str, by: str) -> PairingCode:
        now = self.clock()
        with self._lock:
            self._drop_expired(now)
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            while code in self._codes:
                code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            made = self._codes[code] = PairingCode(code, bay, now + CODE_LIFE, by)
            self._wrong_since_code = 0
        logger.info("pairing code for %s made by %s", bay, by)
        self._said("pairing.code_made", by, bay=bay)  # not the code: it pairs a screen
        self._tell()
        return made

    def open_codes(self) -> list[PairingCode]:
        with self._lock:
            self._drop_expired(self.clock())
            return sorted(self._codes.values(), key=lambda c: c.expires_at)

    def pairings(self) -> list[Pairing]:
        with self._lock:
            return sorted(self._pairings.values(), key=lambda p: (p.bay, p.paired_at))

    def revoke(self, pairing_id: str, by: str) -> bool:
        with self._lock:
            gone = self._pairings.pop(pairing_id, None)
            if gone is not None:
                self._save()
        if gone is None:
            return False
        logger.info("pairing %s of %s revoked by %s", pairing_id[:6], gone.bay, by)
        self._said("pairing.revoked", by, bay=gone.bay, client=gone.client[:60])
        self._tell()
        return True

    # ------------------------------------------------------------ the screen's side
    def redeem(self, code: str, address: str, client: str) -> Pairing | Refusal:
        now = self.clock()
        with self._lock:
            self._drop_expired(now)
            misses, until = self._misses.get(address, (0, 0.0))
            if until > now.timestamp():
                return Refusal("wait", int(until - now.timestamp() + 0.999))
            made = self._codes.pop(code.strip(), None)
            if made is None:
                refused, voided = self._wrong(address, misses, now)
            else:
                self._misses.pop(address, None)
                pairing = Pairing(
                    id=secrets.token_urlsafe(16),
                    bay=made.bay,
                    paired_at=now,
                    paired_by=made.made_by,
                    client=client[:160],
                    last_seen=now,
                )
                self._pairings[pairing.id] = pairing
                self._save()
        if made is None:  # said once the lock is let go: the log is written to the database
            self._said("pairing.refused", f"screen@{address}", misses=misses + 1, voided=voided)
            return refused
        logger.info("screen paired to %s (%s), code by %s", made.bay, client[:60], made.made_by)
        self._said(
            "pairing.paired",
            f"screen@{address}",
            bay=made.bay,
            client=client[:60],
            code_by=made.made_by,
        )
        self._tell()
        return pairing

    def active(self, pairing_id: str, bay: str) -> bool:
        """Whether this pairing stands, for this bay (asked on every tap: memory only)."""
        found = self._pairings.get(pairing_id)
        return found is not None and found.bay == bay

    def seen(self, pairing_id: str) -> None:
        with self._lock:
            found = self._pairings.get(pairing_id)
            if found is not None:
                self._pairings[pairing_id] = replace(found, last_seen=self.clock())
                self._save()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` whenever a code or pairing came or went; returns the stop."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    # ------------------------------------------------------------ inside
    def _wrong(self, address: str, misses: int, now: datetime) -> tuple[Refusal, bool]:
        """The refusal, and whether it voided every open code."""
        misses += 1
        wait = backoff(misses, FREE_MISSES, FIRST_WAIT, LONGEST_WAIT)
        self._misses[address] = (misses, now.timestamp() + wait)
        self._wrong_since_code += 1
        logger.warning("wrong pairing code from %s (%d in a row)", address, misses)
        voided = self._wrong_since_code >= VOID_AFTER and bool(self._codes)
        if voided:
            logger.warning("%d wrong pairing codes: every open code voided", VOID_AFTER)
            self._codes.clear()
        return (Refusal("wait", wait) if wait else Refusal("wrong")), voided

    def _drop_expired(self, now: datetime) -> None:
        for code in [c for c, made in self._codes.items() if made.expires_at <= now]:
            del self._codes[code]

    def _said(self, type_: str, source: str, **payload: Any) -> None:
        """A line of the audit log; a log that cannot be written does not undo the step."""
        try:
            self.audit(type_, source, **payload)
        except Exception:
            logger.exception("the audit line %s could not be written", type_)

    def _tell(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                logger.exception("pairing listener failed")

    def _load(self) -> tuple[str, dict[str, Pairing]]:
        if not self.path.exists():
            key = secrets.token_urlsafe(32)
            self.key, self._pairings = key, {}
            self._save()
            return key, {}
        raw: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        if int(raw.get("version", 1)) > VERSION:
            raise NewerPairingsError(
                f"{self.path} was written by a newer Pitboard (version {raw['version']}, this "
                f"one knows {VERSION}); it was left untouched"
            )
        pairings = {p["id"]: _pairing(p) for p in raw.get("pairings", [])}
        return str(raw["key"]), pairings

    def _save(self) -> None:
        body = {
            "version": VERSION,
            "key": self.key,
            "pairings": [_plain(p) for p in self._pairings.values()],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(body, f, indent=1)
        os.chmod(tmp, 0o600)  # the signing key: readable by the core's user only
        os.replace(tmp, self.path)


def _plain(p: Pairing) -> dict[str, Any]:
    out = asdict(p)
    out["paired_at"] = p.paired_at.isoformat()
    out["last_seen"] = p.last_seen.isoformat() if p.last_seen else None
    return out


def _pairing(raw: dict[str, Any]) -> Pairing:
    seen = raw.get("last_seen")
    return Pairing(
        id=raw["id"],
        bay=raw["bay"],
        paired_at=datetime.fromisoformat(raw["paired_at"]),
        paired_by=raw.get("paired_by", ""),
        client=raw.get("client", ""),
        last_seen=datetime.fromisoformat(seen) if seen else None,
    )
