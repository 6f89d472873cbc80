"""When the core rolls up the closed days' report sums (core/store/report_days.py): one day
at a time between batches, once no batch has come for QUIET, the latest day first. Each is
a short transaction of the single writer; a tap that comes meanwhile waits for it as for
any other commit, so they are made only while the floor is quiet.

Once every closed day has its row, the core looks again every LOOK_AGAIN: after midnight
yesterday is due, and a job written since removed the rows of the days it may count."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from core.store.repository import Store

logger = logging.getLogger(__name__)

#: Seconds without a batch before a day is rolled up.
QUIET = 1.0
#: Seconds between two days while some are left.
NEXT = 0.2
#: Seconds before looking again once none is left (or after a failure).
LOOK_AGAIN = 60.0


class DayRollups:
    def __init__(self, store: Store, zone: ZoneInfo, clock: Callable[[], datetime]) -> None:
        self.store, self.zone, self.clock = store, zone, clock
        self._last_batch = time.monotonic()
        self._next = self._last_batch  # the first look: as soon as the floor is quiet
        #: Days that could not be rolled up yet (a share still running): passed over until
        #: the next look.
        self._passed: set[datetime] = set()

    def batch_done(self) -> None:
        self._last_batch = time.monotonic()

    def wait(self) -> float:
        """Seconds until a day is due to be rolled up."""
        now = time.monotonic()
        return max(0.0, self._next - now, self._last_batch + QUIET - now)

    def roll(self) -> None:
        """The next day without its sums rolled up."""
        try:
            tried = self.store.roll_closed_day(self.zone, self.clock(), self._passed)
        except Exception as exc:  # never tried again at once, for ever
            if isinstance(exc, SQLAlchemyError):
                logger.warning(
                    "rolling up a closed day failed (%s); again in %.0f s", exc, LOOK_AGAIN
                )
            else:  # a bug
                logger.exception("rolling up a closed day failed; again in %.0f s", LOOK_AGAIN)
            self._next = time.monotonic() + LOOK_AGAIN
            return
        if tried is None:
            self._passed.clear()
            self._next = time.monotonic() + LOOK_AGAIN
            return
        day, rolled = tried
        if not rolled:
            self._passed.add(day[0])
        self._next = time.monotonic() + NEXT
