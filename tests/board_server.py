"""The boards served for a real browser: a busy workshop (12 bays, 30 cars in every stage)
on SQLite, the core without a broker (the pages need none).

    python -m tests.board_server DATA_DIR WEB_PORT
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nicegui import app, ui

from board.pages import register
from core.board_source import CoreBoardSource
from core.commands import CheckInCar, Dispatch
from core.demo.busy import busy_config, fill
from core.domain.access import Scope
from core.domain.model import Customer, Operation, Severity, Vehicle
from core.domain.privacy import mask_plate
from core.domain.workshop import CheckIn, NewFinding, Workshop
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.helpers import demo_config


class Nowhere:
    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        pass

    def puback(self, token: object) -> None:
        pass


def main() -> None:
    data, web_port = Path(sys.argv[1]), int(sys.argv[2])
    quiet = len(sys.argv) > 3 and sys.argv[3] == "quiet"  # no cars until a test brings one
    cfg = busy_config(demo_config(data_dir=str(data)), bays=12)
    engine = make_engine(sqlite_url(data))
    migrate(engine)
    core = Core(cfg, Store(engine, cfg.site.id), Nowhere())
    core.start()
    if not quiet:
        fill(core, 30, datetime.now(UTC))
    register(CoreBoardSource(core))
    app.on_shutdown(core.stop)

    @app.post("/test/dispatch-first")
    def dispatch_first() -> dict[str, str]:
        """The foreman's dispatch of the first waiting car to the first bay, as a test's
        way to change the workshop while browsers watch."""
        ro = core.dispatch_view.waiting_dispatch[0] if core.dispatch_view else ""
        job = core.ws.job(ro)
        bay = cfg.bays[0].id
        core.run_command(Dispatch(ro, bay, None), "foreman:F001")
        return {"ro": ro, "bay": bay, "plate": mask_plate(job.vehicle.plate)}

    @app.post("/test/check-in")
    def check_in() -> dict[str, str]:
        """A car checked in at the desk, waiting for dispatch."""
        now = datetime.now(UTC)
        order = CheckIn(
            vehicle=Vehicle(plate="京A54321", model="别克 GL8", colour="白"),
            customer=Customer(),
            operations=(Operation("M010", "小保养", 1.0, "Minor service"),),
            promised_at=now + timedelta(hours=3),
        )
        job = core.run_command(CheckInCar(order), "advisor:SA01")
        return {"ro": job.ro}

    @app.post("/test/finding")
    def finding() -> dict[str, str]:
        """A technician at work reports a finding on an advisor's car, as a kiosk would."""

        def report(ws: Workshop, now: datetime) -> str:
            job = next(j for j in sorted(ws.open_jobs(), key=lambda j: j.ro) if j.working_techs())
            tech, bay = job.working_techs()[0], job.bay or ""
            found = NewFinding("F-BROWSER", "前刹车片磨损超限", Severity.SAFETY, 1.0, 380)
            ws.report_finding(job.ro, tech, bay, found, now)
            return job.ro

        ro = core.query(report)
        return {"ro": ro, "title": "前刹车片磨损超限"}

    # The test's own hooks above are behind the boards' guard like every route: the test
    # calls them with a token.
    _, token = core.access.create_token("test", Scope.WRITE, by="test")
    print("READY", token, flush=True)
    ui.run(
        host="127.0.0.1",
        port=web_port,
        reload=False,
        show=False,
        title="board test",
        storage_secret="board-test-secret",
    )


if __name__ == "__main__":
    main()
