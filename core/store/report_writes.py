"""The report rows of the jobs a batch changed, written as a change: a tap adds or closes one
stretch of work, so only that stretch is written, not all of the job's rows again.

What each job's rows were when last committed is remembered; a job not remembered (the
first write after a start, or after a failed commit) has its rows written anew."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.engine import Connection

from core.domain.model import Job

from .committed import Committed
from .report_rows import finding_rows, work_rows
from .tables import AnsweredFindingRow, WorkRow

Rows = list[dict[str, Any]]
Upsert = Callable[[Connection, Any, Rows, tuple[str, ...]], None]

_WORK_KEYS = ("site", "ro", "n")
_FINDING_KEYS = ("site", "ro", "finding_id")


def _of_jobs(row: type[WorkRow] | type[AnsweredFindingRow]) -> Any:
    # Built once: constructing a statement costs more than running it.
    return delete(row).where(
        row.site == bindparam("site"), row.ro.in_(bindparam("ros", expanding=True))
    )


_DELETE_WORK = _of_jobs(WorkRow)
_DELETE_FINDINGS = _of_jobs(AnsweredFindingRow)
_DELETE_WORK_FROM = delete(WorkRow).where(
    WorkRow.site == bindparam("site"), WorkRow.ro == bindparam("job"), WorkRow.n >= bindparam("n")
)
_DELETE_FINDING = delete(AnsweredFindingRow).where(
    AnsweredFindingRow.site == bindparam("site"),
    AnsweredFindingRow.ro == bindparam("job"),
    AnsweredFindingRow.finding_id == bindparam("finding"),
)


class ReportRowWrites(Committed[tuple[Rows, dict[str, dict[str, Any]]]]):
    """Stretches of work and answered findings, each job's as the last commit left them."""

    def __init__(self, site: str, upsert: Upsert) -> None:
        super().__init__()
        self.site = site
        self._upsert = upsert

    def write(self, conn: Connection, jobs: Iterable[Job]) -> dict[str, datetime | None]:
        """Inside the batch's transaction; ``committed`` or ``forget`` once it has ended.
        Returns for each job the earliest moment its changed rows touch (a stretch's start,
        a finding's answer; None: written anew, any moment; absent: nothing changed)."""
        anew: list[str] = []
        work: Rows = []
        findings: Rows = []
        since: dict[str, datetime | None] = {}
        for job in jobs:
            now_work = work_rows(self.site, job)
            now_findings = {r["finding_id"]: r for r in finding_rows(self.site, job)}
            self.writing(job.ro, (now_work, now_findings))
            before = self.stored(job.ro)
            if before is None:
                anew.append(job.ro)
                work += now_work
                findings += now_findings.values()
                since[job.ro] = None
                continue
            moment = _changed_from(before, now_work, now_findings)
            if moment is not None:
                since[job.ro] = moment
            work += self._work_changes(conn, job.ro, before[0], now_work)
            findings += self._finding_changes(conn, job.ro, before[1], now_findings)
        if anew:
            conn.execute(_DELETE_WORK, {"site": self.site, "ros": anew})
            conn.execute(_DELETE_FINDINGS, {"site": self.site, "ros": anew})
        if work:
            self._upsert(conn, WorkRow.__table__, work, _WORK_KEYS)
        if findings:
            self._upsert(conn, AnsweredFindingRow.__table__, findings, _FINDING_KEYS)
        return since

    def _work_changes(self, conn: Connection, ro: str, before: Rows, now: Rows) -> Rows:
        if len(before) > len(now):  # a correction took stretches away
            conn.execute(_DELETE_WORK_FROM, {"site": self.site, "job": ro, "n": len(now)})
        return [row for n, row in enumerate(now) if n >= len(before) or before[n] != row]

    def _finding_changes(
        self,
        conn: Connection,
        ro: str,
        before: dict[str, dict[str, Any]],
        now: dict[str, dict[str, Any]],
    ) -> Rows:
        for finding in before.keys() - now.keys():
            conn.execute(_DELETE_FINDING, {"site": self.site, "job": ro, "finding": finding})
        return [row for fid, row in now.items() if before.get(fid) != row]


def _changed_from(
    before: tuple[Rows, dict[str, dict[str, Any]]],
    work: Rows,
    findings: dict[str, dict[str, Any]],
) -> datetime | None:
    """The earliest moment the job's changed rows touch, as they were or as they are now:
    a stretch's start, a finding's answer."""
    moments: list[float] = []
    for n in range(max(len(before[0]), len(work))):
        rows = [r[n] for r in (before[0], work) if n < len(r)]
        if len(rows) == 1 or rows[0] != rows[1]:
            moments += [row["started"] for row in rows]
    for finding in before[1].keys() | findings.keys():
        was, now = before[1].get(finding), findings.get(finding)
        if was != now:
            moments += [row["answered_at"].timestamp() for row in (was, now) if row is not None]
    return datetime.fromtimestamp(min(moments), UTC) if moments else None
