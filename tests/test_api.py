"""The integration API: its own OpenAPI spec fuzzed by schemathesis, tokens and their scopes
enforced on every route, and every change in the audit log with the API client as the
source."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from core.api import build_api
from core.domain.access import Scope
from core.domain.model import PriceLine
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.helpers import FakeBus, demo_config

ORDER: dict[str, Any] = {
    "vehicle": {
        "plate": "京A12345",
        "model": "别克 GL8",
        "colour": "白",
        "vin": "LSGUA84L0FE000001",
    },
    "customer": {"name": "王先生", "phone": "13800138000"},
    "operations": [{"code": "M010"}],
    "promised_at": "2036-11-24T17:00:00+08:00",
    "key_tag": "0A1B2C3D4E",
}


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    c = Core(demo_config(), Store(engine, "demo"), FakeBus())
    c.start()
    yield c
    c.stop()
    engine.dispose()


@pytest.fixture
def api(core: Core) -> FastAPI:
    return build_api(core)


@pytest.fixture
def client(api: FastAPI) -> TestClient:
    return TestClient(api)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def auth(core: Core) -> dict[str, str]:
    """The dealer system's token: it writes."""
    return bearer(core.access.create_token("dms", Scope.WRITE, by="test")[1])


@pytest.fixture
def reader(core: Core) -> dict[str, str]:
    """A dashboard's token: it only reads."""
    return bearer(core.access.create_token("grafana", Scope.READ, by="test")[1])


