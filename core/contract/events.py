"""The one table of device event types: each type once, with its data model, the kinds of
device that may send it, the envelope fields it needs and the step of the workshop it is.

Parsing, the check of who may send what, the handler, the protocol document and the JSON
Schemas are all taken from this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Protocol

from pydantic import AfterValidator, Field, WithJsonSchema

from core.domain.inspection import Inspection, complete
from core.domain.model import PartLine
from core.domain.vocabulary import (
    TAPPED_PAUSE_REASONS,
    HelpKind,
    JobType,
    PauseReason,
    Severity,
)
from core.domain.workshop import NewFinding, Workshop

from .strict import Ident, Strict

DeviceKind = Literal["kiosk", "bridge"]


def _tapped(reason: PauseReason) -> PauseReason:
    if reason not in TAPPED_PAUSE_REASONS:
        raise ValueError(f"{reason.value!r} is set by the workshop, not tapped")
    return reason


TappedReason = Annotated[
    PauseReason,
    AfterValidator(_tapped),
    WithJsonSchema({"type": "string", "enum": [r.value for r in TAPPED_PAUSE_REASONS]}),
]


# ------------------------------------------------------------------ data models
class NoData(Strict):
    """Events that carry nothing in ``data``."""


class PauseData(Strict):
    reason: TappedReason
    note: str = Field(default="", max_length=500)


class FindingData(Strict):
    finding_id: Ident
    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    labor_hours: float = Field(default=0.0, ge=0, le=200)
    parts_estimate: float = Field(default=0.0, ge=0, le=10_000_000)
    note: str = Field(default="", max_length=1000)


class PartLineData(Strict):
    code: str = Field(
        default="",
        max_length=32,
        description="The catalogue's part number; empty for a part typed at the bay",
    )
    name: str = Field(min_length=1, max_length=60)
    qty: float = Field(default=1, gt=0, le=999)


class PartsRequestData(Strict):
    request_id: Ident = Field(description="Made by the kiosk; names the request from now on")
    lines: list[PartLineData] = Field(min_length=1, max_length=20)
    pause: bool = Field(
        default=False, description="Pause the technician's clock as waiting_parts with it"
    )
    note: str = Field(default="", max_length=200)


class PartsCancelData(Strict):
    request_id: Ident


class LeaderCheckData(Strict):
    notes: str = Field(default="", max_length=1000, description="The leader's notes")
    recommendations: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="Advice for the customer, printed on the delivery summary",
    )


class QcPassData(Strict):
    checked: list[Ident] = Field(
        default_factory=list,
        max_length=50,
        description="The items of the job type's final-inspection checklist ticked: all of "
        "them, or the pass is refused (`inspection_incomplete`)",
    )
    road_test: bool = Field(default=False, description="The car was road-tested")
    road_test_note: str = Field(
        default="",
        max_length=500,
        description="What the road test found, or why none was done (a repair needs one)",
    )
    spot: str = Field(
        default="",
        max_length=32,
        description="Where the finished car is parked, when it needs no wash (竣工停车区)",
    )


def full_inspection(job_type: JobType, note: str = "", spot: str = "") -> dict[str, Any]:
    """The data of a ``qc.passed`` with the job type's whole checklist ticked and the car
    road-tested (the demo's inspector, the benches)."""
    done = complete(job_type, note)
    return QcPassData(
        checked=list(done.checked),
        road_test=done.road_test,
        road_test_note=done.road_test_note,
        spot=spot,
    ).model_dump()


class WashDoneData(Strict):
    spot: str = Field(
        default="", max_length=32, description="Where the finished car is parked (竣工停车区)"
    )


class QcFailedData(Strict):
    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1)


class KeyData(Strict):
    cabinet: Ident
    slot: int | None = Field(default=None, ge=0, le=10_000)
    tag: Ident
    holder: str | None = Field(default=None, max_length=64)


class PrintData(Strict):
    printer: Ident
    print_id: Ident
    document: str = Field(default="", max_length=64)
    reason: str = Field(
        default="",
        max_length=500,
        description="print.failed: why (paper_out, offline, timeout, …); print.done: empty "
        "when the printer confirmed it, unconfirmed from a printer configured confirms = false",
    )
    attempts: int = Field(default=1, ge=1, description="Attempts so far, this one included")


class SignInRefusedData(Strict):
    misses: int = Field(
        ge=1,
        le=1_000_000,
        description="Wrong tries in a row: the technician's PINs (the envelope's `tech`), or "
        "the kiosk's when the code matched nobody (no `tech`)",
    )
    kiosk_misses: int = Field(ge=1, le=1_000_000, description="The kiosk's wrong tries in a row")
    lockout_s: int = Field(
        default=0, ge=0, le=86_400, description="The wait this miss started; 0: none"
    )
    locked: Literal["technician", "kiosk"] | None = Field(
        default=None, description="Whose count started the wait"
    )


