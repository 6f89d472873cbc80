"""Shift end: every clock still running is paused (reason ``shift_end``), so no clock runs
overnight; the foreman sees those jobs paused with that reason."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.commands import PauseEveryone
from core.domain.model import PauseReason
from core.engine import Core

logger = logging.getLogger(__name__)

ACTOR = "system:shift-end"


def next_shift_end(now: datetime, ends: Sequence[time], zone: ZoneInfo) -> datetime | None:
    """The first shift end strictly after ``now`` (an aware datetime), in the site's zone."""
    if not ends:
        return None
    local = now.astimezone(zone)
    candidates = []
    for days in (0, 1):
        day = local.date() + timedelta(days=days)
        for end in ends:
            at = datetime.combine(day, end, tzinfo=zone)
            if at > local:
                candidates.append(at)
    return min(candidates)


class ShiftClock:
    def __init__(
        self,
        core: Core,
        ends: Sequence[time],
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        speed: float = 1.0,
    ) -> None:
        self.core, self.ends, self.zone, self.clock = core, list(ends), zone, clock
        self.speed = speed  # site seconds per real second (the demo's clock runs faster)
        self.next = next_shift_end(clock(), self.ends, zone)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shift-clock", daemon=True)

    def run_pending(self, now: datetime) -> bool:
        """Pause everyone if a shift end has passed; True when it did."""
        if self.next is None or now < self.next:
            return False
        paused = self.core.run_command(PauseEveryone(PauseReason.SHIFT_END), ACTOR)
        logger.info("shift end %s: paused %s", self.next.strftime("%H:%M"), paused or "nothing")
        self.next = next_shift_end(now, self.ends, self.zone)
        return True

    def start(self) -> ShiftClock:
        if self.next is not None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(min(30.0, self._seconds_left() / self.speed)):
            try:
                self.run_pending(self.clock())
            except Exception:
                logger.exception("shift-end pause failed; trying again")

    def _seconds_left(self) -> float:
        if self.next is None:
            return 30.0
        return max(0.5 * self.speed, (self.next - self.clock()).total_seconds())
