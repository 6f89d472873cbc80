"""What the core serves over HTTP besides its pages: the integration API, a health check
for the supervisor and Prometheus metrics."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from core.api import build_api
from core.config import SiteConfig
from core.engine import Core

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


class CoreCollector(Collector):
    """Read at scrape time from the core's own counters: nothing to keep in step."""

    def __init__(self, core: Core, broker_connected: Any) -> None:
        self.core = core
        self.broker_connected = broker_connected

    def collect(self) -> Iterator[Metric]:
        c = self.core.counters
        events = CounterMetricFamily(
            "pitboard_events", "Device events by result", labels=["result", "code"]
        )
        events.add_metric(["applied", ""], c.applied)
        events.add_metric(["duplicate", ""], c.duplicate)
        events.add_metric(["held", ""], c.held)
        for code, n in sorted(c.rejected.items()):
            events.add_metric(["rejected", code], n)
        yield events
        yield CounterMetricFamily("pitboard_batches", "Committed batches", value=c.batches)
        yield CounterMetricFamily(
            "pitboard_commit_failures", "Failed commits (retried)", value=c.commit_failures
        )
        lag = CounterMetricFamily(
            "pitboard_ingest_lag_seconds", "Arrival to commit of device events", labels=["part"]
        )
        lag.add_metric(["sum"], c.ingest_lag_sum)
        lag.add_metric(["count"], c.ingest_lag_count)
        yield lag
        views = CounterMetricFamily(
            "pitboard_view_publish_seconds", "Building and publishing the views", labels=["part"]
        )
        views.add_metric(["sum"], c.view_publish_sum)
        views.add_metric(["count"], c.view_publish_count)
        yield views
        yield GaugeMetricFamily(
            "pitboard_ingest_queue", "Events and commands waiting", value=self.core.queue_depth()
        )
        devices = list(self.core.devices.values())
        online = GaugeMetricFamily("pitboard_devices_online", "Connected devices", labels=["kind"])
        for kind in sorted({d.kind for d in devices}):
            online.add_metric([kind], sum(1 for d in devices if d.kind == kind and d.online))
        yield online
        outbox = GaugeMetricFamily(
            "pitboard_device_outbox", "Unacknowledged events a device reports", labels=["device"]
        )
        for d in sorted(devices, key=lambda d: d.device):
            if d.outbox is not None:
                outbox.add_metric([d.device], d.outbox)
        yield outbox
        yield GaugeMetricFamily(
            "pitboard_broker_connected",
            "1 while the core is connected",
            value=self.broker_connected(),
        )
        yield from _group_metrics(self.core)


def _group_metrics(core: Core) -> Iterator[Metric]:
    """The group feed's outbox, when the site feeds a dealer group."""
    if core.group_relay is None:
        return
    try:
        state = core.group_relay.status()
    except Exception:  # the database away: /healthz says so
        return
    yield GaugeMetricFamily(
        "pitboard_group_waiting",
        "Group facts not yet acknowledged by head office",
        value=state["waiting"],
    )
    yield GaugeMetricFamily(
        "pitboard_group_acknowledged",
        "The last seq head office acknowledged",
        value=state["acknowledged"],
    )
    yield GaugeMetricFamily(
        "pitboard_group_oldest_waiting_seconds",
        "Age of the oldest unacknowledged group fact",
        value=state["oldest_waiting_seconds"] or 0.0,
    )
    yield GaugeMetricFamily(
        "pitboard_group_connected",
        "1 while the group feed's relay is connected to the site's broker",
        value=1 if state["connected"] else 0,
    )
    yield GaugeMetricFamily(
        "pitboard_group_head_office_up",
        "1 while the site broker's bridge to head office is connected, 0 while it is not, "
        "-1 where the site broker does not say (no bridge)",
        value={"up": 1, "down": 0}.get(state["head_office"], -1),
    )


def health(
    core: Core, broker_connected: Any, broker_state: Callable[[], str] | None
) -> JSONResponse:
    """/healthz: 200 while the core reaches the broker and can store what comes, else 503."""
    try:
        with core.store.engine.connect() as conn:
            conn.execute(text("select 1"))
        database = True
    except Exception:
        database = False
    broker = bool(broker_connected())
    # Reaching the database is not enough: the core must be able to store what comes.
    problem = core.store_problem
    ok = database and broker and problem is None
    body: dict[str, object] = {
        "status": "ok" if ok else "degraded",
        "broker": broker,
        "database": database,
        "queue": core.queue_depth(),
    }
    if problem is not None:
        body["storing"] = problem
    if broker_state is not None:
        # e.g. "reconnecting in 4 s (no connection)", "refused: not authorized"
        body["broker_state"] = broker_state()
    if core.group_relay is not None:
        # Shown, never a reason for 503: the site works on while head office is away.
        try:
            body["group"] = core.group_relay.status()
        except Exception as exc:
            body["group"] = {"error": type(exc).__name__}
    return JSONResponse(body, status_code=200 if ok else 503)


def mount(
    app: FastAPI,
    config: SiteConfig,
    core: Core,
    broker_connected: Any,
    broker_state: Callable[[], str] | None = None,
) -> None:
    """Add /api/v1, /healthz and /metrics to the core's web app."""
    app.mount("/api/v1", build_api(core))
    registry = CollectorRegistry()
    registry.register(CoreCollector(core, lambda: 1 if broker_connected() else 0))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return health(core, broker_connected, broker_state)

    prints = Path(config.data_dir) / "prints"

    @app.get("/prints/{printer}/{name}", include_in_schema=False)
    def print_preview(printer: str, name: str) -> Response:
        """Previews a virtual printer keeps (same machine as the bridge, as in the demo)."""
        if not (_SAFE.match(printer) and _SAFE.match(name) and name.endswith(".png")):
            return Response(status_code=404)
        path = prints / printer / name
        if not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type="image/png")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