class HelpCallData(Strict):
    kind: HelpKind = Field(description="Whom the technician calls to the bay")
    note: str = Field(default="", max_length=500, description="What it is about, if said")


class HelpAnswerData(Strict):
    call: Ident = Field(description="The help call (from the bay's state), at this bay")


class HelpCloseData(Strict):
    call: Ident = Field(description="The help call (from the bay's state), at this bay")
    outcome: str = Field(min_length=1, max_length=500, description="What was done")


# ------------------------------------------------------------------ the steps
class Envelope(Protocol):
    """What a handler reads of an event's envelope (messages.Envelope)."""

    @property
    def ts(self) -> datetime: ...

    @property
    def bay(self) -> str | None: ...

    @property
    def job(self) -> str | None: ...

    @property
    def tech(self) -> str | None: ...


Handler = Callable[[Workshop, Envelope, Any], None]


def _at(env: Envelope) -> datetime:
    return env.ts.astimezone(UTC)


def _where(env: Envelope) -> tuple[str, str, str]:
    """The job, technician and bay of a bay event (the table says they are there)."""
    return env.job or "", env.tech or "", env.bay or ""


def _signed_in(ws: Workshop, env: Envelope, _: NoData) -> None:
    ws.sign_in(env.tech or "", env.bay or "", _at(env))


def _signed_out(ws: Workshop, env: Envelope, _: NoData) -> None:
    ws.sign_out(env.tech or "", env.bay or "", _at(env))


def _sign_in_refused(ws: Workshop, env: Envelope, data: SignInRefusedData) -> None:
    ws.sign_in_refused(env.bay or "", env.tech, data.misses, data.lockout_s, _at(env))


def _bay_step(step: Callable[[Workshop], Callable[[str, str, str, datetime], object]]) -> Handler:
    """A step taken at a bay by a technician on a job, with nothing more to it."""

    def handle(ws: Workshop, env: Envelope, _: NoData) -> None:
        step(ws)(*_where(env), _at(env))

    return handle


def _paused(ws: Workshop, env: Envelope, data: PauseData) -> None:
    ws.pause(*_where(env), data.reason, _at(env))


def _finding(ws: Workshop, env: Envelope, data: FindingData) -> None:
    new = NewFinding(
        id=data.finding_id,
        title=data.title,
        severity=data.severity,
        labor_hours=data.labor_hours,
        parts_estimate=data.parts_estimate,
        note=data.note,
    )
    ws.report_finding(*_where(env), new, _at(env))


def _parts_requested(ws: Workshop, env: Envelope, data: PartsRequestData) -> None:
    lines = [PartLine(name=x.name, qty=x.qty, code=x.code) for x in data.lines]
    ws.request_parts(_where(env), data.request_id, lines, _at(env), data.pause, data.note)


def _parts_cancelled(ws: Workshop, env: Envelope, data: PartsCancelData) -> None:
    ws.cancel_parts(_where(env), data.request_id, _at(env))


def _leader_checked(ws: Workshop, env: Envelope, data: LeaderCheckData) -> None:
    ws.leader_check(*_where(env), _at(env), data.notes, tuple(data.recommendations))


def _qc_passed(ws: Workshop, env: Envelope, data: QcPassData) -> None:
    inspection = Inspection(tuple(data.checked), data.road_test, data.road_test_note)
    ws.qc_pass(*_where(env), _at(env), inspection, data.spot)


def _wash_done(ws: Workshop, env: Envelope, data: WashDoneData) -> None:
    ws.wash_done(*_where(env), _at(env), data.spot)


def _qc_failed(ws: Workshop, env: Envelope, data: QcFailedData) -> None:
    ws.qc_fail(*_where(env), list(data.items), _at(env))


def _key_in(ws: Workshop, env: Envelope, data: KeyData) -> None:
    ws.key_in(data.tag, data.cabinet, data.slot, _at(env), ro=env.job)


def _key_out(ws: Workshop, env: Envelope, data: KeyData) -> None:
    holder = data.holder or env.tech
    ws.key_out(data.tag, data.cabinet, data.slot, _at(env), holder=holder, ro=env.job)


def _print_result(ws: Workshop, env: Envelope, _: PrintData) -> None:
    # Print results change no job; the core keeps them as the print's state and the
    # printer's health. A named order must exist.
    if env.job:
        ws.job(env.job)


def _help_called(ws: Workshop, env: Envelope, data: HelpCallData) -> None:
    ws.call_help(env.bay or "", env.tech or "", data.kind, _at(env), data.note)


def _help_acknowledged(ws: Workshop, env: Envelope, data: HelpAnswerData) -> None:
    ws.technician(env.tech or "")  # a badge the site knows, signed in here or not
    ws.acknowledge_help(data.call, env.tech or "", _at(env), bay=env.bay)


def _help_closed(ws: Workshop, env: Envelope, data: HelpCloseData) -> None:
    ws.technician(env.tech or "")
    ws.close_help(data.call, env.tech or "", data.outcome, _at(env), bay=env.bay)


