"""A site with data in every table, and what a database holds, for comparing two of them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from core.access import Access
from core.commands import (
    AnswerFinding,
    BookAppointment,
    CheckInCar,
    Dispatch,
    RecordFollowUp,
    RecordWalkAround,
)
from core.config import bays_from_config, technicians_from_config
from core.domain.access import Scope
from core.domain.appointment import Booking
from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.model import Customer, FollowUpOutcome, Operation, Vehicle
from core.domain.workshop import Workshop
from core.engine import Core
from core.engine.group_facts import fact, site_facts
from core.store.access import AccessStore
from core.store.codec import appointment_to_doc, job_to_doc, tech_to_doc
from core.store.group_outbox import GroupWrite, write_group
from core.store.report_days import roll
from core.store.repository import Store
from core.store.tables import Base
from tests.helpers import FakeBus, Kiosk, checked_in_and_dispatched, demo_config, order, settle
from tests.walkaround_samples import sheet

BRAKES: dict[str, Any] = {
    "finding_id": "F-brakes",
    "title": "前刹车片磨损超限",
    "severity": "safety",
    "labor_hours": 1.0,
    "parts_estimate": 380,
    "note": "剩余 2mm",
}


def busy_site(core: Core, bus: FakeBus, engine: Engine) -> str:
    """Check-ins (with their prints), a walk-around, a job at work and paused, parts asked
    for, a help call, a car delivered whose call opened a complaint, a refused tap, a
    booking, a session and two API tokens, one revoked: a row in every table the core
    writes."""
    ro = checked_in_and_dispatched(core)
    core.run_command(RecordWalkAround(ro, sheet()), actor="advisor:SA01")
    core.run_command(BookAppointment(tomorrows_booking(core)), actor="advisor:SA02")
    core.run_command(CheckInCar(order("沪B67890", hours=2.5)), actor="advisor:SA01")
    k = Kiosk("kiosk-b03", "B03")
    taps = [
        ("tech.signed_in", {}),
        ("job.started", {"job": ro}),
        ("job.paused", {"job": ro, "reason": "waiting_parts"}),
        ("job.started", {"job": "RO-nope"}),
        ("job.resumed", {"job": ro}),
        ("job.finding", {"job": ro, **BRAKES}),
        ("parts.requested", {"job": ro, "request_id": "PR-1", "lines": [{"name": "刹车片"}]}),
        ("help.called", {"kind": "parts", "note": "缺刹车片"}),  # a help call, left open
    ]
    for type_, kw in taps:
        core.on_message(*k.event(type_, **kw), token=None)
    settle(core, bus, len(taps))
    core.run_command(AnswerFinding(ro, BRAKES["finding_id"], True, "客户电话同意"), "advisor:SA01")
    complained_of(core)
    access = Access(AccessStore(engine, "demo"), demo_config().web)
    access.open_session("F001", "foreman", "192.168.10.21")
    access.create_token("dms", Scope("read"), by="cli:test")
    gone, _ = access.create_token("grafana", Scope("read"), by="cli:test")
    access.revoke_token(gone.id, by="cli:test")
    # A fact for the dealer group's head office, not yet acknowledged.
    with engine.begin() as conn:
        told = GroupWrite(facts=[fact(site_facts(core.config))])
        write_group(conn, "demo", told, core.clock())
    # Yesterday's report sums, kept (today's wait for its running clock to stop).
    zone, today = core.config.zone, core.clock().astimezone(core.config.zone).date()
    yesterday = (_midnight(today - timedelta(days=1), zone), _midnight(today, zone))
    with engine.begin() as conn:
        assert roll(conn, "demo", yesterday, core.clock(), zone)
    return ro


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def complained_of(core: Core) -> str:
    """A car worked, checked, handed over and delivered, whose follow-up call opened a
    complaint (an aftercare row)."""
    order_ = order("沪D24680", wash_requested=False)
    ro = core.run_command(CheckInCar(order_), actor="advisor:SA01").ro
    core.run_command(Dispatch(ro, "B05"), actor="foreman:F001")

    def through(ws: Workshop, now: datetime) -> None:
        ws.sign_in("T006", "B05", now)
        ws.start(ro, "T006", "B05", now)
        ws.self_check(ro, "T006", "B05", now)
        ws.sign_in("Q001", "Q01", now)
        ws.leader_check(ro, "Q001", "Q01", now)
        ws.qc_pass(ro, "Q001", "Q01", now, complete(ws.jobs[ro].job_type))
        ws.check_handover(ro, all_ticked(ws.jobs[ro]), "SA01", now)
        ws.deliver(ro, now)

    core.query(through)
    outcome = FollowUpOutcome.COMPLAINT
    core.run_command(RecordFollowUp(ro, outcome, "价格偏高", ("price",)), actor="advisor:SA01")
    return ro


def tomorrows_booking(core: Core) -> Booking:
    """A car booked for ten the next morning (a free slot of SA02's)."""
    zone = core.config.zone
    day = core.clock().astimezone(zone).date() + timedelta(days=1)
    return Booking(
        customer=Customer("李女士", "13900139000"),
        vehicle=Vehicle("沪C55555", model="丰田 凯美瑞"),
        operations=(Operation("M010", "小保养", 1.0),),
        start=datetime.combine(day, time(10, 0), zone),
        advisor="SA02",
    )


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through the model (times as aware UTC), by key."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order_by = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order_by))]
    return out


def workshop_of(engine: Engine) -> dict[str, Any]:
    """The live workshop the core would load from the database, as documents."""
    cfg = demo_config()
    ws = Store(engine, "demo").load_workshop(bays_from_config(cfg), technicians_from_config(cfg))
    return {
        "jobs": {ro: job_to_doc(j) for ro, j in ws.jobs.items()},
        "techs": {t: tech_to_doc(s) for t, s in ws.tech_states.items()},
        "counters": dict(ws.counters),
        "appointments": {a: appointment_to_doc(x) for a, x in ws.appointments.items()},
        "help_calls": {c: repr(call) for c, call in ws.help_calls.items()},
    }
