"""The advisor's own cars (我的车辆, /mycars) through NiceGUI's user fixture on a real core: the
board of the signed-in advisor, a kiosk's finding told as it comes (with the sound), a
notice acknowledged, a promise at risk answered by the call and a new promise, the at-risk
notice nobody answered on the manager's screen, the work of an approved finding added,
an order cancelled with a reason, the wash and the ready car with its spot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nicegui.testing import User

from board.words import Words
from core.commands import AnswerFinding, CheckInCar
from core.display.rules import clock_text
from core.display.texts import text
from core.domain.inspection import complete
from core.domain.model import FindingState, JobStatus
from core.domain.vocabulary import NoticeKind
from tests.board_env import RETRIES, boards, present, sign_in, texts
from tests.helpers import Clock, demo_config, order
from tests.kiosk_env import Workshop
from tests.waiting import eventually


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def shop(tmp_path: Path, clock: Clock) -> Iterator[Workshop]:
    with boards(tmp_path, clock=clock) as w:
        yield w


def notices(shop: Workshop, kind: NoticeKind, ro: str) -> list[str]:
    """The ids of the open notices of that kind about the car."""
    return shop.core.query(
        lambda ws, _now: [
            n.id for n in ws.notices.values() if n.kind is kind and n.ro == ro and n.open
        ]
    )


def chimes(user: User) -> int:
    return int(user.find(marker="chime").elements.pop().props.get("data-chimes", 0))


def at_risk(shop: Workshop, clock: Clock, plate: str = "京A12345") -> str:
    """A car promised in ten minutes with an hour's work still ahead: at risk at once."""
    job = shop.core.run_command(
        CheckInCar(order(plate=plate, promised_at=clock() + timedelta(minutes=10))),
        actor="advisor:SA01",
    )
    return str(job.ro)


async def open_board(user: User, who: str = "SA01") -> None:
    """Signed in, on to the board: one page only, so that what sounds is what is read."""
    await sign_in(user, who, page="/mycars")
    await user.should_see(marker="cars", retries=RETRIES)


async def test_the_advisor_sees_their_own_cars_with_stage_and_promise(
    user: User, shop: Workshop
) -> None:
    mine = shop.job(plate="京A11111")
    theirs = shop.core.run_command(
        CheckInCar(replace(order(plate="京B22222"), advisor="SA02")), actor="advisor:SA02"
    ).ro
    await open_board(user)
    await user.should_see(marker=f"car-{mine}", retries=RETRIES)
    await user.should_see(marker=f"stage-{mine}", content=text("stage.waiting", "zh"))
    assert "京A11111" in texts(user) and "王先生" in texts(user)  # whom to call
    assert not present(user, f"car-{theirs}") and "京B22222" not in texts(user)
    await user.should_see(text("mycars.title", "zh"))  # in the menu and the title


async def test_a_kiosks_finding_shows_as_a_notice_with_a_sound_and_is_acknowledged(
    user: User, shop: Workshop
) -> None:
    ro, station = shop.at_work()
    await open_board(user)
    await user.should_see(marker=f"car-{ro}", retries=RETRIES)
    heard = chimes(user)
    station.finding(ro, "T002", "前刹车片磨损超限", "safety", 1.0, 380)  # at the bay, over MQTT
    shop.settle()
    (nid,) = notices(shop, NoticeKind.FINDING, ro)
    await user.should_see(marker=f"notice-{nid}", retries=RETRIES)
    await user.should_see(text("mycars.kind.finding", "zh"))
    assert "前刹车片磨损超限" in texts(user)
    fid = shop.core.ws.job(ro).findings[0].id
    await user.should_see(marker=f"waiting-{ro}-{fid}")  # on the car, waiting for the answer
    assert chimes(user) == heard + 1
    user.find(marker=f"ack-{nid}").click()
    await user.should_not_see(marker=f"notice-{nid}", retries=RETRIES)
    trail = [(e["type"], e["source"]) for e in shop.core.store.audit_trail(ro)]
    assert ("notice.acknowledged", "advisor:SA01") in trail
    assert chimes(user) == heard + 1  # nothing new: no sound