# ------------------------------------------------------------------ the table
@dataclass(frozen=True)
class EventKind:
    name: str  # the wire name, e.g. "job.started"
    senders: frozenset[DeviceKind]
    needs: tuple[str, ...]
    data: type[Strict]
    handler: Handler
    summary: str


_KIOSK: frozenset[DeviceKind] = frozenset({"kiosk"})
_BRIDGE: frozenset[DeviceKind] = frozenset({"bridge"})
_AT_BAY = ("bay", "tech")
_ON_JOB = ("bay", "job", "tech")

# fmt: off
EVENTS: tuple[EventKind, ...] = (
    EventKind(
        "tech.signed_in", _KIOSK, _AT_BAY, NoData, _signed_in,
        "A technician signs in at the bay.",
    ),
    EventKind(
        "tech.signed_out", _KIOSK, _AT_BAY, NoData, _signed_out,
        "Signs out; a running clock pauses.",
    ),
    EventKind(
        "tech.sign_in_refused", _KIOSK, ("bay",), SignInRefusedData, _sign_in_refused,
        "A wrong PIN, or a code that is nobody's badge; the kiosk may make the next try wait.",
    ),
    EventKind(
        "job.started", _KIOSK, _ON_JOB, NoData, _bay_step(lambda ws: ws.start),
        "A clock starts on the job (or a second technician joins).",
    ),
    EventKind(
        "job.paused", _KIOSK, _ON_JOB, PauseData, _paused,
        "The technician's clock pauses, with a reason.",
    ),
    EventKind(
        "job.resumed", _KIOSK, _ON_JOB, NoData, _bay_step(lambda ws: ws.resume),
        "A paused clock runs again.",
    ),
    EventKind(
        "job.finding", _KIOSK, _ON_JOB, FindingData, _finding,
        "An add-on finding for the customer's yes or no.",
    ),
    EventKind(
        "parts.requested", _KIOSK, _ON_JOB, PartsRequestData, _parts_requested,
        "Parts asked of the parts counter for the job at the bay (领料), the clock paused "
        "as waiting parts if asked.",
    ),
    EventKind(
        "parts.cancelled", _KIOSK, _ON_JOB, PartsCancelData, _parts_cancelled,
        "The bay no longer needs the parts it asked for.",
    ),
    EventKind(
        "job.self_checked", _KIOSK, _ON_JOB, NoData, _bay_step(lambda ws: ws.self_check),
        "Self-check: the bay work is done.",
    ),
    EventKind(
        "job.leader_checked", _KIOSK, _ON_JOB, LeaderCheckData, _leader_checked,
        "The team leader's second check, by another person than the self-check's: at the"
        " car's bay (`tech` a leader, who need not be signed in there: they badge at its"
        " kiosk) or at the QC station (signed in there).",
    ),
    EventKind(
        "qc.passed", _KIOSK, _ON_JOB, QcPassData, _qc_passed,
        "Final inspection passed by a third person: checklist ticked, road test recorded.",
    ),
    EventKind(
        "qc.failed", _KIOSK, _ON_JOB, QcFailedData, _qc_failed,
        "Final inspection failed: back to its bay as rework.",
    ),
    EventKind(
        "wash.started", _KIOSK, _ON_JOB, NoData, _bay_step(lambda ws: ws.wash_start),
        "The wash starts.",
    ),
    EventKind(
        "wash.done", _KIOSK, _ON_JOB, WashDoneData, _wash_done,
        "Washed: ready for pickup, parked where it says.",
    ),
    EventKind(
        "help.called", _KIOSK, _AT_BAY, HelpCallData, _help_called,
        "A technician signed in at the bay calls for help (安灯) of a kind, with a note.",
    ),
    EventKind(
        "help.acknowledged", _KIOSK, _AT_BAY, HelpAnswerData, _help_acknowledged,
        "Someone answers the bay's call by badge at its kiosk (`tech`: who answered).",
    ),
    EventKind(
        "help.closed", _KIOSK, _AT_BAY, HelpCloseData, _help_closed,
        "The bay's call is over, with what was done (`tech`: who closed it).",
    ),
    EventKind(
        "key.in", _BRIDGE, (), KeyData, _key_in,
        "A key tag read on its hook in the cabinet.",
    ),
    EventKind(
        "key.out", _BRIDGE, (), KeyData, _key_out,
        "A key taken from its hook.",
    ),
    EventKind(
        "print.done", _BRIDGE, (), PrintData, _print_result,
        "The printer confirmed a print.",
    ),
    EventKind(
        "print.failed", _BRIDGE, (), PrintData, _print_result,
        "A print failed (offline, paper out, …).",
    ),
)

# fmt: on

BY_TYPE: dict[str, EventKind] = {k.name: k for k in EVENTS}
EVENT_TYPES: tuple[str, ...] = tuple(BY_TYPE)
KIOSK_TYPES: frozenset[str] = frozenset(k.name for k in EVENTS if "kiosk" in k.senders)
