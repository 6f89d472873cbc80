"""Health check, Prometheus metrics and JSON log lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from core.engine import Core
from core.logs import JsonFormatter
from core.web import mount
from tests.helpers import FakeBus, Kiosk, checked_in_and_dispatched, demo_config, settle
from tests.waiting import wait_until


def test_healthz_and_metrics(core: Core, bus: FakeBus) -> None:
    connected = [True]
    state = ["connected"]
    app = FastAPI()
    mount(app, demo_config(), core, lambda: connected[0], lambda: state[0])
    client = TestClient(app)
    assert client.get("/healthz").json() == {
        "status": "ok",
        "broker": True,
        "broker_state": "connected",
        "database": True,
        "queue": 0,
    }
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T002"), token=None)
    core.on_message(*k.event("job.started", job="RO-NOPE", tech="T002"), token=None)
    core.on_message(*k.event("job.started", job=ro, tech="T002"), token=None)
    core.on_message(
        "pitboard/demo/dev/kiosk-b03/status", b'{"v":1,"online":true,"outbox":3}', token=None
    )
    settle(core, bus, 3)
    text = client.get("/metrics").text
    assert 'pitboard_events_total{code="",result="applied"} 2.0' in text
    assert 'pitboard_events_total{code="unknown_job",result="rejected"} 1.0' in text
    assert 'pitboard_devices_online{kind="kiosk"} 1.0' in text
    assert 'pitboard_device_outbox{device="kiosk-b03"} 3.0' in text
    assert 'pitboard_ingest_lag_seconds_total{part="count"} 4.0' in text
    assert "pitboard_broker_connected 1.0" in text
    connected[0], state[0] = False, "refused: not authorized"
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["status"] == "degraded"
    assert down.json()["broker_state"] == "refused: not authorized"


def test_json_log_lines(tmp_path: Path) -> None:
    record = logging.LogRecord(
        "core.engine", logging.WARNING, __file__, 1, "rejected %s", ("x",), None
    )
    line = json.loads(JsonFormatter().format(record))
    assert (
        line["level"] == "warning"
        and line["msg"] == "rejected x"
        and line["logger"] == "core.engine"
    )


def test_healthz_says_degraded_while_nothing_can_be_stored(
    core: Core, bus: FakeBus, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    app = FastAPI()
    mount(app, demo_config(), core, lambda: True, lambda: "connected")
    client = TestClient(app)
    real_commit = core.store.commit
    full = [True]

    def commit(*args: object) -> None:
        if full[0]:
            raise OperationalError("INSERT …", {}, Exception("database or disk is full"))
        real_commit(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(core.store, "commit", commit)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T002"), token=None)
    wait_until(lambda: core.store_problem, "the failed commit noticed", timeout=10)
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["status"] == "degraded"
    assert down.json()["database"] is True  # reachable, and still nothing can be stored
    assert "disk is full" in down.json()["storing"]
    assert bus.acks("kiosk-b03") == [], "acknowledged what was not stored"

    full[0] = False  # space again: the waiting batch goes in, and the core is healthy
    settle(core, bus, 1)
    assert bus.acks("kiosk-b03")[0]["result"] == "applied"
    wait_until(lambda: client.get("/healthz").status_code == 200, "healthy again", timeout=10)