async def test_a_car_shows_promised_beside_predicted_and_how_late_its_finding_is_answered(
    user: User, shop: Workshop, clock: Clock
) -> None:
    ro, station = shop.at_work()
    station.finding(ro, "T002", "前刹车片磨损超限", "safety", 1.0, 380)
    shop.settle()
    fid = shop.core.ws.job(ro).findings[0].id
    await open_board(user)
    await user.should_see(marker=f"waiting-{ro}-{fid}", retries=RETRIES)
    zone = shop.core.config.zone
    promised = clock_text(shop.core.ws.job(ro).promised_at, zone, clock().astimezone(zone).date())
    # Each time with its date when it is not today's (near closing, the prediction is not)
    assert re.search(rf"承诺 {promised} · 预计 (\d\d-\d\d )?\d\d:\d\d", texts(user))
    waiting = user.find(marker=f"waiting-{ro}-{fid}").elements.pop()
    assert "需致电" not in waiting.text and "已升级" not in waiting.text  # just reported
    calm = clock() + timedelta(days=1)
    for minutes, plate, said in ((21, "京C33333", "需致电"), (100, "京C44444", "已升级")):
        clock.advance(minutes=minutes)
        shop.job(None, plate=plate, promised_at=calm)  # the workshop goes on: board made again
        await user.should_see(marker=f"waiting-{ro}-{fid}", content=said, retries=RETRIES)


