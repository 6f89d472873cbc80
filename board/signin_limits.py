"""How many wrong passwords the sign-in takes: misses are counted per user id and per client
address; enough of them lock that id or address out for a while that doubles with every
lock-out (1 min, 2, 4 … at most 30), and a day without a miss forgets them.

Kept in memory: a restart forgets the counts, which gives a guesser no more than a
restart's worth of tries — and nobody outside can restart the core."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import backoff

USER_MISSES = 5
# Everyone at one PC (or behind one proxy) shares its address: it may miss more.
ADDRESS_MISSES = 10
FIRST_LOCK_SECONDS = 60
LONGEST_LOCK_SECONDS = 30 * 60
FORGET_AFTER = timedelta(hours=24)
KEPT = 10_000  # counts kept at most; older ones go first when there are more


@dataclass
class _Count:
    last_miss: datetime
    misses: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class LockOut:
    """A lock-out a miss began: on ``user`` or ``address``, ``who`` it is, for how long."""

    on: str
    who: str
    lasts: timedelta


class SignInLimits:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], _Count] = {}
        self._lock = threading.Lock()

    def locked_for(self, user: str, address: str, now: datetime) -> timedelta | None:
        """How much longer sign-ins as ``user`` or from ``address`` are refused, if they are."""
        with self._lock:
            left = [
                count.locked_until - now
                for key in _keys(user, address)
                if (count := self._counts.get(key)) is not None
                and count.locked_until is not None
                and count.locked_until > now
            ]
        return max(left) if left else None

    def miss(self, user: str, address: str, now: datetime) -> list[LockOut]:
        """Count a wrong password; the lock-outs it begins."""
        began: list[LockOut] = []
        with self._lock:
            self._forget_old(now)
            for key, most in zip(_keys(user, address), (USER_MISSES, ADDRESS_MISSES), strict=True):
                count = self._counts.get(key)
                if count is None or now - count.last_miss > FORGET_AFTER:
                    count = self._counts[key] = _Count(now)
                count.last_miss = now
                count.misses += 1
                if count.misses >= most:
                    lasts = timedelta(
                        seconds=backoff(count.lockouts, 0, FIRST_LOCK_SECONDS, LONGEST_LOCK_SECONDS)
                    )
                    count.misses, count.lockouts = 0, count.lockouts + 1
                    count.locked_until = now + lasts
                    began.append(LockOut(key[0], key[1], lasts))
        return began

    def success(self, user: str, address: str) -> None:
        """A right password: that id and that address start again from nothing."""
        with self._lock:
            for key in _keys(user, address):
                self._counts.pop(key, None)

    def _forget_old(self, now: datetime) -> None:
        if len(self._counts) < KEPT:
            return
        for key, count in list(self._counts.items()):
            if now - count.last_miss > FORGET_AFTER:
                del self._counts[key]
        if len(self._counts) < KEPT:
            return

        def keep_first(key: tuple[str, str]) -> tuple[bool, datetime]:
            count = self._counts[key]  # a lock-out going on is the last thing to forget
            return count.locked_until is not None and count.locked_until > now, count.last_miss

        for key in sorted(self._counts, key=keep_first)[: KEPT // 10]:
            del self._counts[key]


def _keys(user: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
    # Case is not what a guesser varies to get more tries.
    return ("user", user.strip().lower()[:64]), ("address", address)
