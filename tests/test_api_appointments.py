"""The integration API's appointment book, on SQLite and PostgreSQL: a car booked, read,
listed by day, changed, cancelled, marked arrived and checked in from its booking; a full
day refused with the advisor's next free times offered, or forced with a reason; an
advisor's free slots and the day's load; every step in the audit log as the API client's.
(The OpenAPI contract of these routes is fuzzed with the rest, in tests/test_api.py.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.api import build_api
from core.domain.access import Scope
from core.engine import Core
from core.store.repository import Store
from core.store.tables import AuditRow
from tests.helpers import Clock, FakeBus, demo_config

# The core's clock (tests/helpers.py T0) is 09:00 in Shanghai on Tuesday 24 November 2026.
DAY = "2026-11-24"
TEN, QUARTER_PAST = "2026-11-24T10:00:00+08:00", "2026-11-24T10:15:00+08:00"
BOOKING: dict[str, Any] = {
    "vehicle": {"plate": "京A12345", "model": "别克 GL8"},
    "customer": {"name": "王先生", "phone": "13800138000"},
    "operations": [{"code": "M020"}],
    "start": TEN,
    "advisor": "SA01",
    "requests": "顺便看一下空调",
}


@pytest.fixture
def client(core: Core) -> TestClient:
    return TestClient(build_api(core))


@pytest.fixture
def auth(core: Core) -> dict[str, str]:
    return {"Authorization": f"Bearer {core.access.create_token('dms', Scope.WRITE, by='t')[1]}"}


def book(client: TestClient, auth: dict[str, str], **changes: Any) -> dict[str, Any]:
    made = client.post("/appointments", json={**BOOKING, **changes}, headers=auth)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_book_read_list_change_and_cancel(
    client: TestClient, auth: dict[str, str], store: Store
) -> None:
    appt = book(client, auth)
    assert (appt["id"], appt["state"], appt["job_type"]) == (
        "AP-20261124-0001",
        "booked",
        "maintenance",
    )
    assert appt["plate"] == "京A12345" and appt["standard_hours"] == 2.0
    assert "13800138000" not in str(appt) and "王先生" not in str(appt)
    assert client.get(f"/appointments/{appt['id']}", headers=auth).json() == appt
    listed = client.get("/appointments", params={"day": DAY}, headers=auth).json()
    assert [a["id"] for a in listed] == [appt["id"]]
    assert (
        client.get("/appointments", params={"day": DAY, "advisor": "SA02"}, headers=auth).json()
        == []
    )

    moved = client.patch(
        f"/appointments/{appt['id']}",
        json={"start": QUARTER_PAST, "job_type": "warranty"},
        headers=auth,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["job_type"] == "warranty" and moved.json()["start"].startswith(
        "2026-11-24T02:15"
    )
    nothing = client.patch(f"/appointments/{appt['id']}", json={"force": True}, headers=auth)
    assert nothing.status_code == 409 and nothing.json()["code"] == "invalid_data"

    gone = client.post(
        f"/appointments/{appt['id']}/cancel", json={"reason": "客户改期"}, headers=auth
    )
    assert gone.json()["state"] == "cancelled" and gone.json()["cancelled_reason"] == "客户改期"
    again = client.post(f"/appointments/{appt['id']}/arrived", headers=auth)
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    unknown = client.get("/appointments/AP-NOPE", headers=auth)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_appointment"

    with store.engine.connect() as conn:
        rows = conn.execute(select(AuditRow).order_by(AuditRow.id))
        lines = [(a.type, a.source) for a in rows if a.type.startswith("appointment.")]
    assert lines == [
        ("appointment.booked", "api:dms"),
        ("appointment.changed", "api:dms"),
        ("appointment.cancelled", "api:dms"),
    ]


def test_a_taken_slot_or_a_full_day_offers_quieter_times(
    client: TestClient, auth: dict[str, str]
) -> None:
    book(client, auth)
    taken = client.post("/appointments", json=BOOKING, headers=auth)
    assert taken.status_code == 409 and taken.json()["code"] == "slot_taken"
    offered = taken.json()["quieter_times"]
    assert offered and offered[0].startswith("2026-11-24T02:15")  # 10:15, the next free one

    # A day of 60 hours of work is more than team A has: refused, the times on later days.
    huge = {**BOOKING, "start": "2026-11-24T14:00:00+08:00"}
    huge["operations"] = [{"code": "X1", "name": "发动机大修", "standard_hours": 60}]
    full = client.post("/appointments", json=huge, headers=auth)
    assert full.status_code == 409 and full.json()["code"] == "overbooked"
    assert all(t >= "2026-11-25" for t in full.json()["quieter_times"])
    unsaid = client.post("/appointments", json={**huge, "force": True}, headers=auth)
    assert unsaid.status_code == 409 and unsaid.json()["code"] == "invalid_data"
    forced = client.post(
        "/appointments", json={**huge, "force": True, "reason": "老客户"}, headers=auth
    )
    assert forced.status_code == 201 and forced.json()["forced"] == "老客户"

    buffer = client.post(
        "/appointments", json={**BOOKING, "start": "2026-11-24T09:45:00+08:00"}, headers=auth
    )
    assert buffer.status_code == 409 and buffer.json()["code"] == "not_a_slot"
    far = client.post(
        "/appointments", json={**BOOKING, "start": "9999-12-31T23:00:00+00:00"}, headers=auth
    )
    assert far.status_code == 409 and far.json()["code"] == "invalid_data"


def test_free_slots_and_the_days_load(client: TestClient, auth: dict[str, str]) -> None:
    free = client.get("/advisors/SA01/free-slots", params={"day": DAY}, headers=auth).json()
    slots = free["slots"]
    # From 09:00 (now) on, by the quarter hour, every fourth (09:45, 10:45…) kept free.
    assert slots[:4] == [
        f"2026-11-24T{h}Z" for h in ("01:00:00", "01:15:00", "01:30:00", "02:00:00")
    ]
    book(client, auth)
    after = client.get("/advisors/SA01/free-slots", params={"day": DAY}, headers=auth).json()
    assert "2026-11-24T02:00:00Z" not in after["slots"] and len(after["slots"]) == len(slots) - 1
    load = client.get("/workshop-load", params={"day": DAY}, headers=auth).json()
    teams = {t["team"]: t for t in load["teams"]}
    assert sum(t["booked"] for t in teams.values()) == 2.0
    general = next(k for k in load["kinds"] if k["kind"] == "general")
    assert general["booked"] == 2.0 and general["room"] == general["capacity"] - 2.0


def test_an_advisor_not_of_the_site_is_refused_everywhere_an_advisor_is_named(
    client: TestClient, auth: dict[str, str]
) -> None:
    for advisor in ("NOPE", "sa01", "F001"):  # nobody; another's id in the wrong case; a foreman
        made = client.post("/appointments", json={**BOOKING, "advisor": advisor}, headers=auth)
        assert made.status_code == 409 and made.json()["code"] == "unknown_advisor", made.text
        slots = client.get(f"/advisors/{advisor}/free-slots", params={"day": DAY}, headers=auth)
        assert slots.status_code == 409 and slots.json()["code"] == "unknown_advisor"
    assert client.get("/appointments", params={"day": DAY}, headers=auth).json() == []
    appt = book(client, auth)
    moved = client.patch(f"/appointments/{appt['id']}", json={"advisor": "NOPE"}, headers=auth)
    assert moved.status_code == 409 and moved.json()["code"] == "unknown_advisor"
    nulled = client.patch(f"/appointments/{appt['id']}", json={"advisor": None}, headers=auth)
    assert nulled.status_code == 409 and nulled.json()["code"] == "invalid_data"  # nothing
    assert client.get(f"/appointments/{appt['id']}", headers=auth).json()["advisor"] == "SA01"


def test_a_plate_with_spaces_around_it_is_the_same_car(
    client: TestClient, auth: dict[str, str]
) -> None:
    spaced = {**BOOKING, "vehicle": {**BOOKING["vehicle"], "plate": " 京A12345  "}}
    made = client.post("/appointments", json=spaced, headers=auth)
    assert made.status_code == 201 and made.json()["plate"] == "京A12345", made.text


def test_a_site_that_names_no_advisors_takes_its_dealer_systems_ids(store: Store) -> None:
    cfg = demo_config()
    cfg = cfg.model_copy(update={"users": [u for u in cfg.users if u.role != "advisor"]})
    core = Core(cfg, store, FakeBus(), Clock())
    core.start()
    try:
        token = core.access.create_token("dms", Scope.WRITE, by="t")[1]
        client = TestClient(build_api(core))
        made = client.post(
            "/appointments",
            json={**BOOKING, "advisor": "DMS-0042"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert made.status_code == 201, made.text
        assert made.json()["advisor"] == "DMS-0042"
    finally:
        core.stop()


def test_a_booked_car_arrives_and_is_checked_in_from_its_booking(
    client: TestClient, auth: dict[str, str], clock: Clock, store: Store
) -> None:
    appt = book(client, auth, job_type="warranty")
    clock.advance(minutes=65)
    here = client.post(f"/appointments/{appt['id']}/arrived", headers=auth)
    assert here.json()["state"] == "arrived" and not here.json()["late"]
    past = (clock.now - timedelta(minutes=1)).isoformat()
    early = client.post(
        f"/appointments/{appt['id']}/check-in", json={"promised_at": past}, headers=auth
    )
    assert early.status_code == 409 and early.json()["code"] == "time_passed", early.text
    made = client.post(
        f"/appointments/{appt['id']}/check-in",
        json={"mileage_km": 42000, "key_tag": "TAG9", "wash": False},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    card = made.json()
    assert (card["plate"], card["job_type"], card["requests"]) == (
        "京A12345",
        "warranty",
        "顺便看一下空调",
    )
    assert [o["code"] for o in card["operations"]] == ["M020"] and not card["wash_requested"]
    linked = client.get(f"/appointments/{appt['id']}", headers=auth).json()
    assert (linked["state"], linked["ro"]) == ("checked_in", card["ro"])
    job = store.load_job(card["ro"])
    assert job.vehicle.mileage_km == 42000 and job.customer.phone == "13800138000"
    assert job.promised_at > clock.now  # from the plan: after the booked work and the checks
    trail = store.audit_trail(card["ro"])
    assert [(t["type"], t["source"]) for t in trail] == [("job.checked_in", "api:dms")]
    twice = client.post(f"/appointments/{appt['id']}/check-in", json={}, headers=auth)
    assert twice.status_code == 409 and twice.json()["code"] == "illegal_transition"


def test_a_day_gone_by_is_listed_from_the_store(
    client: TestClient, auth: dict[str, str], clock: Clock
) -> None:
    appt = book(client, auth)
    client.post(f"/appointments/{appt['id']}/cancel", json={"reason": "改期"}, headers=auth)
    clock.advance(days=2)
    client.get("/appointments", params={"day": "2026-11-26"}, headers=auth)  # the day moves on
    listed = client.get("/appointments", params={"day": DAY}, headers=auth).json()
    assert [(a["id"], a["state"]) for a in listed] == [(appt["id"], "cancelled")]
    assert client.get(f"/appointments/{appt['id']}", headers=auth).json()["state"] == "cancelled"
