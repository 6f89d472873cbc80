"""The advisors' notices kept by the workshop (rules in core/domain/notices.py): raised from
the facts of a step and from the cars gone at risk, acknowledged by the advisor.

Kept in memory, not stored, like the refused sign-ins: the audit log keeps every
acknowledgement, and a restarted core tells the advisors again of the cars at risk then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from . import events as ev
from .errors import UnknownNotice
from .model import OPEN_STATUSES, Job
from .notices import Notice, notice_of
from .vocabulary import NoticeKind
from .workshop_state import WorkshopState


class AdvisorNotices(WorkshopState):
    def raise_notices(self, events: Iterable[ev.DomainEvent]) -> list[Notice]:
        """The notices the facts of a step give (the engine's, once the step is taken)."""
        raised = []
        for event in events:
            ro = getattr(event, "ro", None)
            job = self.jobs.get(ro) if ro else None
            told = notice_of(event, job) if job is not None else None
            if job is not None and told is not None:
                raised.append(self._notice(told[0], job, event.at, told[1]))
        return raised

    def watch_promises(self, at_risk: Mapping[str, datetime], now: datetime) -> list[Notice]:
        """A notice for each car gone at risk since the last look (``at_risk``: the cars at
        risk now, with their predicted time). A car no longer at risk takes its notice
        still open with it (there is no call to make, and nothing for the manager), and is
        told again if it goes at risk again."""
        raised = [
            self._notice(NoticeKind.AT_RISK, self.jobs[ro], now, predicted.isoformat())
            for ro, predicted in sorted(at_risk.items())
            if ro not in self.promises_at_risk and ro in self.jobs
        ]
        cleared = self.promises_at_risk - set(at_risk)
        for ident in [i for i, n in self.notices.items() if n.ro in cleared]:
            if self.notices[ident].kind is NoticeKind.AT_RISK and self.notices[ident].open:
                del self.notices[ident]
        self.promises_at_risk = set(at_risk)
        self._let_notices_go()
        return raised

    def _let_notices_go(self) -> None:
        """The notices of cars that left the building (delivered, cancelled) are let go."""
        gone = [i for i, n in self.notices.items() if self._left(n.ro)]
        for ident in gone:
            del self.notices[ident]

    def _left(self, ro: str) -> bool:
        job = self.jobs.get(ro)
        return job is None or job.status not in OPEN_STATUSES

    def _notice(self, kind: NoticeKind, job: Job, at: datetime, detail: str) -> Notice:
        self.notice_seq += 1
        ident = f"{kind.value}-{job.ro}-{self.notice_seq}"
        notice = Notice(ident, kind, job.ro, job.advisor, at, detail)
        self.notices[ident] = notice
        return notice

    def acknowledge_notice(self, ro: str, notice_id: str, by: str, at: datetime) -> Notice:
        """The advisor (or the manager) saw a notice of the car ``ro``; a second
        acknowledgement keeps the first."""
        notice = self.notices.get(notice_id)
        if notice is None or notice.ro != ro:
            raise UnknownNotice(f"{ro} has no notice {notice_id}")
        if notice.open:
            notice = replace(notice, acknowledged_at=at, acknowledged_by=by)
            self.notices[notice_id] = notice
            self._record(ev.NoticeAcknowledged(notice=notice_id, about=notice.ro, by=by, at=at))
        return notice

    def _answer_at_risk(self, ro: str, by: str, at: datetime) -> None:
        """The car's open at-risk notices, answered by the call to its customer."""
        for notice in list(self.notices.values()):
            if notice.ro == ro and notice.kind is NoticeKind.AT_RISK and notice.open:
                self.acknowledge_notice(ro, notice.id, by, at)
