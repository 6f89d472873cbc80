"""When a device sends its unanswered events again: after a silence that grows while no
answer comes (an hour's outage must not fill the broker's queue for the core with copies),
never while the core's own status says it is away, and at once when it says it is back."""

from __future__ import annotations

#: The first silence after which everything unanswered goes again, and the longest.
FIRST = 5.0
LONGEST = 60.0


class ResendClock:
    """Plain arithmetic on the caller's monotonic times; the link's watchdog asks ``due``."""

    def __init__(self, now: float, first: float = FIRST, longest: float = LONGEST) -> None:
        self.first, self.longest = first, longest
        self.wait = first
        self.last = now
        self.core_online: bool | None = None  # None: the core's status was never seen

    def progress(self, now: float) -> None:
        """An answer came: the core is listening, the next silence is short again."""
        self.last, self.wait = now, self.first

    def due(self, now: float) -> bool:
        return self.core_online is not False and now - self.last >= self.wait

    def resent(self, now: float) -> None:
        """Everything went again and nothing answered yet: wait twice as long next time."""
        self.last, self.wait = now, min(self.wait * 2, self.longest)

    def core_status(self, online: bool, now: float) -> bool:
        """The core's retained status; True when it has just come back (send at once)."""
        back = online and self.core_online is False
        self.core_online = online
        if back:
            self.progress(now)
        return back
