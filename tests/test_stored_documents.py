"""Job and technician documents written before documents carried a schema version
(tests/fixtures/stored_v1, written by that code) and job documents of version 2
(tests/fixtures/stored_v2, likewise) load with every field, on SQLite and PostgreSQL; a
document from a newer version is refused; the upcasting chain runs in order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.domain.model import (
    FindingState,
    FollowUpOutcome,
    JobStatus,
    JobType,
    KeyState,
    PartLine,
    PartsRequest,
    PartsState,
    PauseReason,
    PriceLine,
    Priority,
    Severity,
)
from core.domain.workshop import Workshop
from core.engine import Core
from core.engine.effects import rows_to_write
from core.store import codec
from core.store.codec import JOB_DOCUMENT, job_from_doc, job_to_doc
from core.store.document_versions import SCHEMA, DocumentVersions, NewerDocumentError
from core.store.repository import Batch, Store
from core.store.tables import JobRow, TechnicianStateRow
from tests.helpers import Clock, FakeBus, at, demo_config, domain_workshop

STORED_V1 = Path(__file__).resolve().parent / "fixtures" / "stored_v1"
STORED_V2 = STORED_V1.parent / "stored_v2"
CLOSED, LIVE = "RO-20261124-0001", "RO-20261124-0002"


def stored(name: str) -> dict[str, dict[str, Any]]:
    return json.loads((STORED_V1 / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def put(store: Store, jobs: dict[str, dict[str, Any]], techs: dict[str, dict[str, Any]]) -> None:
    """The rows as the store wrote them, the query columns taken from each document."""
    when = datetime.fromisoformat
    with store.engine.begin() as conn:
        conn.execute(
            JobRow.__table__.insert(),
            [
                {
                    "site": store.site,
                    "ro": ro,
                    "status": doc["status"],
                    "bay": doc["bay"],
                    "plate": doc["vehicle"]["plate"],
                    "public_token": doc["public_token"] or None,
                    "promised_at": when(doc["promised_at"]),
                    "checked_in_at": when(doc["checked_in_at"]),
                    "updated_at": at(5000),
                    "doc": doc,
                }
                for ro, doc in jobs.items()
            ],
        )
        if techs:
            conn.execute(
                TechnicianStateRow.__table__.insert(),
                [{"site": store.site, "tech": t, "doc": doc} for t, doc in techs.items()],
            )


#: What version 4 adds to every check: nothing was recorded of it before.
CHECK_V4 = {
    "notes": "",
    "recommendations": [],
    "checklist": [],
    "road_test": None,
    "road_test_note": "",
    "override": None,
}


def as_version_4(v1: dict[str, Any]) -> dict[str, Any]:
    """A version-1 job document as version 4 wrote it back: what versions 2 to 4 added."""
    return {
        SCHEMA: 4,
        **v1,
        "job_type": "repair",
        "priority": "normal",
        "pinned_start": None,
        "checks": [{**c, **CHECK_V4} for c in v1["checks"]],
        "checks_override": None,
        "parking_spot": None,
        "handover": None,
        "handover_override": None,
        "call_time": "any",
        "follow_up": None if v1["follow_up"] is None else {**v1["follow_up"], "categories": []},
        "call_attempts": [],
        "complaint": None,
    }


def as_version_5(v1: dict[str, Any]) -> dict[str, Any]:
    """A version-1 job document as written back now: version 5 adds the charges (none)."""
    return {**as_version_4(v1), SCHEMA: 5, "prices": []}


def as_version_6(v1: dict[str, Any]) -> dict[str, Any]:
    """A version-1 job document as written back now: version 6 adds the parts requests."""
    return {**as_version_5(v1), SCHEMA: 6, "parts_requests": []}


def raw_doc(store: Store, ro: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        doc = conn.execute(select(JobRow.doc).where(JobRow.ro == ro)).scalar_one()
    return doc  # type: ignore[no-any-return]


def load(store: Store) -> Workshop:
    shop = domain_workshop()
    return store.load_workshop(shop.bays.values(), shop.technicians.values())


def test_the_stored_documents_are_from_before_versions_were_recorded() -> None:
    docs = [*stored("jobs").values(), *stored("technician_states").values()]
    assert len(docs) == 8 and not any(SCHEMA in d for d in docs)


def test_a_closed_job_of_version_1_loads_with_every_field(store: Store) -> None:
    put(store, stored("jobs"), {})
    job = store.load_job(CLOSED)
    assert job is not None and job.status is JobStatus.CLOSED
    assert (job.vehicle.plate, job.vehicle.vin, job.customer.phone) == (
        "京A10001",
        "LSGUA84L0FE000001",
        "13800138000",
    )
    assert [(o.code, o.name, o.standard_hours, o.name_en) for o in job.operations] == [
        ("M010", "小保养", 1.0, "Minor service")
    ]
    assert (job.promised_at, job.checked_in_at) == (at(240), at(0))
    assert (job.requests, job.key_tag, job.bay, job.team, job.rework_count) == (
        "异响",
        "TAG7",
        "B03",
        "A",
        1,
    )
    assert [(s.kind, s.start, s.end, s.reason) for s in job.segments] == [
        ("work", at(5), at(21), None),
        ("pause", at(21), at(31), "waiting_approval"),
        ("work", at(31), at(90), None),
        ("work", at(96), at(100), None),
    ]
    (brakes,) = job.findings
    assert (brakes.severity, brakes.state, brakes.labor_hours, brakes.parts_estimate) == (
        Severity.SAFETY,
        FindingState.APPROVED,
        1.0,
        380.0,
    )
    assert (brakes.note, brakes.answered_by, brakes.answered_at, brakes.answer_note) == (
        "剩余 2mm",
        "SA01",
        at(30),
        "客户电话同意",
    )
    assert [(c.level, c.by, c.passed, c.items) for c in job.checks] == [
        ("self", "T002", True, []),
        ("leader", "T001", True, []),
        ("qc", "Q001", False, ["左前轮螺栓扭矩"]),
        ("self", "T002", True, []),
        ("leader", "T001", True, []),
        ("qc", "Q001", True, []),
    ]
    assert (job.key.state, job.key.holder, job.key.since) == (
        KeyState.RETURNED,
        "customer",
        at(150),
    )
    assert (job.wash_started_at, job.ready_at, job.delivered_at) == (at(107), at(120), at(150))
    assert job.follow_up is not None
    assert (job.follow_up.outcome, job.follow_up.note, job.follow_up.by, job.follow_up.at) == (
        FollowUpOutcome.VERY_GOOD,
        "满意",
        "SA01",
        at(3 * 24 * 60),
    )
    assert job.standard_hours == 2.0 and job.worked_seconds(at(9999)) == (16 + 59 + 4) * 60
    # Version 2 keeps the job type and the priority: an order of version 1 was asked for no
    # type, and is a repair (a walk-in's default), and is not urgent; version 3 a pinned
    # start, none then; version 4 what each check recorded, of which nothing was asked
    # before. Written back, only those and the version are added.
    assert job.job_type is JobType.REPAIR
    assert [
        (c.notes, c.recommendations, c.checklist, c.road_test, c.override) for c in job.checks
    ] == [("", [], [], None, None)] * 6
    assert job.checks_override is None
    assert job_to_doc(job) == as_version_6(stored("jobs")[CLOSED])
    assert [j.ro for j in store.jobs_of_vehicle("京A10001")] == [CLOSED]


def test_a_live_job_of_version_1_goes_on_and_is_written_back_with_its_version(
    store: Store,
) -> None:
    put(store, stored("jobs"), stored("technician_states"))
    ws = load(store)
    assert list(ws.jobs) == [LIVE], "the closed job stays in storage"
    job = ws.jobs[LIVE]
    assert job.working_techs() == ["T003"] and job.open_segment("T004") is not None
    assert job.last_pause_reason == "waiting_parts"
    assert [(f.id, f.state) for f in job.findings] == [
        ("F1", FindingState.DECLINED),
        ("F2", FindingState.PENDING),
    ]
    assert job.findings[0].declined_safety and job.pending_findings() == [job.findings[1]]
    assert (job.key.state, job.key.cabinet, job.key.slot, job.key.holder) == (
        KeyState.OUT,
        "KC1",
        9,
        "T003",
    )
    assert (job.public_token, job.customer_waiting, job.dispatched_at) == (
        "tok-0002",
        True,
        at(202),
    )
    assert ws.tech_states["T003"].active_job == LIVE and ws.tech_states["T003"].bay == "B01"
    assert job_to_doc(job) == as_version_6(stored("jobs")[LIVE])

    ws.pause(LIVE, "T003", "B01", PauseReason.TOOL, at(300))
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), at(300))
    assert raw_doc(store, LIVE)[SCHEMA] == JOB_DOCUMENT.current
    assert SCHEMA not in raw_doc(store, CLOSED), "a document is rewritten only when it changes"
    again = load(store)
    assert again.jobs[LIVE].status is JobStatus.PAUSED
    assert again.jobs[LIVE].segments[-1].reason == "tool"
    assert again.tech_states["T003"].active_job is None


def test_a_job_of_version_2_keeps_its_job_type() -> None:
    job = job_from_doc(stored("jobs")[CLOSED])
    job.job_type = JobType.WARRANTY
    doc = job_to_doc(job)
    assert (doc[SCHEMA], doc["job_type"]) == (JOB_DOCUMENT.current, "warranty")
    assert job_from_doc(doc).job_type is JobType.WARRANTY  # not taken back to a repair


def stored_v2() -> dict[str, dict[str, Any]]:
    return json.loads((STORED_V2 / "jobs.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


#: What version 4 adds to a job with no checks and no follow-up call yet.
ADDED_IN_4: dict[str, Any] = {
    "checks_override": None,
    "parking_spot": None,
    "handover": None,
    "handover_override": None,
    "call_time": "any",
    "call_attempts": [],
    "complaint": None,
}


def test_jobs_of_version_2_load_unpinned_and_version_3_keeps_a_pin(store: Store) -> None:
    docs = stored_v2()
    assert {d[SCHEMA] for d in docs.values()} == {2}
    put(store, docs, {})
    urgent, paused = (store.load_job(ro) for ro in sorted(docs))
    assert urgent is not None and paused is not None
    assert (urgent.job_type, urgent.priority, urgent.status) == (
        JobType.WARRANTY,
        Priority.URGENT,
        JobStatus.DISPATCHED,
    )
    assert paused.status is JobStatus.PAUSED and paused.last_pause_reason == "waiting_parts"
    assert urgent.pinned_start is None and paused.pinned_start is None
    # Written back, version 3 adds only the pin (none), version 4 what checks and calls keep.
    for job in (urgent, paused):
        body = {k: v for k, v in docs[job.ro].items() if k != SCHEMA}
        assert job_to_doc(job) == {
            SCHEMA: 6,
            **body,
            "pinned_start": None,
            **ADDED_IN_4,
            "prices": [],
            "parts_requests": [],
        }
    urgent.pinned_start = at(120)
    doc = job_to_doc(urgent)
    assert doc["pinned_start"] == "2026-11-24T03:00:00Z"
    assert job_from_doc(doc).pinned_start == at(120)  # not taken back to none


def test_a_job_of_version_3_gains_what_its_checks_recorded_and_keeps_the_rest() -> None:
    v3 = {**as_version_4(stored("jobs")[CLOSED]), SCHEMA: 3, "job_type": "warranty"}
    v3["checks"] = [
        {k: c[k] for k in ("level", "by", "at", "passed", "items")} for c in v3["checks"]
    ]
    added_in_4 = ("checks_override", "parking_spot", "handover", "handover_override", "call_time")
    for added in (*added_in_4, "call_attempts", "complaint"):
        del v3[added]
    del v3["follow_up"]["categories"]
    job = job_from_doc(v3)
    assert job.job_type is JobType.WARRANTY and len(job.checks) == 6
    assert all(c.override is None and c.road_test is None for c in job.checks)
    assert job_to_doc(job) == {**as_version_6(stored("jobs")[CLOSED]), "job_type": "warranty"}
    job.checks[-1].recommendations = ["两万公里后更换刹车油"]
    job.checks_override = "一人值班"
    job.parking_spot = "P07"
    again = job_from_doc(job_to_doc(job))
    assert again.checks[-1].recommendations == ["两万公里后更换刹车油"]
    assert again.checks_override == "一人值班", "a version-4 document is not upcast"
    assert again.parking_spot == "P07"


def test_a_job_from_a_newer_version_is_refused_and_left_as_it_is(store: Store) -> None:
    newer = {SCHEMA: JOB_DOCUMENT.current + 1, **stored("jobs")[LIVE]}
    put(store, {LIVE: newer}, {})
    message = rf"job document '{LIVE}' has schema version {JOB_DOCUMENT.current + 1}, newer"
    with pytest.raises(NewerDocumentError, match=message):
        store.load_job(LIVE)
    with pytest.raises(NewerDocumentError, match=message):
        load(store)
    with pytest.raises(NewerDocumentError, match=message):
        Core(demo_config(), store, FakeBus(), Clock())  # the core does not start on it
    assert raw_doc(store, LIVE) == newer


def _mark(label: str) -> Any:
    def step(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "steps": [*body.get("steps", []), label]}

    return step


def test_the_upcasters_run_in_order_from_the_version_a_document_has() -> None:
    versions = DocumentVersions("thing", 3, {2: _mark("2→3"), 1: _mark("1→2")})
    assert versions.upcast({"id": "a"}) == {"id": "a", "steps": ["1→2", "2→3"]}
    assert versions.upcast({SCHEMA: 1, "id": "a"})["steps"] == ["1→2", "2→3"]
    assert versions.upcast({SCHEMA: 2, "id": "a"})["steps"] == ["2→3"]
    assert versions.upcast({SCHEMA: 3, "id": "a"}) == {"id": "a"}
    assert versions.stamp({"id": "a"}) == {SCHEMA: 3, "id": "a"}
    doc = {SCHEMA: 1, "id": "a"}
    versions.upcast(doc)
    assert doc == {SCHEMA: 1, "id": "a"}, "the stored document itself is not changed"
    with pytest.raises(NewerDocumentError, match="thing document 'a' has schema version 4"):
        versions.upcast({SCHEMA: 4, "id": "a"})
    for bad in (0, "2", 2.0, True, None):
        with pytest.raises(ValueError, match="no valid schema version"):
            versions.upcast({SCHEMA: bad, "id": "a"})


@pytest.mark.parametrize("upcasters", [{1: _mark("1→2")}, {2: _mark("2→3"), 3: _mark("3→4")}])
def test_a_version_without_its_upcaster_cannot_be_declared(upcasters: dict[int, Any]) -> None:
    with pytest.raises(ValueError, match="need exactly one upcaster"):
        DocumentVersions("thing", 3, upcasters)


def test_a_job_of_version_1_is_upcast_when_the_job_document_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def note_requests(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "requests": body["requests"] + "（v2）"}

    monkeypatch.setattr(codec, "JOB_DOCUMENT", DocumentVersions("job", 2, {1: note_requests}))
    v1 = stored("jobs")[CLOSED]
    job = job_from_doc(v1)
    assert job.requests == "异响（v2）" and job.follow_up is not None
    written = job_to_doc(job)
    assert written[SCHEMA] == 2
    assert job_from_doc(written).requests == "异响（v2）", "a version-2 document is not upcast"


def test_technician_states_of_version_1_load() -> None:
    states = {t: codec.tech_from_doc(d) for t, d in stored("technician_states").items()}
    assert states["T003"].signed_in_at == datetime(2026, 11, 24, 4, 23, tzinfo=UTC)
    assert {t: s.bay for t, s in states.items()} == {
        "Q001": "Q01",
        "T001": "B03",
        "T002": "B03",
        "T003": "B01",
        "T004": "B01",
        "W001": "W01",
    }
    assert codec.tech_to_doc(states["T003"]) == {
        SCHEMA: 2,
        **stored("technician_states")["T003"],
        "came_from": None,
    }, "version 2 adds only where a technician came straight from, none for the old ones"


def test_a_job_of_version_4_gains_no_charges_and_keeps_the_charges_sent_since() -> None:
    v4 = as_version_4(stored("jobs")[CLOSED])
    job = job_from_doc(v4)
    assert job.prices == []
    assert job_to_doc(job) == {**v4, SCHEMA: 6, "prices": [], "parts_requests": []}
    job.prices = [PriceLine("工时费", Decimal("380.00")), PriceLine("优惠", Decimal("-100"))]
    doc = job_to_doc(job)
    assert doc["prices"] == [
        {"label": "工时费", "amount": "380.00"},
        {"label": "优惠", "amount": "-100"},
    ]
    assert job_from_doc(doc).prices == job.prices, "a version-5 document is not upcast"


def test_a_job_of_version_5_gains_no_parts_requests_and_keeps_those_made_since() -> None:
    v5 = as_version_5(stored("jobs")[LIVE])
    job = job_from_doc(v5)
    assert job.parts_requests == []
    assert job_to_doc(job) == {**v5, SCHEMA: 6, "parts_requests": []}
    job.parts_requests = [
        PartsRequest(
            id="PR1",
            tech="T002",
            bay="B03",
            lines=[PartLine(name="机油滤清器", qty=2, code="P-OF-01")],
            requested_at=at(10),
            state=PartsState.NOT_IN_STOCK,
            paused=True,
            short_at=at(12),
            expected_at=at(60 * 24),
        )
    ]
    doc = job_to_doc(job)
    line = {"name": "机油滤清器", "qty": 2, "code": "P-OF-01"}
    assert doc["parts_requests"][0]["lines"] == [line]
    assert job_from_doc(doc).parts_requests == job.parts_requests, "version 6 is not upcast"
