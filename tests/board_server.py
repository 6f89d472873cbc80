"""The boards served for a real browser: a busy workshop (12 bays, 30 cars in every stage)
on SQLite, the core without a broker (the pages need none).

    python -m tests.board_server DATA_DIR WEB_PORT [quiet] [printing]

``quiet``: no cars until a test brings one; ``printing``: the prints land on the site's
virtual printers, with their previews served at /prints as ``pitboard run`` serves them.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from nicegui import app, ui

from board.pages import register
from core.board_source import CoreBoardSource
from core.catalogue import parts_for
from core.commands import CheckHandover, CheckInCar, Deliver, Dispatch
from core.config import SiteConfig
from core.demo.busy import busy_config, fill
from core.domain.access import Scope
from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.model import (
    BAY_STATUSES,
    Customer,
    JobType,
    Operation,
    PartLine,
    Severity,
    Vehicle,
)
from core.domain.privacy import mask_plate
from core.domain.vocabulary import CallTime, HelpKind
from core.domain.workshop import CheckIn, NewFinding, Workshop
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from core.web import mount
from tests.helpers import demo_config
from tests.printing_desk import PrintingDesk


class Nowhere:
    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        pass

    def puback(self, token: object) -> None:
        pass

    def send_now(self) -> None:
        pass


#: The car /test/delivered brings: its key tag hung on the cabinet's slot 7, no wash.
DELIVERED_CAR = CheckIn(
    vehicle=Vehicle(plate="京A54321", model="别克 GL8", colour="白", mileage_km=42_000),
    customer=Customer(name="王先生", phone="13800138000"),
    operations=(Operation("M010", "小保养", 1.0, "Minor service"),),
    promised_at=datetime.now(UTC) + timedelta(hours=1),
    advisor="SA01",
    wash_requested=False,
    key_tag="TAG54321",
    key_slot=7,
)


def worked_and_checked(ws: Workshop, ro: str, begin: datetime) -> None:
    """At bay B01 from ``begin``: three findings (one approved, the safety one and an
    advisory one declined), the three checks by three people with the leader's advice,
    parked at P07 with the key back on its hook."""

    def at(minutes: int) -> datetime:
        return begin + timedelta(minutes=minutes)

    ws.key_in("TAG54321", "KC1", 7, at(0))
    ws.dispatch(ro, "B01", at(0))
    ws.sign_in("T002", "B01", at(1))
    ws.key_out("TAG54321", "KC1", 7, at(1), holder="T002")
    ws.start(ro, "T002", "B01", at(2))
    for fid, title, severity in FINDINGS:
        ws.report_finding(ro, "T002", "B01", NewFinding(fid, title, severity, 0.5, 120), at(5))
    ws.answer_finding(ro, "F1", True, "SA01", at(10))
    ws.answer_finding(ro, "F2", False, "SA01", at(10), "下次再换")
    ws.answer_finding(ro, "F3", False, "SA01", at(10))
    ws.self_check(ro, "T002", "B01", at(30))
    ws.sign_in("T001", "B01", at(31))
    ws.leader_check(ro, "T001", "B01", at(32), "", ("三个月后复查后刹车片", "建议更换雨刮片"))
    ws.sign_in("Q001", "Q01", at(33))
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(JobType.REPAIR), spot="P07")
    ws.key_in("TAG54321", "KC1", 7, at(41))


FINDINGS = (
    ("F1", "空调滤芯脏堵", Severity.RECOMMENDED),
    ("F2", "后刹车片磨损超限", Severity.SAFETY),
    ("F3", "雨刮片老化", Severity.ADVISORY),
)


def round_the_clock(cfg: SiteConfig) -> SiteConfig:
    """The site open day and night: the cars are checked in and worked at the hour the
    tests run, so what the pages show of them (which are at risk, the Gantt's day) does not
    depend on that hour."""
    site = cfg.site.model_copy(
        update={"opens_at": time(0, 0), "shift_ends": [time(0, 0)], "breaks": []}
    )
    return cfg.model_copy(update={"site": site})


def main() -> None:
    data, web_port = Path(sys.argv[1]), int(sys.argv[2])
    quiet, printing = "quiet" in sys.argv[3:], "printing" in sys.argv[3:]
    cfg = round_the_clock(busy_config(demo_config(data_dir=str(data)), bays=12))
    engine = make_engine(sqlite_url(data))
    migrate(engine)
    desk = PrintingDesk(cfg) if printing else None
    core = Core(cfg, Store(engine, cfg.site.id), desk or Nowhere())
    if desk is not None:
        desk.core = core
        mount(app, cfg, core, lambda: True)
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

    @app.post("/test/parts")
    def parts() -> dict[str, list[str]]:
        """Four bays at work ask the parts counter for their jobs' usual parts, some
        minutes apart, as their kiosks would: the counter has picked one, has another
        not in stock until tomorrow and one ready; one bay pauses its clock for them."""

        def ask(ws: Workshop, now: datetime) -> list[str]:
            at_bays = [
                (j, here[0].id)
                for j in sorted(ws.jobs_in(BAY_STATUSES), key=lambda j: j.ro)
                if (here := ws.signed_in_at(j.bay or ""))
            ]
            asked = []
            for n, ((job, tech), ago) in enumerate(zip(at_bays, (27, 14, 8, 3), strict=False)):
                bay = job.bay or ""
                usual = parts_for(op.code for op in job.operations)[:3]
                lines = [PartLine(p.name_zh, p.qty, p.code) for p in usual]
                lines = lines or [PartLine("左前门内饰卡扣", 6)]
                rid = f"PR-BROWSER-{n}"
                at = now - timedelta(minutes=ago)
                ws.request_parts((job.ro, tech, bay), rid, lines, at, pause=True)
                asked.append(rid)
                if n == 0:
                    ws.pick_parts(job.ro, rid, "parts:PC01", at + timedelta(minutes=4))
                if n == 1:
                    tomorrow = now + timedelta(days=1)
                    ws.parts_not_in_stock(job.ro, rid, "parts:PC01", at, tomorrow)
                if n == 3:
                    ws.parts_ready(job.ro, rid, "parts:PC01", now)
            return asked

        return {"requests": core.query(ask)}

    @app.post("/test/help-call")
    def help_call() -> dict[str, str]:
        """Two bays call for help as their kiosks would: one for a diagnostic expert seven
        minutes ago, unanswered (gone up to the foreman); one for QC, answered."""

        def call(ws: Workshop, now: datetime) -> str:
            working = sorted(
                (j for j in ws.open_jobs() if j.working_techs() and j.bay), key=lambda j: j.ro
            )
            first, second = working[0], working[1]
            tech, bay = first.working_techs()[0], first.bay or ""
            late = now - timedelta(minutes=7)
            diag = ws.call_help(bay, tech, HelpKind.DIAGNOSTIC, late, "发动机故障灯亮，读不出码")
            ws.escalate_help(now)
            qc = ws.call_help(second.bay or "", second.working_techs()[0], HelpKind.QC, now)
            ws.acknowledge_help(qc.id, "qc:QC01", now)
            return diag.id

        return {"call": core.query(call)}

    @app.post("/test/delivered")
    def delivered() -> dict[str, str]:
        """A car worked, its safety finding declined, checked by three people, handed over
        by its advisor and delivered at the desk: the delivery summary and the gate pass
        print."""
        now = datetime.now(UTC)
        job = core.run_command(CheckInCar(DELIVERED_CAR), "advisor:SA01")
        core.query(lambda ws, _now: worked_and_checked(ws, job.ro, now - timedelta(hours=2)))
        core.run_command(CheckHandover(job.ro, all_ticked(job)), "advisor:SA01")
        at_the_desk = Deliver(job.ro, call_time=CallTime.EVENING, presented="京A54321")
        core.run_command(at_the_desk, "advisor:SA01")
        return {"ro": job.ro}

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
