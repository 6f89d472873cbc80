"""From a validated wire event to one step of the domain, with the device's rights checked."""

from __future__ import annotations

from datetime import UTC

from core.config import SiteConfig
from core.contract.messages import (
    BRIDGE_TYPES,
    KIOSK_TYPES,
    Event,
    FindingData,
    KeyData,
    PauseData,
    QcFailedData,
)
from core.domain.errors import DomainError, WrongBay
from core.domain.model import PauseReason, Severity
from core.domain.workshop import NewFinding, Workshop


class Refused(DomainError):
    """The device may not send this event (wrong kind of device, unknown device)."""


def authorize(config: SiteConfig, device: str, event: Event) -> None:
    """The topic's device is the MQTT user; what it may say comes from the site config."""
    env = event.envelope
    if env.source != device:
        raise Refused(
            f"event source {env.source!r} is not the publishing device {device!r}",
            code="source_mismatch",
        )
    kind = config.device_kind(device)
    if kind is None:
        raise Refused(f"device {device!r} is not in the site configuration", code="unknown_device")
    if env.type in KIOSK_TYPES:
        if kind != "kiosk":
            raise Refused(f"{env.type} comes from a bay kiosk, not a {kind}", code="not_permitted")
        bay = config.kiosk_bay(device)
        if env.bay != bay:
            raise WrongBay(f"kiosk {device} stands at bay {bay}, not {env.bay}")
    elif env.type in BRIDGE_TYPES and kind != "bridge":
        raise Refused(
            f"{env.type} comes from the devices bridge, not a {kind}", code="not_permitted"
        )


def apply_event(ws: Workshop, event: Event) -> str | None:
    """Apply one authorised event; raises DomainError if the workshop refuses it.

    Returns the repair order the event concerned: the envelope's, or for a key read the
    order whose tag it was (the reader knows tags, not orders).
    """
    env = event.envelope
    at = env.ts.astimezone(UTC)
    bay, ro, tech = env.bay or "", env.job or "", env.tech or ""
    data = event.data
    match env.type:
        case "tech.signed_in":
            ws.sign_in(tech, bay, at)
        case "tech.signed_out":
            ws.sign_out(tech, bay, at)
        case "job.started":
            ws.start(ro, tech, bay, at)
        case "job.resumed":
            ws.resume(ro, tech, bay, at)
        case "job.paused":
            assert isinstance(data, PauseData)
            ws.pause(ro, tech, bay, PauseReason(data.reason), at)
        case "job.finding":
            assert isinstance(data, FindingData)
            ws.report_finding(
                ro,
                tech,
                bay,
                NewFinding(
                    id=data.finding_id,
                    title=data.title,
                    severity=Severity(data.severity),
                    labor_hours=data.labor_hours,
                    parts_estimate=data.parts_estimate,
                    note=data.note,
                ),
                at,
            )
        case "job.self_checked":
            ws.self_check(ro, tech, bay, at)
        case "job.leader_checked":
            ws.leader_check(ro, tech, bay, at)
        case "qc.passed":
            ws.qc_pass(ro, tech, bay, at)
        case "qc.failed":
            assert isinstance(data, QcFailedData)
            ws.qc_fail(ro, tech, bay, list(data.items), at)
        case "wash.started":
            ws.wash_start(ro, tech, bay, at)
        case "wash.done":
            ws.wash_done(ro, tech, bay, at)
        case "key.in":
            assert isinstance(data, KeyData)
            return ws.key_in(data.tag, data.cabinet, data.slot, at, ro=env.job).ro
        case "key.out":
            assert isinstance(data, KeyData)
            return ws.key_out(
                data.tag, data.cabinet, data.slot, at, holder=data.holder or env.tech, ro=env.job
            ).ro
        case "print.done" | "print.failed":
            # Print results change no job; they are audit-logged and shown as device health.
            if env.job:
                ws.job(env.job)
        case _:  # pragma: no cover - the contract lists every type
            raise DomainError(f"unhandled event type {env.type}")
    return env.job
