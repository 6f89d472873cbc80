"""The site's clock: the time every part of a site records and shows (the core, the
kiosks, the devices, the pages, and the ``ts`` of every event on the wire).

At a real site it is the real clock. The demo plays a workshop day faster than real time:
its clock starts at the morning of the demo day and runs ``speed`` times as fast, so a
one-hour job takes about an hour of site time and every screen reads like a real day.

One definition (where site time starts, when, and how fast it runs) is shared by every
process the demo starts: ``install`` puts it in the environment (``PITBOARD_SITE_CLOCK``),
which child processes inherit, and a process reads it from there when it starts.
Waits that protect people or links (sign-in lockouts, resend timers, timeouts) stay in
real seconds; only what is recorded and shown is site time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

ENV = "PITBOARD_SITE_CLOCK"


@dataclass(frozen=True)
class SiteClock:
    """Site time = ``site_start`` + (real time − ``real_start``) × ``speed``; without a
    ``site_start`` it is the real clock."""

    site_start: datetime | None = None
    real_start: datetime | None = None
    speed: float = 1.0

    @property
    def is_real(self) -> bool:
        return self.site_start is None

    def at(self, real: datetime) -> datetime:
        """The site time at the real instant ``real`` (aware, UTC)."""
        if self.site_start is None or self.real_start is None:
            return real
        return self.site_start + (real - self.real_start) * self.speed

    def now(self) -> datetime:
        return self.at(datetime.now(UTC))

    def real_seconds(self, site_seconds: float) -> float:
        """How many real seconds pass while ``site_seconds`` pass on the site."""
        return site_seconds / self.speed

    def encode(self) -> str:
        if self.site_start is None or self.real_start is None:
            return ""
        return f"{self.site_start.isoformat()} {self.real_start.isoformat()} {self.speed!r}"

    @classmethod
    def decode(cls, text: str) -> SiteClock:
        """A clock from ``encode``'s text; the real clock for an empty one."""
        if not text.strip():
            return REAL
        try:
            site, real, speed = text.split()
            clock = cls(datetime.fromisoformat(site), datetime.fromisoformat(real), float(speed))
        except ValueError as exc:
            raise ValueError(f"{ENV}: not a site clock: {text!r} ({exc})") from None
        if clock.speed <= 0 or clock.site_start.tzinfo is None:  # type: ignore[union-attr]
            raise ValueError(f"{ENV}: not a site clock: {text!r}")
        return clock

    @classmethod
    def demo(
        cls, day: date, opens: time, zone: tzinfo, speed: float, real_start: datetime | None = None
    ) -> SiteClock:
        """A clock starting a quarter of an hour before ``opens`` on ``day``, now."""
        start = datetime.combine(day, opens, zone) - timedelta(minutes=15)
        return cls(start.astimezone(UTC), real_start or datetime.now(UTC), speed)


REAL = SiteClock()


def _from_env() -> SiteClock:
    return SiteClock.decode(os.environ.get(ENV, ""))


_current = _from_env()


def install(clock: SiteClock) -> None:
    """Make ``clock`` this process's site clock and that of every process it starts."""
    global _current
    _current = clock
    if clock.is_real:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = clock.encode()


def current() -> SiteClock:
    return _current


def now(tz: tzinfo = UTC) -> datetime:
    """The site's time now (aware)."""
    return _current.now().astimezone(tz)
