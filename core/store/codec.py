"""Domain objects to and from JSON documents, for the ``doc`` columns.

Every document is written with its schema version (``"schema"``) and upcast to the current
version when loaded; docs/operations.md says how to add a version.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError

from core.domain.appointment import Appointment
from core.domain.model import Job, TechnicianState

from .document_versions import DocumentVersions
from .written_json import WrittenJson

_JOB = TypeAdapter(Job)
_TECH = TypeAdapter(TechnicianState)
_APPOINTMENT = TypeAdapter(Appointment)


def job_1_to_2(body: dict[str, Any]) -> dict[str, Any]:
    """Version 2 keeps the job type reception took and the foreman's priority; an order
    taken before was asked for no type, and counts as a walk-in's default does (a repair),
    and none was ever urgent."""
    return {**body, "job_type": "repair", "priority": "normal"}


def job_2_to_3(body: dict[str, Any]) -> dict[str, Any]:
    """Version 3 keeps the time the foreman pinned a job's start to; none was pinned before."""
    return {**body, "pinned_start": None}


def job_3_to_4(body: dict[str, Any]) -> dict[str, Any]:
    """Version 4 keeps what each check recorded (the leader's notes and recommendations, the
    final inspection's checklist and road test, why one person could do two checks), a
    manager's leave for one person to do two checks of the car, where the finished car was
    parked, the advisor's handover checklist and a manager's reason to deliver without it,
    when the customer would rather take the follow-up call, what a follow-up call's customer
    was not happy with, the calls nobody answered and the complaint a call opened; before,
    none of it was asked."""
    checks = [
        {
            **c,
            "notes": "",
            "recommendations": [],
            "checklist": [],
            "road_test": None,
            "road_test_note": "",
            "override": None,
        }
        for c in body.get("checks", [])
    ]
    return {
        **body,
        "checks": checks,
        "checks_override": None,
        "parking_spot": None,
        "handover": None,
        "handover_override": None,
        "call_time": "any",
        "follow_up": _follow_up_4(body.get("follow_up")),
        "call_attempts": [],
        "complaint": None,
    }


def _follow_up_4(call: dict[str, Any] | None) -> dict[str, Any] | None:
    """A call of version 3 named no dissatisfaction."""
    return None if call is None else {**call, "categories": []}


def job_4_to_5(body: dict[str, Any]) -> dict[str, Any]:
    """Version 5 keeps the charges the dealer system sent; before, none were taken."""
    return {**body, "prices": []}


def job_5_to_6(body: dict[str, Any]) -> dict[str, Any]:
    """Version 6 keeps the bay's parts requests (领料); before, none were made."""
    return {**body, "parts_requests": []}


#: The versions of the stored documents, one entry per kind: add an upcaster from the old
#: version here whenever the current version goes up.
JOB_DOCUMENT = DocumentVersions(
    "job",
    current=6,
    upcasters={1: job_1_to_2, 2: job_2_to_3, 3: job_3_to_4, 4: job_4_to_5, 5: job_5_to_6},
    key="ro",
)


def _came_from_nowhere(body: dict[str, Any]) -> dict[str, Any]:
    """Version 2 knows the bay a technician came straight from; before, none was kept."""
    return {**body, "came_from": None}


TECHNICIAN_STATE_DOCUMENT = DocumentVersions(
    "technician state", current=2, upcasters={1: _came_from_nowhere}
)
APPOINTMENT_DOCUMENT = DocumentVersions("appointment", current=1, upcasters={}, key="id")


def job_to_doc(job: Job) -> dict[str, Any]:
    return JOB_DOCUMENT.stamp(_JOB.dump_python(job, mode="json"))


def job_json(job: Job) -> WrittenJson:
    """``job_to_doc`` as the JSON text pydantic writes at once (how the writer stores it)."""
    return _written(JOB_DOCUMENT, _JOB, job)


def job_from_doc(doc: dict[str, Any]) -> Job:
    return _JOB.validate_python(JOB_DOCUMENT.upcast(doc))


def tech_to_doc(state: TechnicianState) -> dict[str, Any]:
    return TECHNICIAN_STATE_DOCUMENT.stamp(_TECH.dump_python(state, mode="json"))


def tech_json(state: TechnicianState) -> WrittenJson:
    return _written(TECHNICIAN_STATE_DOCUMENT, _TECH, state)


def tech_from_doc(doc: dict[str, Any]) -> TechnicianState:
    return _TECH.validate_python(TECHNICIAN_STATE_DOCUMENT.upcast(doc))


def appointment_to_doc(appt: Appointment) -> dict[str, Any]:
    return APPOINTMENT_DOCUMENT.stamp(_APPOINTMENT.dump_python(appt, mode="json"))


def appointment_from_doc(doc: dict[str, Any]) -> Appointment:
    return _APPOINTMENT.validate_python(APPOINTMENT_DOCUMENT.upcast(doc))


def _written(kind: DocumentVersions, adapter: TypeAdapter[Any], value: Any) -> WrittenJson:
    try:
        return WrittenJson(kind.stamp_json(adapter.dump_json(value)))
    except PydanticSerializationError:  # text JSON cannot carry as it is (a lone surrogate)
        return WrittenJson(json.dumps(kind.stamp(adapter.dump_python(value, mode="json"))))
