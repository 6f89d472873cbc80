"""Which documents print when: check-in prints the job ticket (on the workshop printer when
there is one), the key tag and the customer's pickup card; delivery prints the delivery
summary (交车单) and the gate pass."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from core.config import SiteConfig
from core.contract.printing import (
    CustomerCopy,
    DeliverySummary,
    Document,
    GatePass,
    JobTicket,
    KeyTag,
    PickSlip,
    PickupCard,
    PrintJob,
    SummaryLine,
    SummarySection,
    TicketOperation,
)
from core.display.texts import Lang, text
from core.domain.events import DomainEvent, PartsRequested
from core.domain.model import FindingState, Job, PartsRequest, WalkAround
from core.domain.next_service import next_service
from core.domain.walkaround import Walked
from core.domain.workshop import Workshop
from core.views import qty

#: The printed documents are in Chinese, whatever the screens speak.
_TICKETS: Lang = "zh"


def _printer(config: SiteConfig, role: str) -> str | None:
    chosen = next((p.device for p in config.printers if p.role == role), None)
    return chosen or (config.printers[0].device if config.printers else None)


def _advisor(config: SiteConfig, advisor: str) -> str:
    """The name to print: the desk records the signed-in user's id, a dealer system may
    send a name, which stays as it is."""
    return next((u.name for u in config.users if u.id == advisor), advisor)


def _job(config: SiteConfig, printer: str | None, doc: Document, now: datetime) -> PrintJob | None:
    if printer is None:
        return None
    return PrintJob(
        print_id=f"{getattr(doc, 'ro', 'doc')}.{doc.document}.{uuid.uuid4().hex[:6]}",
        printer=printer,
        doc=doc,
        zone=config.site.timezone,
        created_at=now,
    )


def _job_ticket(config: SiteConfig, job: Job) -> JobTicket:
    return JobTicket(
        site_name=config.site.name,
        ro=job.ro,
        plate=job.vehicle.plate,
        model=job.vehicle.model,
        colour=job.vehicle.colour,
        vin_tail=job.vehicle.vin[-6:],
        mileage_km=job.vehicle.mileage_km,
        fuel_level=job.vehicle.fuel_level,
        advisor=_advisor(config, job.advisor),
        job_type=text(f"job_type.{job.job_type.value}", _TICKETS),
        promised_at=job.promised_at,
        operations=[
            TicketOperation(name=o.name, standard_hours=o.standard_hours) for o in job.operations
        ],
        requests=job.requests,
        wash=job.wash_requested,
        keep_old_parts=job.keep_old_parts,
        customer_waiting=job.customer_waiting,
    )


def _key_tag(config: SiteConfig, job: Job, tag: str) -> KeyTag:
    return KeyTag(
        ro=job.ro,
        plate=job.vehicle.plate,
        promised_at=job.promised_at,
        tag=tag,
        cabinet=config.key_cabinets[0].id if config.key_cabinets else "",
        slot=job.key_slot,
    )


def _pickup_card(config: SiteConfig, job: Job, public_token: str) -> PickupCard:
    return PickupCard(
        site_name=config.site.name,
        ro=job.ro,
        advisor=_advisor(config, job.advisor),
        advisor_phone=config.site.desk_phone,
        promised_at=job.promised_at,
        status_url=f"{config.web.link_base()}/status/{public_token}",
    )


def at_check_in(config: SiteConfig, job: Job, now: datetime) -> list[PrintJob]:
    desk = _printer(config, "desk")
    shop = _printer(config, "workshop")
    docs: list[tuple[str | None, Document]] = [(shop, _job_ticket(config, job))]
    if job.key_tag:
        docs.append((desk, _key_tag(config, job, job.key_tag)))
    if job.public_token:
        docs.append((desk, _pickup_card(config, job, job.public_token)))
    return [p for printer, doc in docs if (p := _job(config, printer, doc, now)) is not None]


def _t(key: str, **params: object) -> str:
    return text(key, _TICKETS, **params)


def _summary_sections(config: SiteConfig, job: Job, delivered: datetime) -> list[SummarySection]:
    """What was done and declined, the workshop's advice, the next service, the call."""
    after = config.aftercare
    due, due_km = next_service(
        delivered.date(), job.vehicle.mileage_km, after.next_service_months, after.next_service_km
    )
    found = job.findings
    approved = [f.title for f in found if f.state is FindingState.APPROVED]
    declined = [
        f.title for f in found if f.state is FindingState.DECLINED and not f.declined_safety
    ]
    advice = [r for c in job.checks if c.level == "leader" for r in c.recommendations]
    when = (
        _t("summary.next_service_at", day=due.isoformat(), km=f"{due_km:,}")
        if due_km is not None
        else _t("summary.next_service_on", day=due.isoformat())
    )
    sections = [
        (_t("summary.operations"), [o.name for o in job.operations]),
        (_t("summary.approved"), approved),
        (_t("summary.declined"), declined),
        (_t("summary.declined_safety"), [f.title for f in found if f.declined_safety]),
        (_t("summary.recommendations"), list(dict.fromkeys(advice))),
        (_t("summary.next_service"), [when]),
        (_t("summary.call_time"), [_t(f"call_time.{job.call_time.value}")]),
        (_t("summary.charges"), _charges(config, job)),
    ]
    return [SummarySection(title=title, lines=lines) for title, lines in sections if lines]


