"""Domain objects to and from JSON documents, for the ``doc`` columns."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from core.domain.model import Job, TechnicianState

_JOB = TypeAdapter(Job)
_TECH = TypeAdapter(TechnicianState)


def job_to_doc(job: Job) -> dict[str, Any]:
    return _JOB.dump_python(job, mode="json")  # type: ignore[no-any-return]


def job_from_doc(doc: dict[str, Any]) -> Job:
    return _JOB.validate_python(doc)


def tech_to_doc(state: TechnicianState) -> dict[str, Any]:
    return _TECH.dump_python(state, mode="json")  # type: ignore[no-any-return]


def tech_from_doc(doc: dict[str, Any]) -> TechnicianState:
    return _TECH.validate_python(doc)
