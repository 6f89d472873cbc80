"""Health check, Prometheus metrics and JSON log lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.engine import Core
from core.logs import JsonFormatter
from core.web import mount
from tests.helpers import FakeBus, Kiosk, checked_in_and_dispatched, demo_config, settle


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