def api_routes(api: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation of the API, from its own route table (not its
    documents, which the site's sign-in guards)."""
    return sorted(
        (method, route.path)
        for route in api.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods
    )


def test_token_missing_or_wrong_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/repair-orders").status_code == 401
    wrong = client.get("/repair-orders", headers=bearer("nope-nope-nope-nope"))
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    assert wrong.headers["www-authenticate"] == "Bearer"
    # Of the right shape, and still no token this site made.
    assert client.get("/repair-orders", headers=bearer("pb_" + "A" * 43)).status_code == 401
    assert client.get("/repair-orders", headers=auth).status_code == 200


def test_every_route_wants_a_token_with_its_scope(
    api: FastAPI,
    client: TestClient,
    auth: dict[str, str],
    reader: dict[str, str],
) -> None:
    operations = api_routes(api)
    assert len(operations) == 16
    for method, path in operations:
        url = path.replace("{ro}", "RO-NOPE").replace("{appointment}", "AP-NOPE")
        url = url.replace("{advisor}", "SA01").replace("{period}", "month")
        assert client.request(method, url).status_code == 401, (method, path)
        as_reader = client.request(method, url, headers=reader, json={})
        as_writer = client.request(method, url, headers=auth, json={})
        assert as_writer.status_code not in (401, 403), (method, path, as_writer.text)
        if method == "GET":
            assert as_reader.status_code not in (401, 403), (method, path, as_reader.text)
        else:
            assert as_reader.status_code == 403, (method, path, as_reader.text)
            assert as_reader.json()["code"] == "forbidden"


def test_a_revoked_token_is_refused_at_once(client: TestClient, core: Core) -> None:
    token, secret = core.access.create_token("old-dms", Scope.WRITE, by="test")
    assert client.get("/repair-orders", headers=bearer(secret)).status_code == 200
    core.access.revoke_token(token.id, by="manager:M001")
    refused = client.get("/repair-orders", headers=bearer(secret))
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    assert client.post("/repair-orders", json=ORDER, headers=bearer(secret)).status_code == 401


def test_a_promise_out_of_the_calendar_is_refused_and_the_workshop_goes_on(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A promise whose offset takes it out of the calendar in UTC (year 1 at +14:00, 9999 at
    −10:00), or past 2100, is refused 409 at check-in: before, the core could not store it
    and tried the same commit again for good, every tap and call behind it waiting."""
    for odd in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-10:00", "2101-01-01T08:00+08:00"):
        refused = client.post("/repair-orders", json={**ORDER, "promised_at": odd}, headers=auth)
        assert refused.status_code == 409, (odd, refused.text)
        assert refused.json()["code"] == "invalid_data", refused.text
    made = client.post("/repair-orders", json=ORDER, headers=auth)
    assert made.status_code == 201, made.text
    assert client.get(f"/repair-orders/{made.json()['ro']}", headers=auth).status_code == 200


def test_an_order_names_a_promise_to_come_a_car_not_in_an_advisor_a_hook_and_a_team(
    client: TestClient, auth: dict[str, str]
) -> None:
    """What a dealer system might send by mistake, refused with its code and nothing made:
    a promise already past, a second order for a car in the building (its plate typed
    otherwise), an advisor the site does not have, a hook the key cabinet does not have, a
    team the site does not have."""
    mine = {**ORDER, "advisor": "SA01", "key_tag": None, "key_slot": 7}
    made = client.post("/repair-orders", json=mine, headers=auth)
    assert made.status_code == 201, made.text
    ro = made.json()["ro"]
    assert made.json()["key_slot"] == 7  # the hook it holds, before any cabinet says so
    other = {**ORDER, "key_tag": None, "vehicle": {"plate": "京B20002"}}
    for wrong, code in (
        ({"promised_at": "2026-01-05T17:00:00+08:00"}, "time_passed"),  # a year typed wrong
        ({"vehicle": {"plate": "京a·12345"}, "key_tag": None}, "car_in_workshop"),
        ({"advisor": "王芳"}, "unknown_advisor"),
        ({"key_tag": "TAGX", "key_slot": 9999}, "invalid_data"),
        ({"key_tag": "TAGX", "key_slot": 7}, "invalid_data"),  # the first order's
        ({"key_tag": "TAGX", "key_slot": 0}, "invalid_data"),
    ):
        refused = client.post("/repair-orders", json={**other, **wrong}, headers=auth)
        assert refused.status_code == 409 and refused.json()["code"] == code, (wrong, refused.text)
    listed = client.get("/repair-orders", headers=auth).json()
    assert [j["ro"] for j in listed] == [ro]
    team = client.post(
        f"/repair-orders/{ro}/dispatch", json={"bay": "B03", "team": "Z"}, headers=auth
    )
    assert team.status_code == 409 and team.json()["code"] == "unknown_team", team.text
    assert client.get(f"/repair-orders/{ro}", headers=auth).json()["status"] == "checked_in"


def test_create_change_dispatch_read_and_cancel(
    client: TestClient,
    core: Core,
    caplog: pytest.LogCaptureFixture,
    auth: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    made = client.post("/repair-orders", json=ORDER, headers=auth)
    assert made.status_code == 201, made.text
    ro = made.json()["ro"]
    assert made.json()["status"] == "checked_in" and made.json()["standard_hours"] > 0
    assert "13800138000" not in made.text and "王先生" not in made.text

    changed = client.patch(
        f"/repair-orders/{ro}",
        json={
            "requests": "检查异响",
            "add_operations": [{"code": "X1", "name": "检查异响", "standard_hours": 0.5}],
        },
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["requests"] == "检查异响"
    assert [o["code"] for o in changed.json()["operations"]] == ["M010", "X1"]
    past = client.patch(
        f"/repair-orders/{ro}", json={"promised_at": "1999-01-01T10:00:00+08:00"}, headers=auth
    )
    assert past.status_code == 409 and past.json()["code"] == "time_passed", past.text
    for far in ("9999-12-31T23:59:59-10:00", "2101-01-01T00:00:00+00:00"):
        beyond = client.patch(f"/repair-orders/{ro}", json={"promised_at": far}, headers=auth)
        assert beyond.status_code == 409 and beyond.json()["code"] == "invalid_data", beyond.text
    assert (
        client.get(f"/repair-orders/{ro}", headers=auth).json()["promised_at"]
        == (ORDER["promised_at"])
    )
    spaced = {**ORDER, "vehicle": {**ORDER["vehicle"], "plate": "  京B54321 "}, "key_tag": None}
    assert client.post("/repair-orders", json=spaced, headers=auth).json()["plate"] == "京B54321"

    moved = client.post(f"/repair-orders/{ro}/dispatch", json={"bay": "B03"}, headers=auth)
    assert moved.status_code == 200 and moved.json()["bay"] == "B03"
    assert client.get(f"/repair-orders/{ro}", headers=auth).json()["status"] == "dispatched"
    listed = client.get("/repair-orders", params={"bay": "B03"}, headers=auth).json()
    assert [j["ro"] for j in listed] == [ro]

    bad_bay = client.post(f"/repair-orders/{ro}/dispatch", json={"bay": "Z99"}, headers=auth)
    assert bad_bay.status_code == 409 and bad_bay.json()["code"] == "unknown_bay"
    unknown_op = client.patch(
        f"/repair-orders/{ro}", json={"add_operations": [{"code": "NOPE"}]}, headers=auth
    )
    assert unknown_op.status_code == 422  # neither a catalogue code nor a whole operation

    gone = client.post(f"/repair-orders/{ro}/cancel", json={"reason": "客户取消"}, headers=auth)
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert client.get(f"/repair-orders/{ro}", headers=auth).json()["status"] == "cancelled"
    assert client.get("/repair-orders/RO-NOPE", headers=auth).status_code == 404
    again = client.post("/repair-orders", json={**ORDER, "ro": ro}, headers=auth)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_job"

    trail = core.store.audit_trail(ro)
    assert [(t["type"], t["source"]) for t in trail] == [
        ("job.checked_in", "api:dms"),
        ("job.updated", "api:dms"),
        ("job.dispatched", "api:dms"),
        ("job.cancelled", "api:dms"),
    ]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "13800138000" not in logged and "王先生" not in logged


def test_alignment_work_is_dispatched_elsewhere_only_forced_with_a_reason(
    client: TestClient, core: Core, auth: dict[str, str]
) -> None:
    made = client.post(
        "/repair-orders", json={**ORDER, "operations": [{"code": "T010"}]}, headers=auth
    )
    ro = made.json()["ro"]
    refused = client.post(f"/repair-orders/{ro}/dispatch", json={"bay": "B03"}, headers=auth)
    assert refused.status_code == 409 and refused.json()["code"] == "bay_kind_needed"
    no_reason = client.post(
        f"/repair-orders/{ro}/dispatch", json={"bay": "B03", "force": True}, headers=auth
    )
    assert no_reason.status_code == 409 and no_reason.json()["code"] == "invalid_data"
    forced = client.post(
        f"/repair-orders/{ro}/dispatch",
        json={"bay": "B03", "force": True, "reason": "定位仪校准中"},
        headers=auth,
    )
    assert forced.status_code == 200 and forced.json()["bay"] == "B03"
    assert core.store.audit_trail(ro)[-1]["payload"]["reason"] == "定位仪校准中"


def test_the_api_keeps_its_own_openapi_contract(api: FastAPI, auth: dict[str, str]) -> None:
    """schemathesis draws requests from the API's own OpenAPI document, operation by
    operation, and checks every answer against it (no server errors, documented status
    codes and bodies)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 16

    for operation in operations:

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=auth)

        check()


def test_the_charges_the_dealer_system_sends_are_kept_with_the_order(
    client: TestClient, core: Core, auth: dict[str, str]
) -> None:
    priced = [{"label": "工时费", "amount": "380.00"}, {"label": "配件", "amount": "1234.5"}]
    made = client.post("/repair-orders", json={**ORDER, "prices": priced}, headers=auth)
    assert made.status_code == 201, made.text
    ro = made.json()["ro"]
    assert core.query(lambda ws, _now: ws.jobs[ro].prices) == [
        PriceLine("工时费", Decimal("380.00")),
        PriceLine("配件", Decimal("1234.50")),
    ]
    # Priced again at the invoice: the new charges take the place of the first.
    again = [{"label": "合计", "amount": "1500.00"}, {"label": "优惠", "amount": "-100"}]
    changed = client.patch(f"/repair-orders/{ro}", json={"prices": again}, headers=auth)
    assert changed.status_code == 200, changed.text
    assert core.query(lambda ws, _now: ws.jobs[ro].prices) == [
        PriceLine("合计", Decimal("1500.00")),
        PriceLine("优惠", Decimal("-100")),
    ]
    assert core.store.load_job(ro).prices == core.query(lambda ws, _now: ws.jobs[ro].prices)
    checked_in, updated = core.store.audit_trail(ro)
    assert checked_in["payload"]["order"]["prices"][1] == {"label": "配件", "amount": "1234.5"}
    assert updated["payload"]["changes"]["prices"][1] == {"label": "优惠", "amount": "-100"}
    cents = [{"label": "工时费", "amount": "1.005"}]
    refused = client.patch(f"/repair-orders/{ro}", json={"prices": cents}, headers=auth)
    assert refused.status_code == 422  # to the cent, or not at all
