"""Help calls (安灯) end to end: a kiosk calls over MQTT as it does on the floor, the core
records, stores and publishes the call (on its own topic and in the bay's state), the call
goes up a tier on the core's clock, a team leader answers by badge at the bay and closes
it; a kiosk acts only for its own bay. The pages' way (acknowledged and closed by a signed-in
user) and the store's row follow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.commands import AcknowledgeHelp, CloseHelp
from core.contract.help_board import HelpBoard
from core.domain.errors import IllegalTransition
from core.domain.help_report import help_report
from core.domain.vocabulary import HelpKind, HelpState, StaffRole
from core.engine import Core
from core.store.repository import Store
from core.store.tables import AuditRow, HelpCallRow
from kiosk.station import Station
from tests.helpers import Clock, FakeBus, Kiosk, demo_config, settle
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import wait_until

CORE = "pitboard-core-demo"


@pytest.fixture
def clock() -> Clock:
    # The kiosks date their taps by the real clock: the core's starts there.
    return Clock(datetime.now(UTC))


@pytest.fixture
def shop(store: Store, tmp_path: Path, clock: Clock) -> Iterator[Workshop]:
    w = demo_workshop(store, tmp_path, core_clock=clock)
    yield w
    w.close()


def help_topic(shop: Workshop) -> HelpBoard | None:
    """The newest help calls the core published."""
    sent = shop.broker.published(CORE, "/view/help")
    return HelpBoard.model_validate_json(sent[-1]) if sent else None


def published(shop: Workshop, what: str, check: Callable[[HelpBoard], bool]) -> HelpBoard:
    """The help calls once the core has published them so (the bay's state, published
    before them, may come first)."""
    wait_until(lambda: (b := help_topic(shop)) is not None and check(b), what)
    board = help_topic(shop)
    assert board is not None
    return board


def the_call(station: Station, what: str, check: object) -> None:
    wait_until(lambda: bool(station.help_calls()) and check(station.help_calls()[0]), what)  # type: ignore[operator]


def test_a_call_from_the_kiosk_goes_up_a_tier_and_is_answered_by_badge_and_closed(
    shop: Workshop, store: Store, clock: Clock
) -> None:
    station = shop.station("B03")
    station.sign_in("T002")
    shop.settle()
    station.call_help("T002", "diagnostic", "故障码 P0301，需要诊断")
    shop.settle()
    the_call(station, "the call in the bay's state", lambda c: c.state is HelpState.CALLED)
    call = station.help_calls()[0]
    assert (call.kind, call.caller_name, call.tier, call.escalated_to) == (
        HelpKind.DIAGNOSTIC,
        "李强",
        0,
        None,
    )
    assert call.next_tier_at is not None and call.answered_by == [StaffRole.FOREMAN]
    board = help_topic(shop)
    assert [(c.id, c.bay, c.note) for c in board.calls] == [
        (call.id, "B03", "故障码 P0301，需要诊断")
    ]

    # Five minutes unanswered: up to the foreman, on the core's clock alone.
    clock.advance(minutes=5, seconds=1)
    shop.core.query(lambda _ws, _now: None)  # the core's next batch (idle, it would wake)
    the_call(station, "the call gone up a tier", lambda c: c.tier == 1)
    assert station.help_calls()[0].escalated_to is StaffRole.FOREMAN
    published(shop, "gone up published", lambda b: b.calls[0].escalated_to is StaffRole.FOREMAN)

    # The team leader comes to the bay and answers with his badge, then closes it.
    station.answer_help(call.id, "T001")
    shop.settle()
    the_call(station, "answered", lambda c: c.state is HelpState.ACKNOWLEDGED)
    assert station.help_calls()[0].acknowledged_by == "王建国"
    clock.advance(minutes=10)  # answered: it goes up no more
    shop.core.query(lambda _ws, _now: None)
    assert station.help_calls()[0].tier == 1
    station.close_help(call.id, "T001", "已指导更换点火线圈")
    shop.settle()
    wait_until(lambda: station.help_calls() == [], "the call gone from the bay")
    published(shop, "no call left published", lambda b: b.calls == [])

    with store.engine.connect() as conn:
        row = conn.execute(select(HelpCallRow.__table__)).one()
        types = conn.execute(select(AuditRow.type).order_by(AuditRow.id)).scalars().all()
    assert (row.state, row.tier, row.acknowledged_by, row.closed_by, row.outcome) == (
        "closed",
        1,
        "T001",
        "T001",
        "已指导更换点火线圈",
    )
    assert row.acknowledged_at is not None and row.called_at < row.acknowledged_at
    assert [t for t in types if t.startswith("help.")] == [
        "help.called",
        "help.escalated",
        "help.acknowledged",
        "help.closed",
    ]
    assert shop.core.query(lambda ws, _now: dict(ws.help_calls)) == {}  # closed: let go

    # The reports: the kiosk dates its taps (by the real clock here, a moment apart).
    report = help_report(store.help_times(row.called_at, clock.now + timedelta(minutes=1)))
    diag = next(k for k in report.kinds if k.kind is HelpKind.DIAGNOSTIC)
    assert (diag.calls, diag.answered, diag.closed, diag.escalated) == (1, 1, 1, 1)
    assert diag.response_p50 is not None and diag.resolution_p50 is not None
    assert 0 < diag.response_p50 < diag.resolution_p50 < 1
    assert (
        help_report(store.help_times(row.called_at - timedelta(days=1), row.called_at)).calls == 0
    )


def test_a_kiosk_calls_and_answers_only_for_its_own_bay(shop: Workshop) -> None:
    b03, b04 = shop.station("B03"), shop.station("B04")
    b03.sign_in("T002")
    b04.sign_in("T005")
    shop.settle()
    shop.settle("B04")
    shop.links["B04"].send("help.called", bay="B03", tech="T005", data={"kind": "qc"})
    b03.call_help("T002", "qc")
    shop.settle()
    shop.settle("B04")
    the_call(b03, "B03's own call", lambda c: c.kind is HelpKind.QC)
    b04.answer_help(b03.help_calls()[0].id, "T005")
    shop.settle("B04")
    wait_until(lambda: len(b04.problems) == 2, "both refusals told at B04")
    assert [p.code for p in b04.problems] == ["wrong_bay", "wrong_bay"]
    board = published(shop, "B03's call published", lambda b: bool(b.calls))
    assert [c.bay for c in board.calls] == ["B03"]
    assert b03.help_calls()[0].state is HelpState.CALLED


def test_a_page_answers_and_closes_and_the_call_survives_a_restart(
    shop: Workshop, store: Store
) -> None:
    station = shop.station("B03")
    station.sign_in("T002")
    station.call_help("T002", "parts", "缺火花塞")
    shop.settle()
    the_call(station, "called", lambda c: c.state is HelpState.CALLED)
    ident = station.help_calls()[0].id
    shop.core.run_command(AcknowledgeHelp(ident), actor="foreman:F001")
    the_call(station, "answered on the page", lambda c: c.acknowledged_by == "张强")
    reloaded = store.load_workshop([], [])
    assert reloaded.help_calls[ident].acknowledged_by == "foreman:F001"
    with pytest.raises(IllegalTransition):
        shop.core.run_command(AcknowledgeHelp(ident), actor="foreman:F001")
    shop.core.run_command(CloseHelp(ident, "火花塞已送到"), actor="foreman:F001")
    wait_until(lambda: station.help_calls() == [], "closed on the page")
    assert store.load_workshop([], []).help_calls == {}


def test_an_idle_core_wakes_when_the_next_tier_comes_due(store: Store, clock: Clock) -> None:
    """With nothing to do, the core waits until the first unanswered call goes up a tier
    on its clock, then records it in a batch of its own and publishes it."""
    bus = FakeBus()
    # An hour of site time a real second: the core wakes for the tier on its own.
    core = Core(demo_config(), store, bus, clock, speed=3600)
    core.start()
    try:
        k = Kiosk("kiosk-b03", "B03")
        for type_, kw in (("tech.signed_in", {}), ("help.called", {"kind": "foreman"})):
            core.on_message(*k.event(type_, tech="T002", ts=clock.now, **kw), token=None)
        settle(core, bus, 2)
        assert core.step.seconds_to_sweep() == 300  # the foreman's call: to the manager after 5
        clock.advance(minutes=5)

        def gone_up() -> bool:
            return core.help is not None and core.help.calls[0].tier == 1

        wait_until(gone_up, "gone up without a batch", timeout=10)
        assert core.help is not None and core.help.calls[0].escalated_to is StaffRole.MANAGER
        assert core.step.seconds_to_sweep() is None
        sent = [p for t, p, _q, kept in bus.published if t.endswith("/view/help") and kept]
        assert HelpBoard.model_validate_json(sent[-1]).calls[0].tier == 1
    finally:
        core.stop()
