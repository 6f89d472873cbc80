"""The integration API: its own OpenAPI spec fuzzed by schemathesis, tokens enforced, and
every change in the audit log with the API client as the source."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from core.api import build_api, parse_tokens
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.helpers import FakeBus, demo_config

TOKEN = "t0ken-for-the-dealer-system"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORDER: dict[str, Any] = {
    "vehicle": {
        "plate": "京A12345",
        "model": "别克 GL8",
        "colour": "白",
        "vin": "LSGUA84L0FE000001",
    },
    "customer": {"name": "王先生", "phone": "13800138000"},
    "operations": [{"code": "M010"}],
    "promised_at": "2026-11-24T17:00:00+08:00",
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
    return build_api(core, lambda: parse_tokens(f"dms={TOKEN},short=tooshort"))


@pytest.fixture
def client(api: FastAPI) -> TestClient:
    return TestClient(api)


def test_token_missing_or_wrong_is_refused(client: TestClient) -> None:
    assert client.get("/repair-orders").status_code == 401
    wrong = client.get("/repair-orders", headers={"Authorization": "Bearer nope-nope-nope-nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    # A token shorter than 16 characters is never accepted, even if configured.
    assert (
        client.get("/repair-orders", headers={"Authorization": "Bearer tooshort"}).status_code
        == 401
    )
    assert client.get("/repair-orders", headers=AUTH).status_code == 200


def test_create_change_dispatch_read_and_cancel(
    client: TestClient, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = client.post("/repair-orders", json=ORDER, headers=AUTH)
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
        headers=AUTH,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["requests"] == "检查异响"
    assert [o["code"] for o in changed.json()["operations"]] == ["M010", "X1"]

    moved = client.post(f"/repair-orders/{ro}/dispatch", json={"bay": "B03"}, headers=AUTH)
    assert moved.status_code == 200 and moved.json()["bay"] == "B03"
    assert client.get(f"/repair-orders/{ro}", headers=AUTH).json()["status"] == "dispatched"
    listed = client.get("/repair-orders", params={"bay": "B03"}, headers=AUTH).json()
    assert [j["ro"] for j in listed] == [ro]

    bad_bay = client.post(f"/repair-orders/{ro}/dispatch", json={"bay": "Z99"}, headers=AUTH)
    assert bad_bay.status_code == 409 and bad_bay.json()["code"] == "unknown_bay"
    unknown_op = client.patch(
        f"/repair-orders/{ro}", json={"add_operations": [{"code": "NOPE"}]}, headers=AUTH
    )
    assert unknown_op.status_code == 422  # neither a catalogue code nor a whole operation

    gone = client.post(f"/repair-orders/{ro}/cancel", json={"reason": "客户取消"}, headers=AUTH)
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert client.get(f"/repair-orders/{ro}", headers=AUTH).json()["status"] == "cancelled"
    assert client.get("/repair-orders/RO-NOPE", headers=AUTH).status_code == 404
    again = client.post("/repair-orders", json={**ORDER, "ro": ro}, headers=AUTH)
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


def test_the_api_keeps_its_own_openapi_contract(api: FastAPI) -> None:
    """schemathesis draws requests from the API's own OpenAPI document, operation by
    operation, and checks every answer against it (no server errors, documented status
    codes and bodies)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6

    for operation in operations:

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=AUTH)

        check()
