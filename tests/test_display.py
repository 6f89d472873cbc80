"""The display rules and the one table of texts every screen shares: each refusal the
core can answer with has plain words in both languages, and every key a page uses is
there in both."""

from __future__ import annotations

import ast
import logging
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest

import core.handlers
from core.config import AlertsConfig
from core.contract.document import ERROR_CODES
from core.contract.messages import KIOSK_TYPES
from core.contract.printing import Document
from core.contract.views import Alert, Readiness, Stage
from core.display.rules import STAGES, escalation, finding_due, overrun_level, stage_of, yuan
from core.display.texts import TEXTS, both, error_text, problem_text, refusal, text
from core.domain.errors import DomainError
from core.domain.inspection import CHECKLISTS
from core.domain.model import (
    OPEN_STATUSES,
    FindingState,
    FollowUpOutcome,
    JobStatus,
    PauseReason,
    Severity,
)
from core.domain.vocabulary import (
    FUEL_LEVELS,
    AppointmentState,
    CallOutcome,
    CallTime,
    CarDocument,
    CarZone,
    Dissatisfaction,
    JobType,
    MarkKind,
    PartsState,
    Priority,
    StaffRole,
)

ROOT = Path(__file__).resolve().parents[1]
#: Every printed document's model (the union inside ``Document``'s annotation).
DOCUMENTS = get_args(get_args(Document)[0])
PAGES = [p for d in ("board", "kiosk", "hub") for p in sorted((ROOT / d).glob("*.py"))]
# zh texts that are ASCII on purpose: the switch names the language it switches to; VIN
# is what the registration paper says in China too.
ASCII_IN_ZH = {"language", "desk.vin"}
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


# ------------------------------------------------------------------ display rules
def test_overrun_is_amber_from_85_percent_and_red_past_the_standard_time() -> None:
    hour = 3600.0
    assert overrun_level(0.84 * hour, 1.0) == "normal"
    assert overrun_level(0.85 * hour, 1.0) == "near"
    assert overrun_level(1.0 * hour, 1.0) == "near"
    assert overrun_level(1.0 * hour + 1, 1.0) == "over"
    assert overrun_level(10 * hour, 0.0) == "normal"  # no standard time: nothing to overrun


def test_an_unanswered_finding_asks_for_a_call_then_for_the_manager() -> None:
    call, escalate = finding_due(T0, AlertsConfig(approval_call_minutes=20))
    assert (call, escalate) == (T0 + timedelta(minutes=20), T0 + timedelta(minutes=120))
    assert escalation(call - timedelta(seconds=1), call, escalate) == "none"
    assert escalation(call, call, escalate) == "call"
    assert escalation(escalate, call, escalate) == "escalate"
    assert escalation(escalate, None, None) == "none"  # answered: no times


def test_every_workshop_status_in_the_building_has_its_stage() -> None:
    assert set(STAGES) == {s.value for s in OPEN_STATUSES}
    assert set(get_args(Stage)) == {stage for stage, _ in STAGES.values()}
    assert stage_of("paused") == "in_progress" and stage_of("delivered") is None
    assert all(JobStatus(s) for s in STAGES)


# ------------------------------------------------------------------ error codes
def _codes_in_source() -> set[str]:
    """Codes written in core's source: ``code="…"`` arguments, ``code = "…"`` (also in
    an if-else), and the first argument of ContractError."""
    codes: set[str] = set()

    def constants(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return constants(node.body) | constants(node.orelse)
        return set()

    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                codes |= {c for k in node.keywords if k.arg == "code" for c in constants(k.value)}
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "ContractError" and node.args:
                    codes |= constants(node.args[0])
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets
            ):
                codes |= constants(node.value)
    return codes


def _codes_of_exception_classes() -> set[str]:
    assert core.handlers.Refused  # imported so its refusals are among the subclasses
    found, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo += cls.__subclasses__()
    return found


def all_error_codes() -> set[str]:
    return _codes_in_source() | _codes_of_exception_classes() | set(ERROR_CODES)


def test_the_codes_are_collected_from_every_kind_of_refusal() -> None:
    codes = all_error_codes()
    for kind in ("malformed_json", "source_mismatch", "wrong_bay", "bad_correction"):
        assert kind in codes  # contract, device rights, domain, clock corrections
    assert {"unauthorized", "http_error"} <= codes  # the integration API's own


def test_every_error_code_the_core_can_answer_with_has_plain_words_in_both_languages() -> None:
    missing = sorted(c for c in all_error_codes() if f"error.{c}" not in TEXTS)
    assert not missing, f"codes without a text: {missing}"
    for code in all_error_codes():
        zh, en = error_text(code, "zh"), error_text(code, "en")
        assert zh != en and not zh.isascii() and en.isascii(), code


