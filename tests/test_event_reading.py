"""A device event is read in one pass when it is well formed; whatever the bytes, the one
pass and the step-by-step reading (which names a fault) agree on what they mean."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract.events import BY_TYPE, EVENT_TYPES
from core.contract.messages import ContractError, Event, _read_step_by_step, parse_event

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=2**64),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
SEVERITIES = ("safety", "recommended", "advisory", "urgent")

#: Values a field of each name is likely to need, beside junk of every kind.
LIKELY: dict[str, st.SearchStrategy[Any]] = {
    "v": st.sampled_from([1, 1, 1, 2, "1", True]),
    "source": st.sampled_from(["kiosk-b01", "bridge", "", "k" * 70, "bad name"]),
    "seq": st.one_of(st.integers(min_value=-1, max_value=2**63 + 1), st.just("7")),
    "ts": st.sampled_from(
        ["2026-12-05T08:00:00Z", "2026-12-05T08:00:00+08:00", "2026-12-05T08:00:00", "noon"]
    ),
    "type": st.sampled_from([*EVENT_TYPES, "job.flew", 3]),
    "bay": st.sampled_from(["B01", "", None, 1]),
    "job": st.sampled_from(["RO-1", "", None]),
    "tech": st.sampled_from(["T001", None, ""]),
    "reason": st.sampled_from(["waiting_parts", "break", "lunch", "shift_end", "", 1]),
    "note": st.sampled_from(["", "x" * 501, "oil", None]),
    "finding_id": st.sampled_from(["F1", "", None]),
    "title": st.sampled_from(["Brake pads worn", "", "t" * 201]),
    "severity": st.sampled_from(SEVERITIES),
    "labor_hours": st.sampled_from([0, 0.5, 1, -1, 201, "1"]),
    "parts_estimate": st.sampled_from([0, 100.5, -2]),
    "items": st.sampled_from([["brakes"], [], [""], "brakes"]),
    "cabinet": st.sampled_from(["C1", ""]),
    "slot": st.sampled_from([None, 0, 3, -1, 10_001, True]),
    "tag": st.sampled_from(["TAG1", ""]),
    "holder": st.sampled_from([None, "T001", "h" * 65]),
    "printer": st.sampled_from(["desk", ""]),
    "print_id": st.sampled_from(["P1", ""]),
    "document": st.sampled_from(["ticket", "d" * 65]),
    "attempts": st.sampled_from([1, 0, 3, 1.0]),
    "attempt": st.sampled_from([1, 2, "x"]),
    "misses": st.sampled_from([1, 3, 0, "2"]),
    "notes": st.sampled_from(["", "ok", "n" * 1001]),
    "recommendations": st.sampled_from([[], ["brake fluid"], [""], "brake fluid"]),
    "checked": st.sampled_from([[], ["lights"], [""], "lights"]),
    "road_test": st.sampled_from([True, False, "yes", 1]),
    "road_test_note": st.sampled_from(["", "r" * 501]),
    "spot": st.sampled_from(["", "P07", "p" * 40]),
    "kiosk_misses": st.sampled_from([1, 5, -1]),
    "lockout_s": st.sampled_from([0, 30, -5, 1.5]),
}


def _field(name: str) -> st.SearchStrategy[Any]:
    return st.one_of(LIKELY.get(name, st.text(max_size=8)), JUNK)


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    type_ = draw(st.sampled_from(EVENT_TYPES))
    known = list(BY_TYPE[type_].data.model_fields)
    envelope_keys = ["v", "source", "seq", "ts", "type", "bay", "job", "tech"]
    event: dict[str, Any] = {"type": type_}
    for key in envelope_keys:
        if draw(st.integers(0, 9)):  # mostly present, sometimes left out
            event[key] = draw(_field(key)) if draw(st.integers(0, 4)) == 0 else _good(key, type_)
    data: dict[str, Any] = {}
    for key in known:
        if draw(st.booleans()):
            data[key] = draw(_field(key))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["extra", "Reason"]))] = 1
    shape = draw(st.integers(0, 12))
    if shape == 0:
        event["data"] = draw(JUNK)  # not an object at all
    elif shape == 1:
        event["extra"] = True  # an envelope field the contract does not have
    elif shape != 2:  # shape 2: no data given
        event["data"] = data
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def _good(key: str, type_: str) -> Any:
    return {
        "v": 1,
        "source": "kiosk-b01",
        "seq": 5,
        "ts": "2026-12-05T08:00:00Z",
        "type": type_,
        "bay": "B01",
        "job": "RO-1",
        "tech": "T001",
    }[key]


def _outcome(read: Any) -> tuple[str, Any, Any]:
    try:
        event: Event = read()
    except ContractError as err:
        return ("refused", err.code, (err.message, err.seq))
    return ("read", event.envelope.model_dump(), event.data)


@settings(max_examples=600, deadline=None)
@given(payloads())
def test_the_one_pass_and_the_step_by_step_reading_agree(payload: bytes) -> None:
    at_once = _outcome(lambda: parse_event(payload))
    stepwise = _outcome(lambda: _read_step_by_step(json.loads(payload), payload))
    assert at_once == stepwise


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_a_well_formed_event_of_every_type_reads_with_its_data_model(type_: str) -> None:
    kind = BY_TYPE[type_]
    data = _well_formed_data(kind.data.__name__)
    event = {
        "v": 1,
        "source": "bridge" if "bridge" in kind.senders else "kiosk-b01",
        "seq": 9,
        "ts": "2026-12-05T08:00:00Z",
        "type": type_,
        "bay": "B01",
        "job": "RO-1",
        "tech": "T001",
        "data": data,
    }
    read = parse_event(json.dumps(event).encode())
    assert isinstance(read.data, kind.data)
    assert read.envelope.data == data  # the audit keeps what the device sent, as sent
    assert "typed_data" not in read.envelope.model_dump()
    assert read.envelope.seq == 9 and read.envelope.type == type_


def _well_formed_data(model: str) -> dict[str, Any]:
    examples: dict[str, dict[str, Any]] = {
        "NoData": {},
        "PauseData": {"reason": "waiting_parts"},
        "FindingData": {"finding_id": "F1", "title": "Brake pads worn", "severity": "safety"},
        "QcFailedData": {"items": ["torque"]},
        "LeaderCheckData": {"notes": "ok", "recommendations": ["brake fluid at 40,000 km"]},
        "QcPassData": {"checked": ["lights", "tyres"], "road_test": True, "spot": "P07"},
        "WashDoneData": {"spot": "P07"},
        "KeyData": {"cabinet": "C1", "tag": "TAG1", "slot": 2},
        "PrintData": {"printer": "desk", "print_id": "P1"},
        "SignInRefusedData": {"misses": 2, "kiosk_misses": 2, "lockout_s": 0},
        "PartsRequestData": {
            "request_id": "PR1",
            "lines": [{"code": "90915-YZZE1", "name": "机油滤清器", "qty": 1}],
            "pause": True,
        },
        "PartsCancelData": {"request_id": "PR1"},
        "HelpCallData": {"kind": "diagnostic", "note": "P0301"},
        "HelpAnswerData": {"call": "H-20261205-0001"},
        "HelpCloseData": {"call": "H-20261205-0001", "outcome": "coil replaced"},
    }
    return examples[model]
