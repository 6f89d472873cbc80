"""From a validated wire event to one step of the domain, with the device's rights checked."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.config import SiteConfig
from core.contract.events import BY_TYPE
from core.contract.messages import Event
from core.domain.errors import DomainError, WrongBay
from core.domain.workshop import Workshop


class Refused(DomainError):
    """The device may not send this event (wrong kind of device, unknown device)."""


def authorize(config: SiteConfig, device: str, kind: str | None, event: Event) -> None:
    """The topic's device is the MQTT user; what it may say comes from the site config
    (``kind``: the device's there, None for a device it does not know)."""
    env = event.envelope
    if env.source != device:
        raise Refused(
            f"event source {env.source!r} is not the publishing device {device!r}",
            code="source_mismatch",
        )
    if kind is None:
        raise Refused(f"device {device!r} is not in the site configuration", code="unknown_device")
    senders = BY_TYPE[env.type].senders
    if kind not in senders:
        raise Refused(
            f"{env.type} comes from a {' or '.join(sorted(senders))}, not a {kind}",
            code="not_permitted",
        )
    if kind == "kiosk":
        bay = config.kiosk_bay(device)
        if env.bay != bay:
            raise WrongBay(f"kiosk {device} stands at bay {bay}, not {env.bay}")


#: How far ahead of the core's clock a device's clock may run: more is a clock to fix, not
#: a tap to apply at a time that has not come yet.
FUTURE_SLACK = timedelta(minutes=5)


def check_time(event: Event, received_at: datetime) -> None:
    """An event dated after it arrived (beyond a few minutes of clock drift) is refused."""
    ahead = event.envelope.ts - received_at
    if ahead > FUTURE_SLACK:
        raise Refused(
            f"event dated {ahead.total_seconds():.0f} s after it arrived: the device's clock"
            " is ahead",
            code="future_timestamp",
        )


def apply_event(ws: Workshop, event: Event) -> None:
    """Apply one authorised event; raises DomainError if the workshop refuses it."""
    BY_TYPE[event.envelope.type].handler(ws, event.envelope, event.data)