def _charges(config: SiteConfig, job: Job) -> list[str]:
    """The charges as the dealer system sent them and their total; none sent, none printed
    (Pitboard prices nothing of its own)."""
    if not job.prices:
        return []
    money = config.site.currency

    def amount(value: Decimal) -> str:
        return f"-{money}{-value:,.2f}" if value < 0 else f"{money}{value:,.2f}"

    lines = [f"{p.label} {amount(p.amount)}" for p in job.prices]
    return [
        *lines,
        _t("summary.total", amount=amount(sum((p.amount for p in job.prices), Decimal(0)))),
    ]


def delivery_summary(config: SiteConfig, job: Job, now: datetime) -> DeliverySummary:
    """The customer's delivery summary (交车单), in the tickets' language; a declined safety
    item asks for the customer's acknowledgement."""
    delivered = (job.delivered_at or now).astimezone(config.zone)
    mileage = job.vehicle.mileage_km
    facts = [
        (_t("summary.advisor"), _advisor(config, job.advisor) or "—"),
        (_t("summary.desk_phone"), config.site.desk_phone or "—"),
        (_t("summary.delivered_at"), f"{delivered:%Y-%m-%d %H:%M}"),
        (_t("summary.mileage"), "—" if mileage is None else f"{mileage:,} km"),
    ]
    unsafe = any(f.declined_safety for f in job.findings)
    return DeliverySummary(
        title=_t("summary.title"),
        site_name=config.site.name,
        ro=job.ro,
        plate=job.vehicle.plate,
        car=f"{job.vehicle.model} {job.vehicle.colour}".strip(),
        facts=[SummaryLine(label=label, value=value) for label, value in facts],
        sections=_summary_sections(config, job, delivered),
        acknowledgement=_t("summary.acknowledgement") if unsafe else "",
        signature=_t("summary.signature"),
    )


def at_delivery(config: SiteConfig, job: Job, now: datetime) -> list[PrintJob]:
    """The delivery summary and the gate pass, on the desk's printer."""
    desk = _printer(config, "desk")
    gate = GatePass(
        site_name=config.site.name,
        ro=job.ro,
        plate=job.vehicle.plate,
        model=job.vehicle.model,
        colour=job.vehicle.colour,
        advisor=_advisor(config, job.advisor),
        delivered_at=job.delivered_at or now,
    )
    docs: list[Document] = [delivery_summary(config, job, now), gate]
    return [p for doc in docs if (p := _job(config, desk, doc, now)) is not None]


def _walk_sections(walk: WalkAround) -> list[SummarySection]:
    """The marks where they are, what was left in the car, the papers: each says "none"
    rather than being left out, so the customer signs for an empty list too."""
    sheet = walk.sheet
    marks = [
        " ".join(x for x in (_t(f"zone.{m.zone.value}"), _t(f"mark.{m.kind.value}"), m.note) if x)
        for m in sheet.marks
    ]
    papers = [_t(f"car_document.{d.value}") for d in sheet.documents]
    none = [_t("copy.none")]
    return [
        SummarySection(title=_t("copy.marks"), lines=marks or [_t("copy.no_marks")]),
        SummarySection(title=_t("copy.belongings"), lines=list(sheet.belongings) or none),
        SummarySection(title=_t("copy.documents"), lines=papers or none),
    ]