async def test_a_note_typed_at_the_desk_outlives_the_minute_turning(
    user: User, shop: Workshop, clock: Clock
) -> None:
    """The desk's lists are drawn again when what they list changes, not when the minute
    turns: what the advisor is typing beside a finding (on the phone with the customer)
    stays, while the minutes it has waited go on."""
    ro, station = shop.at_work()
    station.finding(ro, "T002", "前刹车片磨损超限", "safety", 1.0, 380)
    shop.settle()
    fid = shop.core.ws.job(ro).findings[0].id
    await sign_in(user, "SA01", page="/desk")
    await user.should_see(marker=f"note-{ro}-{fid}", retries=RETRIES)
    user.find(marker=f"note-{ro}-{fid}").type("客户说下午回电")
    reported = shop.core.ws.job(ro).findings[0].reported_at
    clock.advance(minutes=3)
    shop.job(None, plate="京C55555", promised_at=clock() + timedelta(days=1))  # a new board
    waited = text("minutes", "zh", n=int((clock() - reported).total_seconds() // 60))
    await eventually(lambda: waited in texts(user), "the minutes moved on")
    note = user.find(marker=f"note-{ro}-{fid}").elements.pop()
    assert note.value == "客户说下午回电"


async def test_a_promise_at_risk_is_answered_by_the_call_and_a_new_promise(
    user: User, shop: Workshop, clock: Clock
) -> None:
    ro = at_risk(shop, clock)
    (nid,) = notices(shop, NoticeKind.AT_RISK, ro)
    await open_board(user)
    await user.should_see(marker=f"notice-{nid}", retries=RETRIES)
    await user.should_see(marker=f"at-risk-{ro}")
    user.find(marker=f"call-{nid}").click()
    new = (clock() + timedelta(hours=5)).astimezone(shop.core.config.zone)
    user.find(marker="promise-day").clear().type(new.date().isoformat())
    user.find(marker="promise-time").clear().type("25:99")
    user.find(marker="promise-submit").click()
    await user.should_see(text("mycars.bad_time", "zh"))
    user.find(marker="promise-time").clear().type(f"{new:%H:%M}")
    user.find(marker="promise-note").type("客户同意晚些取车")
    user.find(marker="promise-submit").click()
    await eventually(
        lambda: shop.core.ws.job(ro).promised_at == new.replace(second=0, microsecond=0),
        "the new promise",
    )
    await user.should_not_see(marker=f"notice-{nid}", retries=RETRIES)
    trail = {e["type"]: e for e in shop.core.store.audit_trail(ro)}
    called = trail["job.promise_called"]
    assert called["payload"]["note"] == "客户同意晚些取车"
    assert trail["job.promise_called"]["source"] == "advisor:SA01"
    said = Words(shop.core.config, "zh").detail("job.promise_called", called["payload"])
    assert said == f"已致电客户，新承诺 {new:%H:%M}：客户同意晚些取车"  # the order's timeline


async def test_an_at_risk_notice_nobody_acknowledged_goes_to_the_manager(
    user: User, shop: Workshop, clock: Clock
) -> None:
    ro = at_risk(shop, clock)
    (nid,) = notices(shop, NoticeKind.AT_RISK, ro)
    await open_board(user, "M001")
    await user.should_see(marker="escalated-none", retries=RETRIES)  # not yet: 15 minutes
    clock.advance(minutes=14)
    calm = clock() + timedelta(days=1)  # the workshop goes on, cars at no risk come in:
    shop.job(None, plate="京C33333", promised_at=calm)  # the board is made again
    await user.should_see(marker="escalated-none", retries=RETRIES)
    heard = chimes(user)
    clock.advance(minutes=2)
    shop.job(None, plate="京C44444", promised_at=calm)
    await user.should_see(marker=f"escalated-{nid}", retries=RETRIES)
    assert chimes(user) == heard + 1  # the manager hears it
    assert "SA01" in texts(user)  # whose car it is
    user.find(marker=f"ack-escalated-{nid}").click()
    await user.should_see(marker="escalated-none", retries=RETRIES)
    trail = [(e["type"], e["source"]) for e in shop.core.store.audit_trail(ro)]
    assert ("notice.acknowledged", "manager:M001") in trail


async def test_the_manager_picks_an_advisor_and_an_advisor_sees_no_escalations(
    user: User, shop: Workshop
) -> None:
    theirs = shop.core.run_command(
        CheckInCar(replace(order(plate="京B22222"), advisor="SA02")), actor="advisor:SA02"
    ).ro
    await open_board(user, "M001")
    assert not present(user, f"car-{theirs}")  # the first advisor's board first
    user.find(marker="advisor-pick").elements.pop().value = "SA02"
    await user.should_see(marker=f"car-{theirs}", retries=RETRIES)
    await open_board(user, "SA01")
    assert not present(user, "escalated") and not present(user, "advisor-pick")


async def test_the_work_of_an_approved_finding_is_added_from_the_catalogue(
    user: User, shop: Workshop
) -> None:
    ro, station = shop.at_work()
    station.finding(ro, "T002", "机油渗漏", "recommended", 0.5, 120)
    shop.settle()
    fid = shop.core.ws.job(ro).findings[0].id
    await open_board(user)
    await user.should_see(marker=f"car-{ro}", retries=RETRIES)
    assert not present(user, f"add-work-{ro}")  # nothing approved yet
    shop.core.run_command(AnswerFinding(ro, fid, True, "好"), "advisor:SA01")
    await user.should_see(marker=f"add-work-{ro}", retries=RETRIES)
    user.find(marker=f"add-work-{ro}").click()
    user.find(marker="work-submit").click()  # no operation picked
    await user.should_see(text("desk.missing", "zh", what=text("mycars.operations", "zh")))
    user.find(marker="work-operations").elements.pop().value = ["M020"]
    user.find(marker="work-submit").click()
    await eventually(
        lambda: [o.code for o in shop.core.ws.job(ro).operations] == ["M010", "M020"], "added"
    )
    assert shop.core.ws.job(ro).findings[0].state is FindingState.APPROVED
    trail = {e["type"]: e for e in shop.core.store.audit_trail(ro)}
    added = trail["job.work_added"]["payload"]
    assert added["finding_id"] == fid
    said = Words(shop.core.config, "zh").detail("job.work_added", added)
    assert said == "追加项目 M020"


async def test_more_work_the_customer_asks_for_is_added_to_the_open_order(
    user: User, shop: Workshop
) -> None:
    """The customer calls while the car is on the lift: new brake fluid too. No finding of
    the technician's: the advisor adds it from the catalogue, and the bay's kiosk shows it."""
    ro, station = shop.at_work()
    await open_board(user)
    await user.should_see(marker=f"more-work-{ro}", retries=RETRIES)
    user.find(marker=f"more-work-{ro}").click()
    user.find(marker="more-submit").click()  # nothing picked
    await user.should_see(text("desk.missing", "zh", what=text("mycars.operations", "zh")))
    user.find(marker="more-operations").elements.pop().value = ["M050"]
    submit = user.find(marker="more-submit")
    submit.click()
    submit.click()  # a double click: the work is added once
    await eventually(
        lambda: [o.code for o in shop.core.ws.job(ro).operations] == ["M010", "M050"], "added"
    )
    (line,) = [e for e in shop.core.store.audit_trail(ro) if e["type"] == "job.updated"]
    said = Words(shop.core.config, "zh").detail("job.updated", line["payload"])
    assert said == "追加项目 M050"
    card = station.job(ro)
    assert card is not None
    assert await eventually(
        lambda: any(o.code == "M050" for o in (station.job(ro) or card).operations),
        "the new work at the bay's kiosk",
        10,
    )


async def test_no_more_work_goes_on_a_car_past_its_bay(user: User, shop: Workshop) -> None:
    ro, _ = shop.at_work()
    shop.core.query(lambda ws, now: ws.self_check(ro, "T002", "B03", now))
    await open_board(user)
    await user.should_see(marker=f"car-{ro}", retries=RETRIES)
    assert not present(user, f"more-work-{ro}")


async def test_an_order_is_cancelled_only_with_a_reason(user: User, shop: Workshop) -> None:
    ro = shop.job(plate="京D44444")
    await open_board(user)
    await user.should_see(marker=f"cancel-{ro}", retries=RETRIES)
    user.find(marker=f"cancel-{ro}").click()
    user.find(marker="cancel-submit").click()
    why = text("error.invalid_data", "zh")
    await user.should_see(text("desk.refused", "zh", why=why))
    assert shop.core.ws.job(ro).status is JobStatus.DISPATCHED
    user.find(marker="cancel-reason").type("客户改天再来")
    user.find(marker="cancel-submit").click()
    await eventually(lambda: shop.core.store.load_job(ro).status is JobStatus.CANCELLED, "gone")
    await user.should_not_see(marker=f"car-{ro}", retries=RETRIES)
    trail = {e["type"]: e for e in shop.core.store.audit_trail(ro)}
    assert trail["job.cancelled"]["payload"]["reason"] == "客户改天再来"


async def test_the_wash_starting_and_the_ready_car_with_its_spot_are_told(
    user: User, shop: Workshop
) -> None:
    ro, _ = shop.at_work()
    await open_board(user)
    await user.should_see(marker=f"car-{ro}", retries=RETRIES)

    def through_qc(ws: object, now: datetime) -> None:
        w = shop.core.ws
        w.self_check(ro, "T002", "B03", now)
        w.sign_in("T001", "B03", now)
        w.leader_check(ro, "T001", "B03", now)
        w.sign_in("Q001", "Q01", now)
        w.qc_pass(ro, "Q001", "Q01", now, complete(w.jobs[ro].job_type))
        w.sign_in("W001", "W01", now)
        w.wash_start(ro, "W001", "W01", now)

    shop.core.query(through_qc)
    shop.job(plate="京E55555")  # the next batch takes the steps' facts
    (washing,) = notices(shop, NoticeKind.WASHING, ro)
    await user.should_see(marker=f"notice-{washing}", retries=RETRIES)
    await user.should_see(text("mycars.kind.washing", "zh"))
    shop.core.query(lambda ws, now: ws.wash_done(ro, "W001", "W01", now, spot="P07"))
    shop.job(plate="京E66666")
    (ready,) = notices(shop, NoticeKind.READY, ro)
    await user.should_see(marker=f"notice-{ready}", retries=RETRIES)
    await user.should_see(text("mycars.parked", "zh", spot="P07"))
    assert not present(user, f"promise-{ro}") and not present(user, f"cancel-{ro}")


def test_the_orders_timeline_dates_a_promise_not_on_the_day_it_was_logged() -> None:
    """“承诺 10:45 交车” logged in the evening reads as this evening: a promise for the next
    morning is written with its date; one on the day of the line stands alone."""
    words = Words(demo_config(), "zh")
    zone = demo_config().zone
    logged = datetime(2026, 12, 7, 17, 40, tzinfo=zone)
    order = {"vehicle": {"plate": "京A12345"}, "operations": [{"code": "M010"}]}
    for promised, shown in (
        (datetime(2026, 12, 8, 10, 45, tzinfo=zone), "12-08 10:45"),
        (datetime(2026, 12, 7, 18, 15, tzinfo=zone), "18:15"),
    ):
        payload = {"order": {**order, "promised_at": promised.isoformat()}}
        said = words.detail("job.checked_in", payload, logged)
        assert f"承诺 {shown} 交车" in said, said
    called = {"promised_at": datetime(2026, 12, 8, 9, 0, tzinfo=zone).isoformat(), "note": ""}
    assert "新承诺 12-08 09:00" in words.detail("job.promise_called", called, logged)
