"""The parts counter (配件部 · 领料, /parts) through NiceGUI's user fixture on a real core: a
kiosk's parts request, sent over MQTT as the kiosk sends it, comes onto the counter's page
with bay, order and items, and its pick slip is stored for the printer; picked and marked
ready there, the kiosk's bay state says the parts are ready. A part not in stock reaches
the car's advisor and the foreman's alerts. Only the kiosk of the job's own bay may ask."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from nicegui.testing import User

from core.commands import PartsNotInStock
from core.contract.printing import PickSlip, PrintJob
from core.contract.views import JobCard
from core.display.texts import text
from core.domain.vocabulary import NoticeKind, PartsState, PauseReason
from core.engine import Core
from core.store.repository import Store
from kiosk.station import Station
from tests.board_env import RETRIES, boards, present, sign_in, texts
from tests.helpers import FakeBus, Kiosk, checked_in_and_dispatched, settle
from tests.kiosk_env import Workshop
from tests.waiting import eventually

OIL = {"code": "P-OF-01", "name": "机油滤清器", "qty": 1}
TYPED = {"name": "左前门内饰卡扣", "qty": 6}


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path) as w:
        yield w


def kiosk_card(station: Station, ro: str) -> JobCard | None:
    """The job as the kiosk's last bay state shows it (received over MQTT)."""
    state = station.state
    cards = ([state.current] if state and state.current else []) + list(
        state.queue if state else []
    )
    return next((c for c in cards if c.ro == ro), None)


def kiosk_parts(station: Station, ro: str) -> list[PartsState]:
    card = kiosk_card(station, ro)
    return [p.state for p in card.parts] if card else []


def asked(shop: Workshop, station: Station, pause: bool = True) -> tuple[str, str]:
    """A job at work at B03 and parts asked for it from the bay's kiosk, applied."""
    ro = shop.job()
    station.sign_in("T002")
    station.start(ro, "T002")
    station.request_parts(ro, "T002", [OIL, TYPED], pause=pause)
    shop.settle()
    (request,) = shop.core.ws.job(ro).parts_requests
    return ro, request.id


async def open_counter(user: User, who: str = "PC01") -> None:
    await sign_in(user, who, page="/parts")
    await user.should_see(marker="waiting", retries=RETRIES)


async def test_a_kiosk_request_reaches_the_counter_and_ready_reaches_the_kiosk(
    user: User, shop: Workshop
) -> None:
    ro, station = shop.at_work()
    station.request_parts(ro, "T002", [OIL, TYPED], pause=True)  # over MQTT, as tapped
    shop.settle()
    job = shop.core.ws.job(ro)
    (request,) = job.parts_requests
    rid = request.id
    # The clock waits for the parts, as the technician asked.
    assert job.segments[-1].reason == PauseReason.WAITING_PARTS.value
    assert await eventually(
        lambda: kiosk_parts(station, ro) == [PartsState.REQUESTED], "the kiosk shows it asked"
    )
    await open_counter(user)
    await user.should_see(marker=f"request-{rid}", retries=RETRIES)
    words = texts(user)
    assert "工位 B03" in words and ro in words and "京A12345" in words
    assert "机油滤清器 ×1" in words and "左前门内饰卡扣 ×6" in words
    assert text("counter.paused", "zh") in words
    user.find(marker=f"pick-{rid}").click()
    await user.should_see(marker=f"state-{rid}", content=text("parts_state.picking", "zh"))
    user.find(marker=f"ready-{rid}").click()
    await user.should_see(marker=f"served-{rid}", retries=RETRIES)
    assert not present(user, f"request-{rid}")  # off the queue, in sight below
    assert await eventually(
        lambda: kiosk_parts(station, ro) == [PartsState.READY], "ready on the kiosk", 10
    )
    card = kiosk_card(station, ro)
    assert card is not None and card.parts[0].served_at is not None
    trail = [(e["type"], e["source"]) for e in shop.core.store.audit_trail(ro)]
    assert ("parts.requested", "kiosk-b03") in trail
    assert ("parts.picked", "parts:PC01") in trail
    assert [t for t, _ in trail].count("parts.ready") == 1


