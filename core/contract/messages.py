"""Wire contract v1: the payloads on every topic, as validated models.

Bytes become frozen, typed messages here; the domain never sees JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    create_model,
)

from .events import BY_TYPE, EVENT_TYPES, KIOSK_TYPES
from .strict import Ident, Strict

__all__ = ["EVENT_TYPES", "KIOSK_TYPES"]

VERSION = 1

DeviceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


def _known_type(type_: str) -> str:
    if type_ not in BY_TYPE:
        raise ValueError(f"unknown event type {type_!r}")
    return type_


#: The highest sequence number: what the store's 64-bit column holds.
MAX_SEQ = 2**63 - 1

#: An event type of the table (core/contract/events.py).
EventType = Annotated[
    str,
    AfterValidator(_known_type),
    WithJsonSchema({"type": "string", "enum": list(EVENT_TYPES)}),
]


class Envelope(Strict):
    """Every device event: ``(source, seq)`` makes it unique."""

    v: Literal[1]
    source: DeviceName
    seq: int = Field(ge=1, le=MAX_SEQ)
    ts: AwareDatetime
    type: EventType
    bay: Ident | None = None
    job: Ident | None = None
    tech: Ident | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ErrorInfo(Strict):
    code: str
    message: str


class Ack(Strict):
    """The core's answer to one event, sent only after the effect is committed."""

    v: Literal[1] = 1
    seq: int | None
    result: Literal["applied", "duplicate", "rejected"]
    error: ErrorInfo | None = None
    event: str | None = Field(
        default=None,
        description="The answered message: the first 16 hex digits of the SHA-256 of its"
        " bytes as received. A device takes an answer as its own only if it matches",
    )
    next_seq: int | None = Field(
        default=None,
        ge=1,
        description="With `seq_taken`: the number the device's next event must carry",
    )


def event_digest(payload: bytes) -> str:
    """What names a message in its answer: a device resends its events byte for byte."""
    return hashlib.sha256(payload).hexdigest()[:16]


class DeviceStatus(BaseModel):
    """Retained device status; the Last Will says ``online: false``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    v: Literal[1] = 1
    online: bool
    kind: str | None = None
    outbox: int | None = Field(default=None, ge=0, le=10_000_000)
    ts: AwareDatetime | None = None
    problem: str | None = Field(
        default=None,
        max_length=64,
        description="Online but not whole, e.g. reader_down: a key-cabinet reader of the "
        "bridge is unplugged or failing, and the keys on it keep their last custody",
    )


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

    def __init__(self, envelope: Envelope, data: Strict) -> None:
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


def _usable_seq(value: object) -> int | None:
    """The number a refusal is answered and counted under: only a real one (an integer of
    1 to ``MAX_SEQ``, not a boolean); a bad number is refused without using up a place."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SEQ:
        return value
    return None


def parse_event(payload: bytes) -> Event:
    """Bytes from ``dev/{device}/event`` → a typed event, or a ContractError with a code.
    JSON nested past what the parser follows, or holding a number of thousands of digits,
    is malformed too: refused with an answer like any other, never left unanswered."""
    try:
        return _parse_event(payload)
    except RecursionError:
        why = "payload is nested too deeply"
    except ValueError as exc:  # Python's own limit on an integer's digits
        if isinstance(exc, ValidationError):
            raise
        why = f"payload is not usable JSON: {exc}"
    # Answered under its number when the object's own "seq" can be read: a device whose
    # next numbers wait for this one must not wait for good.
    raise ContractError("malformed_json", why, readable_seq(payload))


_SEQ_KEY = re.compile(rb"\s*:\s*(\d{1,19})\s*[,}]")


def readable_seq(payload: bytes) -> int | None:
    """The payload's own usable "seq", found without parsing it whole; None: none."""
    return _usable_seq(_top_level_seq(payload))


#: How far into a payload its "seq" is looked for (a device writes the envelope first).
_SEQ_WITHIN = 4096


def _top_level_seq(payload: bytes) -> int | None:
    """The number under the top-level object's key "seq", read without parsing what is
    nested (a parser gives up on deep nesting), within the payload's first few kilobytes;
    None if there is none to read."""
    depth = 0
    i, n = 0, min(len(payload), _SEQ_WITHIN)
    while i < n:
        c = payload[i]
        if c == 0x22:  # a string: skip to its end; at depth 1 it may be the key
            end = i + 1
            while end < n and payload[end] != 0x22:
                end += 2 if payload[end] == 0x5C else 1
            if depth == 1 and payload[i + 1 : end] == b"seq":
                found = _SEQ_KEY.match(payload, end + 1)
                if found:
                    return int(found.group(1))
            i = end + 1
            continue
        if c in b"[{":
            depth += 1
        elif c in b"]}":
            depth -= 1
        i += 1
    return None


def _parse_event(payload: bytes) -> Event:
    try:
        typed = _ANY_EVENT.validate_json(payload, strict=True)
    except ValidationError:
        pass  # read again step by step, which names the fault
    else:
        if all(getattr(typed, f) is not None for f in BY_TYPE[typed.type].needs):
            return Event(typed, typed.typed_data)
    try:
        raw = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError("malformed_json", f"payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ContractError("invalid_envelope", "payload must be a JSON object")
    return _read_step_by_step(raw, payload)


def _typed_envelope(type_: str) -> type[Envelope]:
    """The envelope of one event type, its data also read as that type's model: a
    well-formed event is read in one pass."""
    one_type: Any = Literal[type_]
    return create_model(
        f"Envelope_{type_.replace('.', '_')}",
        __base__=Envelope,
        type=(one_type, ...),
        typed_data=(BY_TYPE[type_].data, Field(validation_alias="data", exclude=True)),
    )


#: Every event type's envelope, told apart by ``type``.
_ANY_ENVELOPE: Any = Union[tuple(_typed_envelope(t) for t in EVENT_TYPES)]  # noqa: UP007
_ANY_EVENT: TypeAdapter[Any] = TypeAdapter(Annotated[_ANY_ENVELOPE, Field(discriminator="type")])


def _read_step_by_step(raw: dict[str, Any], payload: bytes) -> Event:
    seq = _usable_seq(raw.get("seq"))
    if raw.get("v") != VERSION:
        raise ContractError(
            "unsupported_version", f"contract version {raw.get('v')!r} is not 1", seq
        )
    if raw.get("type") not in EVENT_TYPES and isinstance(raw.get("type"), str):
        raise ContractError("unknown_event_type", f"unknown event type {raw['type']!r}", seq)
    try:
        # Strict: a number in a string, a boolean for a number, are not what was meant.
        envelope = Envelope.model_validate_json(payload, strict=True)
    except ValidationError as exc:
        raise ContractError("invalid_envelope", _first_error(exc), seq) from None
    kind = BY_TYPE[envelope.type]
    missing = [f for f in kind.needs if getattr(envelope, f) is None]
    if missing:
        raise ContractError(
            "invalid_envelope", f"{envelope.type} needs {', '.join(missing)}", envelope.seq
        )
    try:
        data = kind.data.model_validate_json(json.dumps(envelope.data), strict=True)
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