def test_an_unknown_code_still_reads_as_a_refusal_and_the_message_goes_to_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert error_text("no_such_code", "zh") == TEXTS["error.unknown"][0]
    with caplog.at_level(logging.INFO, logger="core.display.texts"):
        shown = refusal("bad_correction", "the pause must lie inside a stretch", "zh")
    assert shown == TEXTS["error.bad_correction"][0] and "pause" not in shown
    assert "the pause must lie inside a stretch" in caplog.text


# ------------------------------------------------------------------ the table
def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_both_languages_have_every_key_with_the_same_blanks_to_fill() -> None:
    for key, (zh, en) in TEXTS.items():
        assert zh.strip() and en.strip(), key
        assert _fields(zh) == _fields(en), key
        if key not in ASCII_IN_ZH:
            assert not zh.isascii(), f"{key}: English on a Chinese screen: {zh!r}"


def test_texts_fill_their_blanks_and_the_lounge_shows_both() -> None:
    assert text("kiosk.unsent", "zh", n=3) == "待发送 3 条"
    assert text("kiosk.unsent", "en", n=3) == "3 unsent"
    assert both("stage.ready") == "可提车 Ready"


def _keys_used_in_pages() -> tuple[set[str], set[str]]:
    """(whole keys, prefixes of keys built with an f-string) the pages look up."""
    spaces = {k.split(".")[0] for k in TEXTS}
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in PAGES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if "." in value and value.split(".")[0] in spaces and " " not in value:
                    keys.add(value.rstrip("."))  # "pause." + reason counts as a prefix
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and str(head.value).split(".")[0] in spaces:
                    prefixes.add(str(head.value))
    return keys, prefixes


def test_every_key_the_pages_use_is_in_the_table() -> None:
    keys, prefixes = _keys_used_in_pages()
    assert {"desk.plate", "reports.on_time", "dispatch.title", "kiosk.cancel"} <= keys
    assert {"stage.", "kiosk.", "readiness."} <= prefixes
    assert len(keys) > 100 and "kiosk.finish_confirm" not in keys  # built: kiosk.{step}_…
    missing = {k for k in keys if k not in TEXTS and not any(t.startswith(k) for t in TEXTS)}
    assert not missing, missing
    bare = {p for p in prefixes if not any(t.startswith(p) for t in TEXTS)}
    assert not bare, bare


def test_every_value_a_page_names_by_its_kind_has_a_text() -> None:
    kinds = {
        "readiness": get_args(Readiness),
        "stage": get_args(Stage),
        "pause": [r.value for r in PauseReason],
        "severity": [s.value for s in Severity],
        "finding_state": [s.value for s in FindingState],
        "outcome": [o.value for o in FollowUpOutcome],
        "job_type": [t.value for t in JobType],
        "appointment": [s.value for s in AppointmentState],
        "call_outcome": [o.value for o in CallOutcome],
        "priority": [p.value for p in Priority],
        "parts_state": [s.value for s in PartsState],
        "alert": get_args(Alert.model_fields["kind"].annotation),
        "event": sorted(KIOSK_TYPES),
        "escalation": ("call", "escalate"),
        "kiosk.escalation": ("call", "escalate"),
        "reports": ("day", "week", "month"),
        "role": [r.value for r in StaffRole],
        "document": [get_args(d.model_fields["document"].annotation)[0] for d in DOCUMENTS],
        "mark": [m.value for m in MarkKind],
        "zone": [z.value for z in CarZone],
        "car_document": [d.value for d in CarDocument],
        "fuel": FUEL_LEVELS,
        "call_time": [c.value for c in CallTime],
        "dissatisfaction": [d.value for d in Dissatisfaction],
        "print_state": ("pending", "done", "failed"),
        "kiosk": [f"{s}_confirm" for s in ("finish", "leader_check", "qc_pass", "wash_done")],
        "inspection": sorted({i for items in CHECKLISTS.values() for i in items}),
        "check": ("self", "leader", "qc"),
    }
    missing = [f"{k}.{v}" for k, values in kinds.items() for v in values if f"{k}.{v}" not in TEXTS]
    assert not missing, missing


def test_every_reason_a_printer_gives_for_not_printing_has_a_text() -> None:
    reasons = {"failed"}  # the core's word when a failure names no reason
    tree = ast.parse((ROOT / "devices" / "printers.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PrintError":
            first = node.args[0]
            assert isinstance(first, ast.Constant), ast.dump(node)
            reasons.add(str(first.value))
    assert {"paper_out", "offline", "timeout"} <= reasons
    for reason in reasons:
        assert f"printer.{reason}" in TEXTS, reason
    assert problem_text("no_such_reason", "zh") == TEXTS["printer.failed"][0]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(1280.0, "¥1,280"), (300.1, "¥300.10"), (0.0, "¥0"), (12.5, "¥12.50"), (0.5, "¥0.50")],
)
def test_money_keeps_its_fen_and_drops_none_but_zero_fen(amount: float, shown: str) -> None:
    assert yuan(amount) == shown
