"""The foreman's clock corrections: a stretch set to when work really began and ended, a
forgotten pause put in, work booked on the wrong job moved to the right one."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from . import events as ev
from .errors import (
    BadCorrection,
    UnknownSegment,
)
from .model import (
    LIVE_STATUSES,
    Job,
    PauseReason,
    Segment,
)
from .workshop_state import WorkshopState


class ClockCorrections(WorkshopState):
    def _segment(self, job: Job, tech: str, start: datetime) -> Segment:
        for seg in job.segments:
            if seg.tech == tech and seg.start == start:
                return seg
        raise UnknownSegment(f"{job.ro} has no clock of {tech} started at {start.isoformat()}")

    @staticmethod
    def _require_reason(reason: str) -> None:
        if not reason.strip():
            raise BadCorrection("a clock correction needs a reason")

    @staticmethod
    def _require_no_overlap(job: Job, tech: str, keep: Segment) -> None:
        """The corrected stretch must not lie over another one of the same technician."""
        end = keep.end or datetime.max.replace(tzinfo=keep.start.tzinfo)
        for other in job.segments:
            if other is keep or other.tech != tech:
                continue
            other_end = other.end or datetime.max.replace(tzinfo=other.start.tzinfo)
            if other.start < end and keep.start < other_end:
                raise BadCorrection(f"{tech}'s clocks on {job.ro} would overlap")

    def adjust_clock(
        self,
        ro: str,
        tech: str,
        start: datetime,
        new_start: datetime,
        new_end: datetime | None,
        reason: str,
        at: datetime,
    ) -> Segment:
        """Set when a stretch really began and ended (a tap made late or early).

        Returns the stretch as it was, for the audit log. A running clock keeps running: its
        end is set by a pause, not by a correction.
        """
        self._require_reason(reason)
        job = self.job(ro)
        seg = self._segment(job, tech, start)
        if (seg.end is None) != (new_end is None):
            raise BadCorrection("a correction neither stops a running clock nor restarts one")
        if new_start > at or (new_end is not None and not new_start <= new_end <= at):
            raise BadCorrection("a stretch ends after it starts and not in the future")
        original = replace(seg)
        seg.start, seg.end = new_start, new_end
        try:
            self._require_no_overlap(job, tech, seg)
        except BadCorrection:
            seg.start, seg.end = original.start, original.end
            raise
        job.segments.sort(key=lambda s: s.start)
        self._record(ev.ClockAdjusted(ro=ro, clock_of=tech, original=original, at=at))
        return original

    def insert_pause(
        self,
        ro: str,
        tech: str,
        start: datetime,
        pause_from: datetime,
        pause_to: datetime,
        pause_reason: PauseReason,
        reason: str,
        at: datetime,
    ) -> Segment:
        """A pause the technician forgot to tap: the stretch of work is cut in two around it."""
        self._require_reason(reason)
        job = self.job(ro)
        seg = self._segment(job, tech, start)
        end = seg.end or at
        if seg.kind != "work" or not seg.start <= pause_from < pause_to <= min(end, at):
            raise BadCorrection("the pause must lie inside a stretch of work, not in the future")
        original = replace(seg)
        after = Segment(tech=tech, kind="work", start=pause_to, end=seg.end)
        seg.end = pause_from
        job.segments.append(
            Segment(tech=tech, kind="pause", start=pause_from, end=pause_to, reason=pause_reason)
        )
        if after.end is None or after.end > after.start:
            job.segments.append(after)
        job.segments.sort(key=lambda s: s.start)
        self._record(ev.PauseInserted(ro=ro, clock_of=tech, original=original, at=at))
        return original

    def move_clock(
        self, ro: str, tech: str, start: datetime, to_ro: str, reason: str, at: datetime
    ) -> Segment:
        """Work booked on the wrong job: the finished stretch goes to the right one."""
        self._require_reason(reason)
        job, target = self.job(ro), self.job(to_ro)
        seg = self._segment(job, tech, start)
        if seg.end is None:
            raise BadCorrection("a running clock is paused before it is moved")
        if target is job or target.status not in LIVE_STATUSES:
            raise BadCorrection(f"{to_ro} is not a job that can take the work")
        # Checked before anything moves: a refused move leaves both jobs as they were.
        self._require_no_overlap(target, tech, seg)
        job.segments.remove(seg)
        target.segments.append(seg)
        target.segments.sort(key=lambda s: s.start)
        self._record(ev.ClockMoved(ro=ro, to_ro=to_ro, clock_of=tech, original=replace(seg), at=at))
        return replace(seg)
