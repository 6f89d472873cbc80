"""The report rows (figures, stretches of work, answered findings) of the jobs device events
changed, written after the acks: a tap's commit holds the facts a device is answered on,
the rows the reports add up follow once no tap came for QUIET (a transaction of their own
between two taps would make the next tap wait for its disk flush).

Never later than MAX_AGE, nor more than MAX_JOBS at once: under a steady stream of taps
they go with the next commit. A command or a query (a person reading or acting) finds them
written. After a crash, the jobs whose figures are older than their row are written again
at start (``Store.stale_reports``)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from core.domain.model import Job

MAX_AGE = 0.5
MAX_JOBS = 200
QUIET = 0.1

Due = list[tuple[Job, datetime]]


class ReportBacklog:
    def __init__(self) -> None:
        self._due: dict[str, tuple[Job, datetime]] = {}
        self._since: float | None = None
        self._last = 0.0  # when a job was last added

    def __bool__(self) -> bool:
        return bool(self._due)

    def add(self, jobs: Iterable[Job], now: datetime) -> None:
        """Jobs as committed at ``now`` (the job object itself: it may leave the live
        workshop before its rows are written)."""
        for job in jobs:
            self._due[job.ro] = (job, now)
            self._last = time.monotonic()
            if self._since is None:
                self._since = self._last

    def due(self) -> bool:
        """Too many waiting, or waiting too long: they go with the next commit."""
        if len(self._due) >= MAX_JOBS:
            return True
        return self._since is not None and time.monotonic() - self._since >= MAX_AGE

    def seconds_to_quiet(self) -> float:
        """Seconds until they are written between batches: no tap for QUIET, or MAX_AGE."""
        if self._since is None:
            return float("inf")
        now = time.monotonic()
        return max(0.0, min(self._last + QUIET - now, self._since + MAX_AGE - now))

    def take(self) -> Due:
        out = list(self._due.values())
        self.clear()
        return out

    def give_back(self, taken: Due) -> None:
        """A write that failed with the workshop unchanged: the rows are still due (a
        newer change of the same job stays the one written)."""
        for job, at in taken:
            self._due.setdefault(job.ro, (job, at))
        if self._due and self._since is None:
            self._since = self._last = time.monotonic()

    def clear(self) -> None:
        self._due.clear()
        self._since = None
