"""Which documents print when: check-in prints the job ticket (on the workshop printer when
there is one), the key tag and the customer's pickup card; delivery prints the gate pass."""

from __future__ import annotations

import uuid
from datetime import datetime

from core.config import SiteConfig
from core.contract.printing import (
    Document,
    GatePass,
    JobTicket,
    KeyTag,
    PickupCard,
    PrintJob,
    TicketOperation,
)
from core.display.texts import text
from core.domain.model import Job


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
        job_type=text(f"job_type.{job.job_type.value}", "zh"),  # the tickets are in Chinese
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


def at_delivery(config: SiteConfig, job: Job, now: datetime) -> list[PrintJob]:
    gate = GatePass(
        site_name=config.site.name,
        ro=job.ro,
        plate=job.vehicle.plate,
        model=job.vehicle.model,
        colour=job.vehicle.colour,
        advisor=_advisor(config, job.advisor),
        delivered_at=job.delivered_at or now,
    )
    printed = _job(config, _printer(config, "desk"), gate, now)
    return [printed] if printed else []


def prints_for(
    config: SiteConfig, command: object, result: object, now: datetime
) -> list[PrintJob]:
    """The prints a successful command asks for."""
    from core.commands import CheckInCar, Deliver

    if isinstance(command, CheckInCar) and isinstance(result, Job):
        return at_check_in(config, result, now)
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
