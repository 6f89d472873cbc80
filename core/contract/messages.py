"""Wire contract v1: the payloads on every topic, as validated models.

Bytes become frozen, typed messages here; the domain never sees JSON.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

VERSION = 1

DeviceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Ident = Annotated[str, Field(min_length=1, max_length=64)]

EventType = Literal[
    "tech.signed_in",
    "tech.signed_out",
    "job.started",
    "job.paused",
    "job.resumed",
    "job.finding",
    "job.self_checked",
    "job.leader_checked",
    "qc.passed",
    "qc.failed",
    "wash.started",
    "wash.done",
    "key.in",
    "key.out",
    "print.done",
    "print.failed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

#: Event types a devices bridge sends (key cabinet, printers); every other type is a kiosk's.
BRIDGE_TYPES: frozenset[str] = frozenset({"key.in", "key.out", "print.done", "print.failed"})
KIOSK_TYPES: frozenset[str] = frozenset(EVENT_TYPES) - BRIDGE_TYPES

#: Envelope fields each event type cannot do without.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "tech.signed_in": ("bay", "tech"),
    "tech.signed_out": ("bay", "tech"),
    "job.started": ("bay", "job", "tech"),
    "job.paused": ("bay", "job", "tech"),
    "job.resumed": ("bay", "job", "tech"),
    "job.finding": ("bay", "job", "tech"),
    "job.self_checked": ("bay", "job", "tech"),
    "job.leader_checked": ("bay", "job", "tech"),
    "qc.passed": ("bay", "job", "tech"),
    "qc.failed": ("bay", "job", "tech"),
    "wash.started": ("bay", "job", "tech"),
    "wash.done": ("bay", "job", "tech"),
    "key.in": (),
    "key.out": (),
    "print.done": (),
    "print.failed": (),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoData(_Strict):
    """Events that carry nothing in ``data``."""


class PauseData(_Strict):
    reason: Literal["waiting_parts", "waiting_approval", "tool", "break", "shift_end", "other"]
    note: str = Field(default="", max_length=500)


class FindingData(_Strict):
    finding_id: Ident
    title: str = Field(min_length=1, max_length=200)
    severity: Literal["safety", "recommended", "advisory"]
    labor_hours: float = Field(default=0.0, ge=0, le=200)
    parts_estimate: float = Field(default=0.0, ge=0, le=10_000_000)
    note: str = Field(default="", max_length=1000)


class QcFailedData(_Strict):
    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)


class KeyData(_Strict):
    cabinet: Ident
    slot: int | None = Field(default=None, ge=0, le=10_000)
    tag: Ident
    holder: str | None = Field(default=None, max_length=64)


class PrintData(_Strict):
    printer: Ident
    print_id: Ident
    document: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=500)
    attempts: int = Field(default=1, ge=1)


DATA_MODELS: dict[str, type[_Strict]] = {
    "job.paused": PauseData,
    "job.finding": FindingData,
    "qc.failed": QcFailedData,
    "key.in": KeyData,
    "key.out": KeyData,
    "print.done": PrintData,
    "print.failed": PrintData,
}


class Envelope(_Strict):
    """Every device event: ``(source, seq)`` makes it unique."""

    v: Literal[1]
    source: DeviceName
    seq: int = Field(ge=1, le=2**63 - 1)
    ts: AwareDatetime
    type: EventType
    bay: Ident | None = None
    job: Ident | None = None
    tech: Ident | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ErrorInfo(_Strict):
    code: str
    message: str


class Ack(_Strict):
    """The core's answer to one event, sent only after the effect is committed."""

    v: Literal[1] = 1
    seq: int | None
    result: Literal["applied", "duplicate", "rejected"]
    error: ErrorInfo | None = None


class DeviceStatus(BaseModel):
    """Retained device status; the Last Will says ``online: false``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    v: Literal[1] = 1
    online: bool
    kind: str | None = None
    outbox: int | None = Field(default=None, ge=0)
    ts: AwareDatetime | None = None


class Command(BaseModel):
    """A command from the core to a device (e.g. a print job)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    v: Literal[1] = 1
    id: Ident
    type: str
    ts: AwareDatetime
    data: dict[str, Any] = Field(default_factory=dict)


class Event:
    """A validated event: the envelope and its typed data."""

    __slots__ = ("data", "envelope")

    def __init__(self, envelope: Envelope, data: _Strict) -> None:
        self.envelope = envelope
        self.data = data

    def __repr__(self) -> str:
        e = self.envelope
        return f"Event({e.source}#{e.seq} {e.type} job={e.job} bay={e.bay})"


class ContractError(Exception):
    """A payload that breaks the contract; ``seq`` is known when the envelope got that far."""

    def __init__(self, code: str, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.seq = seq


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "payload"
    return f"{where}: {err['msg']}"


def parse_event(payload: bytes) -> Event:
    """Bytes from ``dev/{device}/event`` → a typed event, or a ContractError with a code."""
    try:
        raw = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError("malformed_json", f"payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ContractError("invalid_envelope", "payload must be a JSON object")
    seq = raw.get("seq") if isinstance(raw.get("seq"), int) else None
    if raw.get("v") != VERSION:
        raise ContractError(
            "unsupported_version", f"contract version {raw.get('v')!r} is not 1", seq
        )
    if raw.get("type") not in EVENT_TYPES and isinstance(raw.get("type"), str):
        raise ContractError("unknown_event_type", f"unknown event type {raw['type']!r}", seq)
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise ContractError("invalid_envelope", _first_error(exc), seq) from None
    missing = [f for f in REQUIRED_FIELDS[envelope.type] if getattr(envelope, f) is None]
    if missing:
        raise ContractError(
            "invalid_envelope", f"{envelope.type} needs {', '.join(missing)}", envelope.seq
        )
    model = DATA_MODELS.get(envelope.type, NoData)
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise ContractError("invalid_data", _first_error(exc), envelope.seq) from None
    return Event(envelope, data)


def dump(model: BaseModel) -> bytes:
    """Serialise a payload the way the wire carries it: compact UTF-8 JSON."""
    return model.model_dump_json(exclude_none=False).encode("utf-8")


def make_event(
    source: str,
    seq: int,
    type_: str,
    ts: datetime,
    *,
    bay: str | None = None,
    job: str | None = None,
    tech: str | None = None,
    data: dict[str, Any] | None = None,
) -> bytes:
    """Build an event payload as a device sends it (used by simulators and tests)."""
    env = Envelope(
        v=1,
        source=source,
        seq=seq,
        ts=ts,
        type=type_,
        bay=bay,
        job=job,
        tech=tech,
        data=data or {},
    )
    return dump(env)
