"""What the advisor changes on an order from the desk beside the order's own fields: a new
promise agreed on a call to the customer, and the work of a finding the customer approved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from . import events as ev
from .advisor_notices import AdvisorNotices
from .errors import FindingNotApproved, InvalidData, TimePassed, UnknownFinding
from .model import FindingState, Job, JobStatus, Operation
from .reach import require_reach
from .vocabulary import OPEN_STATUSES

#: A new promise is agreed only for a car not yet ready.
PROMISABLE = OPEN_STATUSES - {JobStatus.READY}


class OrderChangesFromDesk(AdvisorNotices):
    def record_promise_call(
        self, ro: str, promised_at: datetime, note: str, by: str, at: datetime
    ) -> Job:
        """The advisor called the customer before the promise was missed and agreed a new
        one; the car's at-risk notices are answered by the call."""
        job = self.job(ro)
        self._require_status(job, PROMISABLE, "promise again")
        if promised_at <= at:
            raise TimePassed(f"the new promise {promised_at.isoformat()} has passed")
        require_reach(promised_at, "the new promise")
        was = job.promised_at
        job.promised_at = promised_at
        self._record(
            ev.PromiseCallRecorded(ro=ro, promised_at=promised_at, was=was, by=by, note=note, at=at)
        )
        self._answer_at_risk(ro, by, at)
        return job

    def add_finding_work(
        self, ro: str, finding_id: str, operations: Iterable[Operation], at: datetime
    ) -> Job:
        """The work of a finding the customer approved, added to the order as operations of
        the catalogue; none for a finding not approved (yet, or ever)."""
        job = self.job(ro)
        ops = tuple(operations)
        finding = next((f for f in job.findings if f.id == finding_id), None)
        if finding is None:
            raise UnknownFinding(f"{ro} has no finding {finding_id}")
        if finding.state is not FindingState.APPROVED:
            raise FindingNotApproved(f"finding {finding_id} of {ro} is {finding.state.value}")
        if not ops:
            raise InvalidData("no operations to add")
        self._may_add_work(job, ops)
        job.operations.extend(ops)
        codes = tuple(o.code for o in ops)
        self._record(ev.WorkAdded(ro=ro, finding_id=finding_id, codes=codes, at=at))
        return job
