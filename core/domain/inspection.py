"""The three checks by three people (自检, 复检, 总检), and what the final inspection records:
its checklist, per job type, and the road test (路试).

Pure rules: who may do which check of a car, and what a final inspection must have ticked.
The words of every item are in the translation module (``inspection.{item}``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InspectionIncomplete, SameChecker
from .model import Check, Job, JobType, Technician
from .vocabulary import CHECKLISTS, ROAD_TEST_NEEDED

__all__ = [
    "CHECKLISTS",
    "ROAD_TEST_NEEDED",
    "Inspection",
    "checker_override",
    "checklist",
    "complete",
    "require_complete",
]


@dataclass(frozen=True)
class Inspection:
    """What the inspector recorded at final inspection: the items ticked, and the road test
    (done, or not done and why)."""

    checked: tuple[str, ...] = ()
    road_test: bool = False
    road_test_note: str = ""


def checklist(job_type: JobType) -> tuple[str, ...]:
    return CHECKLISTS[job_type]


def complete(job_type: JobType, note: str = "") -> Inspection:
    """Every item of the job type's checklist ticked, and the road test done."""
    return Inspection(checked=checklist(job_type), road_test=True, road_test_note=note)


def require_complete(job: Job, inspection: Inspection) -> None:
    """A final inspection passes only with its whole checklist ticked and the road test done
    where the job type needs one (a road test not done says why)."""
    items = checklist(job.job_type)
    unknown = sorted(set(inspection.checked) - set(items))
    if unknown:
        raise InspectionIncomplete(
            f"{', '.join(unknown)} are not on the {job.job_type.value} checklist"
        )
    missing = [i for i in items if i not in inspection.checked]
    if missing:
        raise InspectionIncomplete(f"{job.ro}: not yet checked: {', '.join(missing)}")
    if not inspection.road_test:
        if job.job_type in ROAD_TEST_NEEDED:
            raise InspectionIncomplete(f"{job.ro} ({job.job_type.value}) needs a road test")
        if not inspection.road_test_note.strip():
            raise InspectionIncomplete(f"{job.ro}: a road test not done says why")


def latest(job: Job, level: str) -> Check | None:
    """The check of this level in the latest round (a failed final inspection begins
    another: self-check and leader check are done again)."""
    for check in reversed(job.checks):
        if check.level == level:
            return check
        if check.level == "qc" and not check.passed and level != "qc":
            return None
    return None


def earlier_checkers(job: Job, levels: Iterable[str]) -> dict[str, str]:
    """Who did the earlier checks of this round, by level."""
    out: dict[str, str] = {}
    for level in levels:
        check = latest(job, level)
        if check is not None:
            out[level] = check.by
    return out


def checker_override(job: Job, tech: Technician, level: str) -> str | None:
    """None when ``tech`` did none of the round's earlier checks; otherwise why they may do
    this one all the same (a manager's reason on the order, or the site's word that this
    person may check twice, in a small shop), or a refusal."""
    earlier = {"leader": ("self",), "qc": ("self", "leader")}[level]
    done = [lvl for lvl, by in earlier_checkers(job, earlier).items() if by == tech.id]
    if not done:
        return None
    if job.checks_override:
        return job.checks_override
    if tech.may_check_twice:
        return "site"
    raise SameChecker(
        f"{tech.id} did the {' and '.join(done)} check of {job.ro}: the {level} check is "
        "another person's"
    )