async def test_the_pick_slip_of_a_request_is_kept_for_the_parts_printer(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    ro, rid = asked(shop, station)
    slips = [PrintJob.model_validate(p) for p in shop.core.store.unprinted()]
    slips = [p for p in slips if isinstance(p.doc, PickSlip)]
    assert len(slips) == 1
    slip = slips[0].doc
    assert isinstance(slip, PickSlip)
    assert (slip.ro, slip.request_id, slip.bay, slip.paused) == (ro, rid, "B03", True)
    assert [(x.label, x.value) for x in slip.lines] == [
        ("机油滤清器", "×1"),
        ("左前门内饰卡扣", "×6"),
    ]
    # No parts printer on the demo site: the workshop's prints it.
    assert slips[0].printer == "printer-shop"


async def test_not_in_stock_tells_the_advisor_and_the_foreman_and_the_kiosk(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    ro, rid = asked(shop, station, pause=False)
    await open_counter(user)
    await user.should_see(marker=f"request-{rid}", retries=RETRIES)
    user.find(marker=f"short-{rid}").click()
    await user.should_see(marker="short-dialog")
    user.find(marker="short-confirm").click()
    await user.should_see(
        marker=f"state-{rid}", content=text("parts_state.not_in_stock", "zh"), retries=RETRIES
    )
    notices = shop.core.query(
        lambda ws, _now: [(n.kind, n.advisor) for n in ws.notices.values() if n.ro == ro]
    )
    assert (NoticeKind.PARTS_SHORT, "SA01") in notices
    assert await eventually(
        lambda: kiosk_parts(station, ro) == [PartsState.NOT_IN_STOCK], "short on the kiosk", 10
    )
    # The foreman's board, as it is sent between batches, has the alert.
    board = await eventually(lambda: shop.core.dispatch_view, "the foreman's board", 10)
    assert await eventually(
        lambda: any(
            a.kind == "parts_short" and a.ro == ro and "机油滤清器" in a.detail
            for a in (shop.core.dispatch_view or board).alerts
        ),
        "the foreman's alert",
        10,
    )


def test_only_the_kiosk_of_the_jobs_bay_may_ask(core: Core, bus: FakeBus, store: Store) -> None:
    ro = checked_in_and_dispatched(core)  # at B03
    here, there = Kiosk("kiosk-b03", "B03"), Kiosk("kiosk-b04", "B04")
    data = {"request_id": "PR-1", "lines": [OIL]}
    for kiosk, tech in ((here, "T002"), (there, "T003")):
        topic, payload = kiosk.event("tech.signed_in", tech=tech)
        core.on_message(topic, payload, token=None)
    # B04's kiosk naming bay B03, then its own bay for the job at B03.
    forged = Kiosk("kiosk-b04", "B03", start_seq=2)
    topic, payload = forged.event("parts.requested", job=ro, tech="T003", **data)
    core.on_message(topic, payload, token=None)
    there.seq = 2
    topic, payload = there.event("parts.requested", job=ro, tech="T003", **data)
    core.on_message(topic, payload, token=None)
    topic, payload = here.event("parts.requested", job=ro, tech="T002", **data)
    core.on_message(topic, payload, token=None)
    settle(core, bus, 3, device="kiosk-b04")
    settle(core, bus, 2, device="kiosk-b03")
    assert [(a["result"], (a.get("error") or {}).get("code")) for a in bus.acks("kiosk-b04")] == [
        ("applied", None),
        ("rejected", "wrong_bay"),
        ("rejected", "wrong_bay"),
    ]
    assert bus.acks("kiosk-b03")[-1]["result"] == "applied"
    job = store.load_job(ro)
    assert [(r.id, r.bay, r.tech) for r in job.parts_requests] == [("PR-1", "B03", "T002")]


async def test_the_advisor_is_told_on_my_cars_when_a_part_is_not_in_stock(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    ro, rid = asked(shop, station, pause=False)
    expected = shop.core.clock() + timedelta(days=3)
    shop.core.run_command(PartsNotInStock(ro, rid, expected), actor="parts:PC01")
    (nid,) = shop.core.query(
        lambda ws, _now: [n.id for n in ws.notices.values() if n.kind is NoticeKind.PARTS_SHORT]
    )
    await sign_in(user, "SA01", page="/mycars")
    await user.should_see(marker=f"notice-{nid}", retries=RETRIES)
    day = expected.astimezone(shop.core.config.zone)
    words = texts(user)
    assert text("mycars.kind.parts_short", "zh") in words
    assert text("mycars.expected", "zh", day=f"{day:%m-%d}") in words
    assert present(user, f"call-{nid}")  # the customer is called before the promise slips


async def test_the_pick_slips_qr_scanned_at_the_counter_makes_its_parts_ready(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    ro, rid = asked(shop, station)
    [slip] = [
        PrintJob.model_validate(p).doc
        for p in shop.core.store.unprinted()
        if p["doc"]["document"] == "pick_slip"
    ]
    assert isinstance(slip, PickSlip)
    await open_counter(user)
    await user.should_see(marker=f"request-{rid}", retries=RETRIES)
    user.find(marker="scan").type("not a slip").trigger("keydown.enter")
    await user.should_see(text("counter.not_a_slip", "zh"), retries=RETRIES)
    assert shop.core.ws.job(ro).parts_requests[0].state is PartsState.REQUESTED
    user.find(marker="scan").type(f"{slip.ro}/{slip.request_id}").trigger("keydown.enter")
    await user.should_see(marker=f"served-{rid}", retries=RETRIES)
    assert shop.core.ws.job(ro).parts_requests[0].state is PartsState.READY


async def test_the_expected_days_picker_names_its_months_in_the_pages_language(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    _ro, rid = asked(shop, station, pause=False)
    await open_counter(user)

    async def picker() -> tuple[list[str], str]:
        await user.should_see(marker=f"short-{rid}", retries=RETRIES)
        user.find(marker=f"short-{rid}").click()
        await user.should_see(marker="short-dialog")
        (picked,) = user.find(marker="expected-date").elements
        # Its header titled, not Quasar's own day written in the app's first language.
        today = shop.core.ws.hours.day_of(shop.core.clock())
        assert picked.props[":options"] == f'day => day >= "{today:%Y/%m/%d}"'  # none past
        return list(picked.props["locale"]["months"]), picked.props["title"]

    months, title = await picker()
    assert months[:2] == ["一月", "二月"] and title == text("counter.expected_on", "zh")
    user.find(marker="language").click()  # the app started in Chinese; this person reads English
    await user.should_see(marker="waiting", retries=RETRIES)
    await user.open("/parts")
    months, title = await picker()
    assert months[:2] == ["January", "February"] and title == text("counter.expected_on", "en")
