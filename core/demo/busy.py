"""A busy workshop for screenshots and benchmarks: many bays, cars in every stage.

Check-in and dispatch go through the command path; the technicians' taps are put in
straight on the domain with times in the past, so the day already has a history to draw.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.catalogue import operations
from core.commands import CheckInCar
from core.config import BayConfig, KioskConfig, SiteConfig, TechnicianConfig
from core.domain.inspection import complete
from core.domain.model import Customer, PauseReason, Severity, Vehicle
from core.domain.vocabulary import BayKind
from core.domain.workshop import CheckIn, NewFinding, Workshop
from core.engine import Core

PLATES = ["京A", "京N", "沪A", "粤B", "浙A", "苏E", "川A", "鄂A", "津C", "渝B"]
MODELS = [
    ("别克 GL8", "白"),
    ("大众 帕萨特", "黑"),
    ("丰田 凯美瑞", "银"),
    ("本田 雅阁", "灰"),
    ("比亚迪 汉", "蓝"),
    ("奥迪 A6L", "黑"),
    ("宝马 5系", "白"),
    ("日产 轩逸", "红"),
]
OPS = ["M010", "M020", "B010", "M030", "E030", "T010"]
#: The busy site has general bays only: its alignment work is sent to them, forced, with
#: this reason (kept only where the work needs another kind of bay).
NO_ALIGNMENT_BAY = "本店无四轮定位工位，在普通工位完成"


def busy_config(base: SiteConfig, bays: int) -> SiteConfig:
    """``bays`` general bays, a technician and a kiosk at each, plus the QC and wash bays."""
    general = [
        BayConfig(
            id=f"B{n:02d}", name=f"{n}号工位", kind=BayKind.GENERAL, team="A" if n % 2 else "B"
        )
        for n in range(1, bays + 1)
    ]
    stations = [b for b in base.bays if b.kind in (BayKind.QC, BayKind.WASH)]
    techs = list(base.technicians) + [
        TechnicianConfig(id=f"T{100 + n}", name=f"技师{n:02d}", team="A" if n % 2 else "B")
        for n in range(1, bays + 1)
    ]
    kiosks = [KioskConfig(device=f"kiosk-{b.id.lower()}", bay=b.id) for b in general + stations]
    return base.model_copy(
        update={"bays": general + stations, "technicians": techs, "kiosks": kiosks}
    )


def _known(code: str) -> str:
    return code if code in operations() else next(iter(operations()))


def orders(cars: int, now: datetime) -> list[CheckIn]:
    """``cars`` repair orders, promised a quarter of an hour apart."""
    catalogue = operations()
    out = []
    for i in range(cars):
        model, colour = MODELS[i % len(MODELS)]
        op = catalogue[_known(OPS[i % len(OPS)])]
        out.append(
            CheckIn(
                vehicle=Vehicle(
                    plate=f"{PLATES[i % len(PLATES)]}{(37 * i + 10007) % 100000:05d}",
                    model=model,
                    colour=colour,
                ),
                customer=Customer(name=f"客户{i:02d}", phone=f"139{i:08d}"),
                operations=(op.to_operation(),),
                promised_at=now + timedelta(minutes=40 + 15 * i),
                customer_waiting=i % 5 == 0,
                wash_requested=i % 3 != 0,
                public_token=f"busy-token-{i:04d}",
                advisor=("SA01", "SA02")[i % 2],  # each advisor's own cars
            )
        )
    return out


def fill(core: Core, cars: int, now: datetime) -> list[str]:
    """Check ``cars`` cars in and spread them over the stages; returns their orders."""
    ros = [core.run_command(CheckInCar(o), "advisor:SA01").ro for o in orders(cars, now)]
    general = [b.id for b in core.config.bays if b.kind == BayKind.GENERAL]
    core.query(lambda ws, _now: spread(ws, ros, general, now))
    core.republish()
    return ros


def spread(ws: Workshop, ros: list[str], general: list[str], now: datetime) -> None:
    """The checked-in cars over the stages: a tenth waiting for dispatch, the rest
    dispatched in turn to the general bays, at work, paused, with findings, through the
    checks, the wash and ready for pickup, with the day's history behind them."""
    for i, ro in enumerate(ros):
        stage = i % 10
        if stage == 9:
            continue  # waiting for dispatch
        bay = general[i % len(general)]
        tech = f"T{101 + i % len(general)}"  # busy_config's technician of that bay
        begin = now - timedelta(minutes=20 + 7 * (i % 9))
        ws.dispatch(ro, bay, begin - timedelta(minutes=10), force=True, reason=NO_ALIGNMENT_BAY)
        state = ws.tech_states.get(tech)
        if stage in (7, 8) or (state is not None and state.active_job):
            continue  # queued behind the bay's current job
        if state is None or state.bay != bay:
            ws.sign_in(tech, bay, begin - timedelta(minutes=5))
        ws.start(ro, tech, bay, begin)
        if stage == 1:
            ws.pause(ro, tech, bay, PauseReason.WAITING_PARTS, begin + timedelta(minutes=12))
        elif stage == 2:
            ws.report_finding(
                ro,
                tech,
                bay,
                NewFinding(f"{ro}-F1", "前刹车片磨损超限", Severity.SAFETY, 1.0, 380),
                begin + timedelta(minutes=8),
            )
            ws.pause(ro, tech, bay, PauseReason.WAITING_APPROVAL, begin + timedelta(minutes=9))
        elif stage in (3, 4, 5, 6):
            ws.self_check(ro, tech, bay, begin + timedelta(minutes=15))
            if stage >= 4:
                ws.sign_in("T001", bay, begin + timedelta(minutes=16))
                ws.leader_check(ro, "T001", bay, begin + timedelta(minutes=17))
                ws.sign_out("T001", bay, begin + timedelta(minutes=17))
            if stage >= 5:
                ws.sign_in("Q001", "Q01", begin + timedelta(minutes=18))
                done = complete(ws.jobs[ro].job_type)
                ws.qc_pass(ro, "Q001", "Q01", begin + timedelta(minutes=19), done)
            if stage == 6 and ws.jobs[ro].wash_requested:
                ws.sign_in("W001", "W01", begin + timedelta(minutes=19))
                ws.wash_start(ro, "W001", "W01", begin + timedelta(minutes=19))
                ws.wash_done(ro, "W001", "W01", begin + timedelta(minutes=20))