def customer_copy(config: SiteConfig, job: Job, walk: WalkAround) -> CustomerCopy:
    """The customer's copy of the repair order (任务委托书客户联) with the walk-around it was
    signed with, in the tickets' language."""
    zone = config.zone
    mileage = walk.sheet.mileage_km
    facts = [
        (_t("copy.checked_in_at"), f"{job.checked_in_at.astimezone(zone):%Y-%m-%d %H:%M}"),
        (_t("copy.advisor"), _advisor(config, job.advisor) or "—"),
        (_t("copy.promised_at"), f"{job.promised_at.astimezone(zone):%m-%d %H:%M}"),
        (_t("copy.mileage"), f"{mileage:,} km"),
        (_t("copy.fuel"), _t(f"fuel.{walk.sheet.fuel_level}")),
    ]
    requests = [SummarySection(title=_t("copy.requests"), lines=[job.requests])]
    who = _advisor(config, walk.by.rpartition(":")[2])
    return CustomerCopy(
        title=_t("copy.title"),
        site_name=config.site.name,
        ro=job.ro,
        plate=job.vehicle.plate,
        car=f"{job.vehicle.model} {job.vehicle.colour}".strip(),
        facts=[SummaryLine(label=label, value=value) for label, value in facts],
        operations_title=_t("copy.operations"),
        operations=[
            TicketOperation(name=o.name, standard_hours=o.standard_hours) for o in job.operations
        ],
        sections=(requests if job.requests else []) + _walk_sections(walk),
        reminder=_t("copy.reminder"),
        signed=_t("copy.signed", at=f"{walk.at.astimezone(zone):%Y-%m-%d %H:%M}", by=who),
        acknowledgement=_t("copy.acknowledgement"),
        signature=_t("copy.signature"),
    )


def at_walk_around(config: SiteConfig, walked: Walked, now: datetime) -> list[PrintJob]:
    """The customer's copy on the desk's printer, for the customer to sign and keep."""
    doc = customer_copy(config, walked.job, walked.record)
    printing = _job(config, _printer(config, "desk"), doc, now)
    return [] if printing is None else [printing]


def _parts_printer(config: SiteConfig) -> str | None:
    """The parts counter's printer; without one, the workshop's, so the slip is not lost."""
    chosen = next((p.device for p in config.printers if p.role == "parts"), None)
    return chosen or _printer(config, "workshop")


def pick_slip(config: SiteConfig, job: Job, request: PartsRequest) -> PickSlip:
    """The parts counter's pick slip (领料单) of one request, in the tickets' language."""
    tech = next((t.name for t in config.technicians if t.id == request.tech), request.tech)
    return PickSlip(
        ro=job.ro,
        request_id=request.id,
        bay=request.bay,
        tech=tech,
        plate=job.vehicle.plate,
        model=f"{job.vehicle.model} {job.vehicle.colour}".strip(),
        requested_at=request.requested_at,
        lines=[SummaryLine(label=x.name, value=f"×{qty(x.qty)}") for x in request.lines],
        note=request.note,
        paused=request.paused,
    )


def prints_of_facts(
    config: SiteConfig, ws: Workshop, facts: Iterable[DomainEvent], now: datetime
) -> list[PrintJob]:
    """The prints a device's step asks for: a bay's parts request, its pick slip on the
    parts counter's printer."""
    out = []
    for fact in facts:
        if isinstance(fact, PartsRequested):
            job = ws.jobs[fact.ro]
            request = job.parts_request(fact.request)
            if request is not None:
                doc = pick_slip(config, job, request)
                printing = _job(config, _parts_printer(config), doc, now)
                out += [] if printing is None else [printing]
    return out


def prints_for(
    config: SiteConfig, command: object, result: object, now: datetime
) -> list[PrintJob]:
    """The prints a successful command asks for."""
    from core.commands import CheckInCar, Deliver, RecordWalkAround

    if isinstance(command, CheckInCar) and isinstance(result, Job):
        return at_check_in(config, result, now)
    if isinstance(command, RecordWalkAround) and isinstance(result, Walked):
        return at_walk_around(config, result, now)
    if isinstance(command, Deliver) and isinstance(result, Job):
        return at_delivery(config, result, now)
    return []


def previews(
    config: SiteConfig, store_rows: list[tuple[str, str, str, str]]
) -> list[tuple[str, str, str, str | None]]:
    """Recent prints with the URL of their preview where the printer is a virtual one."""
    virtual = {
        p.device: p.url.split("://", 1)[1].strip("/")
        for p in config.printers
        if p.url.startswith("virtual://")
    }
    out: list[tuple[str, str, str, str | None]] = []
    for print_id, printer, document, state in store_rows:
        name = virtual.get(printer)
        preview = f"/prints/{name}/{print_id}.png" if name and state == "done" else None
        out.append((print_id, document, state, preview))
    return out
