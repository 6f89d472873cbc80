"""The kiosk screen, driven the way a technician uses it (NiceGUI's ``user`` fixture),
against a real core, each on its real MQTT link over the broker in the test process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import select

from core.commands import (
    AnswerFinding,
    CheckInCar,
    Dispatch,
    DispatchAt,
    PauseEveryone,
    SetPriority,
)
from core.contract.help_board import HelpLine
from core.display.rules import clock_text
from core.display.texts import text, texts_for
from core.domain.inspection import checklist
from core.domain.model import JobStatus, JobType, PauseReason, Priority, Vehicle
from core.domain.vocabulary import HelpKind, HelpState, StaffRole
from core.pairings import Pairings
from core.store.tables import AuditRow
from kiosk.help import standing
from kiosk.job_card import CLOCK_EVERY
from kiosk.live import _events
from kiosk.page import register
from kiosk.pairing import COOKIE
from kiosk.station import Station
from tests.helpers import order
from tests.kiosk_env import Workshop, sqlite_workshop
from tests.kiosk_env import open_kiosk as open_station
from tests.waiting import eventually, wait_until

RETRIES = 60  # × 0.1 s: the core answers on its own thread


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with sqlite_workshop(tmp_path) as w:
        yield w


async def open_kiosk(user: User, station: Station, lang: str = "en") -> None:
    await open_station(user, station, lang)


async def see(
    user: User, *texts: str, marker: str | None = None, content: str | None = None
) -> None:
    if marker is not None:
        await user.should_see(marker=marker, content=content, retries=RETRIES)
    for c in texts:
        await user.should_see(c, retries=RETRIES)


async def tap(user: User, marker: str) -> None:
    """Wait until the button is on screen (the core's answer redraws it), then press it."""
    await user.should_see(marker=marker, retries=RETRIES)
    user.find(marker=marker).click()


async def sign_in(user: User, tech: str, pin: str) -> None:
    """A tap on one's name, then one's PIN."""
    await tap(user, "sign-in")
    await tap(user, f"who-{tech}")
    user.find(marker="pin").type(pin)
    await tap(user, "pin-ok")


def finished_at_b03(shop: Workshop, tech: str = "T002") -> tuple[str, Station]:
    """A car worked at B03 by ``tech`` and self-checked (still to settle): it and B03."""
    ro = shop.job()
    bay = shop.station("B03")
    bay.sign_in(tech)
    bay.start(ro, tech)
    bay.self_check(ro, tech)
    return ro, bay


async def test_sign_in_with_a_pin_then_out(user: User, shop: Workshop) -> None:
    station = shop.station("B03")
    await open_kiosk(user, station)
    await see(user, "Nobody signed in: scan a badge or enter a PIN")
    await sign_in(user, "T002", "1002")
    await see(user, marker="tech-T002", content="李强")
    shop.settle()
    assert shop.core.ws.tech_state("T002").bay == "B03"
    await tap(user, "sign-out")
    shop.settle()
    assert shop.core.ws.tech_state("T002").bay is None
    await user.should_not_see(marker="tech-T002", retries=RETRIES)


async def test_the_pin_pad_speaks_the_kiosks_language(user: User, shop: Workshop) -> None:
    await open_kiosk(user, shop.station("B03"), "zh")
    await tap(user, "sign-in")
    await tap(user, "who-T002")
    await see(user, marker="pin-ok", content="确定")


def refusals(shop: Workshop) -> list[tuple[str | None, dict[str, object]]]:
    """(technician, data) of every refused sign-in the core recorded, in order."""
    with shop.core.store.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.payload)
            .where(AuditRow.type == "tech.sign_in_refused")
            .order_by(AuditRow.id)
        )
        return [(p["tech"], p["data"]) for (p,) in rows]


async def wrong_pin(user: User, tech: str, pin: str = "9999") -> None:
    await sign_in(user, tech, pin)
    await see(user, "Wrong PIN")
    await tap(user, "kiosk-cancel")


async def test_a_wrong_pin_is_refused_and_reported_to_the_core(user: User, shop: Workshop) -> None:
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T004", "9999")
    await see(user, "Wrong PIN")
    shop.settle()
    assert station.present() == []
    assert [t for _, t in shop.core.store.audit_events("kiosk-b03")] == ["tech.sign_in_refused"]
    assert refusals(shop) == [
        ("T004", {"misses": 1, "kiosk_misses": 1, "lockout_s": 0, "locked": None})
    ]


async def test_a_technicians_id_alone_does_not_sign_them_in(user: User, shop: Workshop) -> None:
    """The id is on every board: typed or scanned, it is a wrong try, not a sign-in."""
    station = shop.station("B03")
    await open_kiosk(user, station)
    user.find(marker="scan").type("T004").trigger("keydown.enter")
    await see(user, "Neither a job at this bay nor a badge")
    shop.settle()
    assert station.present() == []
    assert shop.core.ws.tech_state("T004").bay is None
    assert refusals(shop) == [
        (None, {"misses": 1, "kiosk_misses": 1, "lockout_s": 0, "locked": None})
    ]


async def test_after_three_wrong_pins_a_technician_waits_even_with_the_right_one(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    await open_kiosk(user, station)
    for _ in range(3):
        await wrong_pin(user, "T004")
    await tap(user, "sign-in")
    await tap(user, "who-T004")
    await see(user, marker="pin-wait", content="Too many wrong PINs for 刘洋: try again in 30 s")
    await user.should_not_see(marker="pin", retries=3)  # nothing to type while it runs
    await tap(user, "kiosk-cancel")
    await sign_in(user, "T002", "1002")  # another technician is not held up
    await see(user, marker="tech-T002")

    shop.clock.advance(seconds=31)
    await sign_in(user, "T004", "1004")
    await see(user, marker="tech-T004", content="刘洋 ✓")
    shop.settle()
    assert [(tech, d["misses"], d["lockout_s"]) for tech, d in refusals(shop)] == [
        ("T004", 1, 0),
        ("T004", 2, 0),
        ("T004", 3, 30),
    ]


async def test_the_tenth_wrong_try_at_a_kiosk_waits(user: User, shop: Workshop) -> None:
    """Nine wrong PINs spread over technicians (none reaches their own three): the kiosk
    itself waits, for every technician and every badge."""
    station = shop.station("B03")
    await open_kiosk(user, station)
    for tech in ("T001", "T001", "T002", "T002", "T003", "T003", "T005", "T005", "T006"):
        await wrong_pin(user, tech)
    await tap(user, "sign-in")  # the tenth try: no PIN is even asked for, right or wrong
    await tap(user, "who-T004")
    await see(user, marker="pin-wait", content="Too many wrong tries at this kiosk")
    await user.should_not_see(marker="pin", retries=3)
    await tap(user, "kiosk-cancel")
    user.find(marker="scan").type("10007").trigger("keydown.enter")  # T007's badge
    await see(user, "Too many wrong tries at this kiosk: try again in 30 s")
    shop.settle()
    assert station.present() == []
    assert shop.core.ws.tech_state("T004").bay is None
    told = refusals(shop)
    assert len(told) == 9  # the tries while it waits were never checked
    assert told[-1][1] == {"misses": 1, "kiosk_misses": 9, "lockout_s": 30, "locked": "kiosk"}


async def test_badge_scan_signs_in_and_job_qr_scan_selects_the_job(
    user: User, shop: Workshop
) -> None:
    first = shop.job(plate="京A11111")
    second = shop.job(plate="京B22222")
    station = shop.station("B03")
    await open_kiosk(user, station)
    await see(user, "京A11111", "京B22222")
    user.find(marker="scan").type("10003").trigger("keydown.enter")
    await see(user, marker="tech-T003", content="张伟 ✓")
    user.find(marker="scan").type(second.lower()).trigger("keydown.enter")
    await see(user, marker="card-ro", content=second)
    user.find(marker=f"job-{first}").click()
    await see(user, marker="card-ro", content=first)


async def test_the_bays_queue_in_the_foremans_order_an_urgent_car_first_and_marked(
    user: User, shop: Workshop
) -> None:
    first, second = shop.job(plate="京A11111"), shop.job(plate="京A22222")
    station = shop.station("B03")
    await open_kiosk(user, station)
    await see(user, marker=f"job-{second}")
    shop.core.run_command(SetPriority(second, Priority.URGENT), "foreman:F001")
    await see(user, marker="urgent", content="Urgent")
    await eventually(lambda: [j.ro for j in station.jobs()] == [second, first], "urgent first")


async def test_start_pause_with_reason_resume_finding_and_finish(
    user: User, shop: Workshop
) -> None:
    ro = shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    await tap(user, "start")
    shop.settle()
    assert shop.core.ws.job(ro).status is JobStatus.IN_PROGRESS
    await see(user, "Working: 李强")
    await see(user, marker="elapsed", content="Worked 0:00 / Standard 1:00")

    await tap(user, "pause")
    await tap(user, "reason-waiting_parts")
    shop.settle()
    job = shop.core.ws.job(ro)
    assert job.status is JobStatus.PAUSED and job.last_pause_reason == "waiting_parts"
    await see(user, marker="readiness", content="Waiting parts")

    await tap(user, "resume")
    shop.settle()
    assert shop.core.ws.job(ro).status is JobStatus.IN_PROGRESS

    await tap(user, "finding")
    await tap(user, "catalogue-F01")
    await tap(user, "finding-submit")
    shop.settle()
    (finding,) = shop.core.ws.job(ro).findings
    assert finding.title == "Front brake pads worn past limit"
    assert finding.severity.value == "safety" and finding.labor_hours == 1.0
    await see(user, marker="finding-line", content="Awaiting answer")

    shop.core.run_command(AnswerFinding(ro, finding.id, approved=False), actor="advisor:SA01")
    await see(user, marker="finding-line", content="Safety item declined by the customer")

    await tap(user, "finish")
    assert shop.core.ws.job(ro).status is JobStatus.IN_PROGRESS  # nothing before confirming
    await tap(user, "confirm")
    shop.settle()
    assert shop.core.ws.job(ro).status is JobStatus.SELF_CHECKED
    # Still on the bay's screen until the team leader has checked it; 李强 is no leader.
    await see(user, marker="stage", content="Awaits leader check")
    await see(user, marker="awaits-leader", content="waiting for the team leader's check")
    await user.should_not_see(marker="leader_check")  # 李强 may not: a leader badges
    await see(user, marker="leader_by_badge")


async def test_a_job_set_to_start_later_says_so_and_the_next_one_is_shown_first(
    user: User, shop: Workshop
) -> None:
    later = shop.job()  # first in the bay's queue
    now_free = shop.job(plate="京B22222")
    start = datetime.now(UTC) + timedelta(hours=2)
    shop.core.run_command(DispatchAt(later, "B03", start), actor="foreman:F1")
    station = shop.station("B03")
    await open_kiosk(user, station)
    await eventually(lambda: [j.ro for j in station.jobs()] == [later, now_free], "queue")
    zone = shop.core.config.zone
    when = clock_text(start, zone, datetime.now(zone).date())
    await see(user, marker="pinned", content=f"Foreman: start at {when}")
    await see(user, marker="card-ro", content=now_free)  # the one the bay may start now
    user.find(marker=f"job-{later}").click()
    await see(user, marker="card-pinned", content=f"Foreman: start at {when}")
    # Drawn again once, when that time comes (nothing else runs on time: no clock runs).
    assert [round(t.interval / 60) for t in timers(user)] == [120]


async def test_after_finishing_a_car_the_bays_next_car_is_shown(user: User, shop: Workshop) -> None:
    ro = shop.job()
    following = shop.job(plate="京B22222")
    await open_kiosk(user, shop.station("B03"))
    await sign_in(user, "T002", "1002")
    await tap(user, "start")
    await tap(user, "finish")
    await tap(user, "confirm")
    shop.settle()
    assert shop.core.ws.job(ro).status is JobStatus.SELF_CHECKED
    await see(user, marker="card-ro", content=following)  # not the one waiting its check
    await see(user, marker="stage", content="Awaits leader check")


async def test_the_team_leader_checks_a_finished_car_at_its_bay(user: User, shop: Workshop) -> None:
    ro, bay = finished_at_b03(shop)
    shop.settle()
    await open_kiosk(user, bay)
    await see(user, marker="awaits-leader")
    await sign_in(user, "T001", "1001")  # the team's leader comes to the bay
    await tap(user, "leader_check")
    user.find(marker="leader-notes").type("试车正常")
    await tap(user, "leader-check-submit")
    shop.settle()
    job = shop.core.ws.job(ro)
    assert job.status is JobStatus.LEADER_CHECKED
    assert (job.checks[-1].level, job.checks[-1].by) == ("leader", "T001")
    await see(user, "No jobs dispatched here")  # on to the QC station: gone from the bay
    with shop.core.store.engine.connect() as conn:
        where = conn.execute(
            select(AuditRow.bay, AuditRow.source).where(AuditRow.type == "job.leader_checked")
        ).all()
    assert where == [("B03", "kiosk-b03")]


async def test_a_leader_who_comes_over_checks_with_their_badge_and_stays_at_their_bay(
    user: User, shop: Workshop
) -> None:
    own = shop.job(bay="B01", plate="京B22222")  # the leader at work on a car of their own
    b01 = shop.station("B01")
    b01.sign_in("T001")
    b01.start(own, "T001")
    shop.settle("B01")
    ro, bay = finished_at_b03(shop)
    bay.sign_out("T002")  # gone for lunch: nobody signed in at the bay
    shop.settle()
    await open_kiosk(user, bay)
    await tap(user, "leader_by_badge")
    user.find(marker="leader-badge").type("99999")  # nobody's: a wrong try at this kiosk
    await tap(user, "leader-check-submit")
    await see(user, text("kiosk.unknown_code", "en"))
    user.find(marker="leader-badge").clear()
    user.find(marker="leader-badge").type("10004")  # 刘洋's: no team leader
    user.find(marker="leader-notes").type("试车正常")
    await tap(user, "leader-check-submit")
    await see(user, "Not a team leader's badge")
    shop.settle()
    sent = [u.type for u in bay.unsent()] + [p.type for p in bay.problems]
    assert "job.leader_checked" not in sent and not bay.problems  # nothing sent, none refused
    assert shop.core.ws.job(ro).status is JobStatus.SELF_CHECKED
    user.find(marker="leader-badge").clear()
    user.find(marker="leader-badge").type("10001")  # 王建国, team A's leader
    await tap(user, "leader-check-submit")
    shop.settle()
    job = shop.core.ws.job(ro)
    assert job.status is JobStatus.LEADER_CHECKED
    assert (job.checks[-1].by, job.checks[-1].notes) == ("T001", "试车正常")
    leader = shop.core.ws.tech_state("T001")
    assert (leader.bay, leader.active_job) == ("B01", own)  # still at work on their own
    await see(user, "No jobs dispatched here")


async def test_a_leader_badging_at_the_scan_field_is_asked_check_or_sign_in(
    user: User, shop: Workshop
) -> None:
    own = shop.job(bay="B01", plate="京B22222")
    b01 = shop.station("B01")
    b01.sign_in("T001")
    b01.start(own, "T001")
    shop.settle("B01")
    ro, bay = finished_at_b03(shop)
    queued = shop.job(plate="京C33333")  # the bay's next car: the one shown
    shop.settle()
    await open_kiosk(user, bay)
    await see(user, marker="card-ro", content=queued)
    user.find(marker="scan").type("10004").trigger("keydown.enter")  # 刘洋, no leader: signs in
    await see(user, marker="tech-T004", content="刘洋 ✓")
    user.find(marker="scan").type("10001").trigger("keydown.enter")  # 王建国 scans as he comes
    await see(user, "王建国: leader check, or sign in here?")
    await tap(user, "choose-check")
    await user.should_not_see(marker="leader-badge")  # his badge said who he is
    await tap(user, "leader-check-submit")
    shop.settle()
    assert shop.core.ws.job(ro).checks[-1].by == "T001"
    leader = shop.core.ws.tech_state("T001")
    assert (leader.bay, leader.active_job) == ("B01", own)  # not signed in at B03
    await user.should_not_see(marker=f"job-{ro}")  # on to the QC station


async def test_the_leader_who_did_the_self_check_is_sent_for_another_leader(
    user: User, shop: Workshop
) -> None:
    ro, bay = finished_at_b03(shop, tech="T001")  # 王建国, a leader, worked and finished it
    shop.settle()
    await open_kiosk(user, bay)
    await see(user, marker="awaits-leader", content="You did its self-check")
    await user.should_not_see(marker="leader_check")  # the core would refuse the same checker
    await tap(user, "leader_by_badge")
    user.find(marker="leader-badge").type("10001")  # his own badge
    await tap(user, "leader-check-submit")
    await see(user, "another team leader checks it")
    shop.settle()
    assert "job.leader_checked" not in [u.type for u in bay.unsent()] and not bay.problems
    user.find(marker="leader-badge").clear()
    user.find(marker="leader-badge").type("10005")  # 陈志强, another leader
    await tap(user, "leader-check-submit")
    shop.settle()
    assert shop.core.ws.job(ro).checks[-1].by == "T005"


async def test_a_leader_allowed_to_check_twice_on_the_order_checks_his_own_car(
    user: User, shop: Workshop
) -> None:
    ro, bay = finished_at_b03(shop, tech="T001")
    shop.core.query(
        lambda ws, now: ws.allow_same_checker(ro, "周日只有班组长一人", "manager:M001", now)
    )
    shop.settle()
    await open_kiosk(user, bay)
    await tap(user, "leader_check")
    await tap(user, "leader-check-submit")
    shop.settle()
    job = shop.core.ws.job(ro)
    assert (job.checks[-1].by, job.checks[-1].override) == ("T001", "周日只有班组长一人")


async def test_a_leader_badging_with_two_cars_waiting_picks_the_one_to_check(
    user: User, shop: Workshop
) -> None:
    first, bay = finished_at_b03(shop)
    second = shop.job(plate="京D44444")
    bay.start(second, "T002")
    bay.self_check(second, "T002")
    queued = shop.job(plate="京C33333")  # the car shown: neither of the two
    shop.settle()
    await open_kiosk(user, bay)
    await see(user, marker="card-ro", content=queued)
    user.find(marker="scan").type("10005").trigger("keydown.enter")  # 陈志强 comes over
    await see(user, "陈志强: leader check, or sign in here?")
    assert len(user.find(marker="choose-check").elements) == 2
    await tap(user, f"choose-check-{second}")
    await tap(user, "leader-check-submit")
    shop.settle()
    assert shop.core.ws.job(second).checks[-1].by == "T005"
    assert shop.core.ws.job(first).status is JobStatus.SELF_CHECKED
    assert shop.core.ws.tech_state("T005").bay is None  # not signed in at B03


async def test_a_leader_whose_own_self_check_is_still_unsent_is_not_offered_its_check(
    user: User, shop: Workshop
) -> None:
    ro = shop.job()
    bay = shop.station("B03")
    bay.sign_in("T001")
    bay.start(ro, "T001")
    shop.settle()
    shop.links["B03"].go_offline()
    bay.self_check(ro, "T001")  # 王建国 finishes it, offline: the card does not say so yet
    bay.sign_out("T001")
    await open_kiosk(user, bay)
    user.find(marker="scan").type("10001").trigger("keydown.enter")  # back, by his badge
    await see(user, marker="tech-T001", content="王建国 ✓")  # signed in, not asked to check
    await user.should_not_see(marker="choose-check")


async def test_a_leader_who_came_to_work_signs_in_by_badge_all_the_same(
    user: User, shop: Workshop
) -> None:
    finished_at_b03(shop)
    shop.settle()
    await open_kiosk(user, shop.station("B03"))
    user.find(marker="scan").type("10005").trigger("keydown.enter")  # 陈志强, free today
    await tap(user, "choose-sign-in")
    await see(user, marker="tech-T005", content="陈志强 ✓")
    shop.settle()
    assert shop.core.ws.tech_state("T005").bay == "B03"


async def test_a_car_checked_by_the_leader_at_the_qc_station_leaves_its_bays_screen(
    user: User, shop: Workshop
) -> None:
    ro, bay = finished_at_b03(shop)
    shop.settle()
    await open_kiosk(user, bay)
    await see(user, marker="stage", content="Awaits leader check")
    qc = shop.station("Q01")
    qc.sign_in("Q001")
    qc.leader_check(ro, "Q001")
    shop.settle("Q01")
    await see(user, "No jobs dispatched here")


async def test_a_typed_finding_with_severity_hours_and_parts(user: User, shop: Workshop) -> None:
    ro = shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    await tap(user, "finding")
    user.find(marker="finding-title").type("左前减震器漏油")
    await tap(user, "severity-advisory")
    user.find(marker="labor-hours").clear().type("2.5")
    user.find(marker="parts").clear().type("800")
    user.find(marker="note").type("有油迹")
    await tap(user, "finding-submit")
    shop.settle()
    (f,) = shop.core.ws.job(ro).findings
    assert (f.title, f.severity.value, f.labor_hours, f.parts_estimate, f.note) == (
        "左前减震器漏油",
        "advisory",
        2.5,
        800.0,
        "有油迹",
    )


async def test_two_technicians_share_a_job_each_with_their_own_clock(
    user: User, shop: Workshop
) -> None:
    ro = shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    await tap(user, "start")
    await sign_in(user, "T003", "1003")
    await see(user, marker="tech-T003", content="张伟 ✓")
    await tap(user, "start")
    shop.settle()
    assert sorted(shop.core.ws.job(ro).working_techs()) == ["T002", "T003"]
    await tap(user, "pause")
    await tap(user, "reason-break")
    shop.settle()
    assert shop.core.ws.job(ro).working_techs() == ["T002"]


async def test_offline_taps_are_counted_then_delivered(user: User, shop: Workshop) -> None:
    ro = shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station)
    shop.links["B03"].go_offline()
    await see(user, marker="link-state", content="Offline")
    await sign_in(user, "T002", "1002")
    await tap(user, "start")
    await see(user, marker="unsent", content="2 unsent")
    await see(user, "Unsent: start")
    assert shop.core.ws.job(ro).status is JobStatus.DISPATCHED

    shop.links["B03"].go_online()
    shop.settle()
    await see(user, marker="unsent", content="All delivered")
    await see(user, marker="link-state", content="Online")
    assert shop.core.ws.job(ro).status is JobStatus.IN_PROGRESS


async def test_a_refused_login_is_told_and_not_retried(
    user: User, shop: Workshop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    shop.broker.refuse["kiosk-b03"] = 135  # not authorised: a wrong device password
    station = shop.station("B03", online=False)
    await open_kiosk(user, station, lang="zh")
    shop.broker.unreachable.discard("kiosk-b03")  # the network comes: the login is refused
    await eventually(lambda: station.refused, "the refusal", timeout=15)
    await see(user, marker="link-state", content="服务器拒绝了本终端的登录")
    tries = shop.broker.attempts.count("kiosk-b03")
    time.sleep(1.5)  # a link that kept trying would have tried again by now
    assert shop.broker.attempts.count("kiosk-b03") == tries
    assert any("not retrying" in r.getMessage() for r in caplog.records)
    caplog.clear()  # the one ERROR expected: the user fixture fails on any it still sees


async def test_a_rejected_tap_is_told_in_plain_words(user: User, shop: Workshop) -> None:
    ro = shop.job()
    other = shop.job(plate="京C33333", bay="B04")
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    station.start(other, "T002")  # e.g. a stale QR scanned from another bay's ticket
    await see(user, "✗ start " + other + " not accepted: This job is not dispatched to this bay")
    await tap(user, "start")
    shop.settle()
    assert shop.core.ws.job(ro).status is JobStatus.IN_PROGRESS


async def test_shift_end_pauses_the_running_clock_and_the_kiosk_shows_it(
    user: User, shop: Workshop
) -> None:
    ro = shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    await tap(user, "start")
    shop.settle()
    shop.core.run_command(PauseEveryone(PauseReason.SHIFT_END), actor="system:shift-end")
    await see(user, marker="resume")
    assert shop.core.ws.job(ro).last_pause_reason == "shift_end"


async def test_at_the_qc_station_the_leader_who_did_the_self_check_is_not_offered_it(
    user: User, shop: Workshop
) -> None:
    finished_at_b03(shop, "T001")  # 王建国, a team leader, did the self-check
    shop.settle()
    qc = shop.station("Q01")
    await open_kiosk(user, qc)
    await sign_in(user, "T001", "1001")
    await see(user, marker="awaits-leader", content="You did its self-check")
    await user.should_not_see(marker="leader_check")


async def test_qc_station_leader_check_fail_to_rework_and_pass(user: User, shop: Workshop) -> None:
    ro, bay = finished_at_b03(shop, "T001")
    shop.settle()
    qc = shop.station("Q01")
    await open_kiosk(user, qc)
    await sign_in(user, "Q001", "2001")
    await tap(user, "leader_check")
    user.find(marker="leader-notes").type("刹车盘有轻微划痕")
    user.find(marker="leader-recommendations").type("三个月后复查刹车盘\n\n更换雨刮\n")
    await tap(user, "leader-check-submit")
    shop.settle("Q01")
    job = shop.core.ws.job(ro)
    assert job.status is JobStatus.LEADER_CHECKED
    leader = job.checks[-1]
    assert (leader.by, leader.notes) == ("Q001", "刹车盘有轻微划痕")
    assert leader.recommendations == ["三个月后复查刹车盘", "更换雨刮"]
    await tap(user, "qc_fail")
    user.find(marker="qc-items").type("左前轮螺栓扭矩不足\n")
    await tap(user, "qc-fail-submit")
    shop.settle("Q01")
    job = shop.core.ws.job(ro)
    assert job.status is JobStatus.DISPATCHED and job.rework_count == 1
    assert job.checks[-1].items == ["左前轮螺栓扭矩不足"]

    bay.start(ro, "T001")
    bay.self_check(ro, "T001")
    shop.settle()
    await tap(user, "leader_check")
    await tap(user, "leader-check-submit")
    await tap(user, "qc_pass")
    items = checklist(shop.core.ws.job(ro).job_type)
    for item in items[:-1]:
        user.find(marker=f"check-{item}").click()
    await tap(user, "qc-pass-submit")  # an item left unticked: the dialog stays
    await user.should_see(text("kiosk.checklist_open", "en"), retries=RETRIES)
    user.find(marker=f"check-{items[-1]}").click()
    user.find(marker="road-test").click()
    user.find(marker="road-test-note").type("异响消失")
    assert shop.core.ws.job(ro).status is JobStatus.LEADER_CHECKED  # not before submitting
    await tap(user, "qc-pass-submit")
    shop.settle("Q01")
    job = shop.core.ws.job(ro)
    assert job.status is JobStatus.WASH_WAITING
    qc = job.checks[-1]
    assert (qc.checklist, qc.road_test, qc.road_test_note) == (list(items), True, "异响消失")
    assert qc.override == "site", "the demo's one inspector did the leader check too"


async def test_wash_bay_start_and_done(user: User, shop: Workshop) -> None:
    ro = shop.job()
    bay, qc = shop.station("B03"), shop.station("Q01")
    bay.sign_in("T001")
    bay.start(ro, "T001")
    bay.self_check(ro, "T001")
    shop.settle()
    qc.sign_in("Q001")
    qc.leader_check(ro, "Q001")
    qc.qc_pass(ro, "Q001", list(checklist(JobType.REPAIR)), True)
    shop.settle("Q01")
    wash = shop.station("W01")
    await open_kiosk(user, wash)
    await sign_in(user, "W001", "3001")
    await tap(user, "wash_start")
    shop.settle("W01")
    assert shop.core.ws.job(ro).status is JobStatus.WASHING
    await tap(user, "wash_done")
    await tap(user, "wash-done-submit")  # where is it parked? Not said: the dialog stays
    await user.should_see(text("error.invalid_data", "en"), retries=RETRIES)
    assert shop.core.ws.job(ro).status is JobStatus.WASHING
    user.find(marker="parking-spot").type("P07")
    await tap(user, "wash-done-submit")
    shop.settle("W01")
    job = shop.core.ws.job(ro)
    assert (job.status, job.parking_spot) == (JobStatus.READY, "P07")


async def test_a_car_needing_no_wash_is_parked_where_qc_says(user: User, shop: Workshop) -> None:
    ro = shop.job(wash_requested=False)
    bay = shop.station("B03")
    bay.sign_in("T002")
    bay.start(ro, "T002")
    bay.self_check(ro, "T002")
    shop.settle()
    qc = shop.station("Q01")
    await open_kiosk(user, qc)
    await sign_in(user, "Q001", "2001")
    await tap(user, "leader_check")
    await tap(user, "leader-check-submit")
    await tap(user, "qc_pass")
    for item in checklist(JobType.REPAIR):
        user.find(marker=f"check-{item}").click()
    user.find(marker="road-test").click()
    await tap(user, "qc-pass-submit")  # no spot: the dialog stays
    await user.should_see(text("error.invalid_data", "en"), retries=RETRIES)
    user.find(marker="parking-spot").type("P12")
    await tap(user, "qc-pass-submit")
    shop.settle("Q01")
    job = shop.core.ws.job(ro)
    assert (job.status, job.parking_spot) == (JobStatus.READY, "P12")


async def test_chinese_first_and_english_on_a_tap(user: User, shop: Workshop) -> None:
    shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station, lang="zh")
    await sign_in(user, "T002", "1002")
    await see(user, marker="start", content="开始")
    await tap(user, "language")
    await see(user, marker="start", content="Start")
    await see(user, "Bay queue")


async def test_every_button_is_a_glove_sized_touch_target(user: User, shop: Workshop) -> None:
    shop.job()
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    await tap(user, "finding")  # the finding dialog has the most buttons
    await see(user, marker="start")
    buttons = user.find(kind=ui.button).elements
    assert len(buttons) > 20
    for b in buttons:
        heights = [int(c[len("min-h-[") : -3]) for c in b.classes if c.startswith("min-h-[")]
        heights += [4 * int(c[2:]) for c in b.classes if c.startswith("h-") and c[2:].isdigit()]
        # 15 mm on a 96 dpi touch panel is 57 px.
        assert heights and max(heights) >= 57, (b.props.get("label"), b.classes)


async def test_a_finding_long_unanswered_shows_its_escalation(user: User, shop: Workshop) -> None:
    from datetime import UTC, datetime, timedelta

    ro, station = shop.at_work()
    for minutes, finding in ((30, "F1"), (150, "F2")):  # past the call, past the escalation
        shop.links["B03"].send(
            "job.finding",
            ts=datetime.now(UTC) - timedelta(minutes=minutes),
            bay="B03",
            job=ro,
            tech="T002",
            data={"finding_id": finding, "title": f"item {finding}", "severity": "recommended"},
        )
    shop.settle()
    await open_kiosk(user, station)
    await see(user, marker="finding-line", content="item F1")
    lines = [e.text for e in user.find(marker="finding-line").elements]
    assert any("item F1" in x and "The advisor is calling the customer" in x for x in lines)
    assert any("item F2" in x and "Escalated to the service manager" in x for x in lines)


def timers(user: User) -> list[ui.timer]:
    return [e for e in user.current_layout.descendants() if isinstance(e, ui.timer)]


async def test_news_on_the_link_shows_at_once_and_nothing_polls(user: User, shop: Workshop) -> None:
    station = shop.station("B03")
    await open_kiosk(user, station)
    await see(user, "No jobs dispatched here")
    assert not timers(user)  # no job's clock runs: nothing on the page runs on time
    shop.job(plate="京E55555")  # the core publishes the bay's new retained state
    wait_until(lambda: any(j.plate == "京E55555" for j in station.jobs()), "bay state")
    # The station has told the page; it draws on the loop's next turn, no poll between.
    await user.should_see("京E55555", retries=2)
    await user.should_see(marker="readiness", content="Ready", retries=2)
    assert not timers(user)


async def test_a_page_stops_following_its_station_when_its_client_goes(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    await open_kiosk(user, station)
    event = _events[station]
    assert len(event.callbacks) == 1
    assert user.client is not None
    user.client.delete()
    assert not event.callbacks
    shop.job(plate="京E55555")  # news after the page left reaches nobody, and breaks nothing
    wait_until(lambda: any(j.plate == "京E55555" for j in station.jobs()), "bay state")


async def test_only_a_running_clock_ticks_and_no_faster_than_a_second(
    user: User, shop: Workshop
) -> None:
    _, station = shop.at_work()
    await open_kiosk(user, station)
    await see(user, "Working: 李强")
    (clock,) = timers(user)
    assert clock.interval == CLOCK_EVERY >= 1.0
    await tap(user, "pause")
    await tap(user, "reason-break")
    shop.settle()
    await see(user, marker="resume")
    assert not timers(user)  # the clock stopped: so did its tick


async def test_a_refused_tap_is_told_in_chinese_on_a_chinese_kiosk(
    user: User, shop: Workshop
) -> None:
    shop.job()
    other = shop.job(plate="京C33333", bay="B04")
    station = shop.station("B03")
    await open_kiosk(user, station, lang="zh")
    await sign_in(user, "T002", "1002")
    station.start(other, "T002")
    why = text("error.wrong_bay", "zh")
    await see(user, f"✗ 开始 {other} 未被接受: {why}")
    await user.should_see(f"开始: {why}", retries=RETRIES)  # told once in the middle, too
    shown = [e.text for e in user.find(marker="problem").elements] + user.notify.messages
    assert shown and not any("dispatched" in s for s in shown)


async def test_the_bay_a_technician_left_for_another_says_where_they_went(
    user: User, shop: Workshop
) -> None:
    here = shop.station("B03")
    there = shop.station("B04")
    here.sign_in("T002")
    shop.settle("B03")
    await open_kiosk(user, here)
    await see(user, marker="tech-T002", content="李强")
    there.sign_in("T002")  # at the other bay's kiosk, without signing out here
    shop.settle("B04")
    await see(user, "李强 signed in at B04 and left this bay", marker="left-T002")
    await user.should_not_see(marker="tech-T002", retries=RETRIES)
    assert [t.came_from for t in there.state.techs if t.id == "T002"] == ["B03"]  # type: ignore[union-attr]


# ----------------------------------------------------------------- pairing (pitboard run)
class UnheardBook(Pairings):
    """Pairings whose changes no page hears of: a revocation the page learns only by asking."""

    def _tell(self) -> None:
        pass


async def pair(user: User, book: Pairings, bay: str = "B03") -> None:
    """The foreman's code typed on the bay's pairing screen."""
    code = book.new_code(bay, "foreman:F001")
    await user.open(f"/kiosk/{bay}")
    await see(user, marker="pairing-screen")
    user.find(marker="pair-code").type(code.code)
    user.find(marker="pair-ok").click()
    await see(user, marker="sign-in")


async def test_an_unpaired_browser_sees_the_pairing_screen_and_cannot_tap(
    user: User, shop: Workshop, tmp_path: Path
) -> None:
    book = Pairings(tmp_path / "pairings.json")
    station = shop.station("B03")
    register({"B03": station}, book)
    await user.open("/kiosk/B03")
    await see(user, marker="pairing-screen")
    await user.should_not_see(marker="sign-in", retries=3)
    await user.should_not_see(marker="scan", retries=3)
    user.http_client.cookies.set(COOKIE, "eyJpZCI6IngiLCJiYXkiOiJCMDMifQ.forged")
    await user.open("/kiosk/B03")
    await see(user, marker="pairing-screen")
    user.http_client.cookies.clear()

    await pair(user, book)
    await sign_in(user, "T002", "1002")
    await see(user, marker="tech-T002")
    shop.settle()
    assert shop.core.ws.tech_state("T002").bay == "B03"
    (paired,) = book.pairings()
    assert paired.bay == "B03" and paired.paired_by == "foreman:F001"


async def test_a_paired_browser_is_a_kiosk_of_its_own_bay_only(
    user: User, shop: Workshop, tmp_path: Path
) -> None:
    book = Pairings(tmp_path / "pairings.json")
    register({"B03": shop.station("B03"), "B04": shop.station("B04")}, book)
    await pair(user, book, "B03")
    await user.open("/kiosk/B04")
    await see(user, marker="pairing-screen")


async def test_every_tap_asks_whether_the_screen_is_still_paired(
    user: User, shop: Workshop, tmp_path: Path
) -> None:
    """Revoked while the page still shows the bay (it was not told): a tap, a PIN or a badge
    changes nothing and brings the pairing screen."""
    book = UnheardBook(tmp_path / "pairings.json")
    ro = shop.job()
    station = shop.station("B03")
    register({"B03": station}, book)
    await pair(user, book)
    await sign_in(user, "T002", "1002")
    await see(user, marker="start")
    shop.settle()
    seq = station.link.outbox.last_seq
    (paired,) = book.pairings()
    book.revoke(paired.id, "foreman:F001")

    user.find(marker="start").click()
    await see(user, marker="pairing-screen")
    assert station.link.outbox.last_seq == seq
    assert shop.core.ws.job(ro).status is JobStatus.DISPATCHED


async def test_a_pin_typed_on_a_screen_revoked_meanwhile_is_not_even_checked(
    user: User, shop: Workshop, tmp_path: Path
) -> None:
    book = UnheardBook(tmp_path / "pairings.json")
    station = shop.station("B03")
    register({"B03": station}, book)
    await pair(user, book)
    await tap(user, "sign-in")
    await tap(user, "who-T004")
    user.find(marker="pin").type("1004")
    (paired,) = book.pairings()
    book.revoke(paired.id, "foreman:F001")
    await tap(user, "pin-ok")
    await see(user, marker="pairing-screen")
    assert station.link.outbox.last_seq == 0  # neither a sign-in nor a refusal
    assert station.sign_in_wait("T004") == (0, None)


async def test_a_revoked_screen_shows_the_pairing_screen_at_once(
    user: User, shop: Workshop, tmp_path: Path
) -> None:
    book = Pairings(tmp_path / "pairings.json")
    register({"B03": shop.station("B03")}, book)
    await pair(user, book)
    (paired,) = book.pairings()
    book.revoke(paired.id, "foreman:F001")
    await see(user, marker="pairing-screen")


async def test_wrong_pairing_codes_make_the_next_try_wait(
    user: User, shop: Workshop, tmp_path: Path
) -> None:
    book = Pairings(tmp_path / "pairings.json")
    register({"B03": shop.station("B03")}, book)
    code = book.new_code("B03", "foreman:F001")
    wrong = f"{(int(code.code) + 1) % 10**6:06d}"
    for n in range(3):
        await user.open("/kiosk/B03")
        user.find(marker="pair-code").type(wrong)
        user.find(marker="pair-ok").click()
        said = "Wrong or expired code" if n < 2 else "Too many wrong codes: wait 30 s"
        await see(user, marker="pair-error", content=said)
    await user.open("/kiosk/B03")
    user.find(marker="pair-code").type(code.code)  # the right one, while the wait runs
    user.find(marker="pair-ok").click()
    await see(user, marker="pair-error", content="Too many wrong codes")
    assert book.pairings() == []


async def test_a_help_call_from_the_kiosk_answered_by_badge_and_closed(
    user: User, shop: Workshop
) -> None:
    station = shop.station("B03")
    await open_kiosk(user, station)
    await sign_in(user, "T002", "1002")
    await tap(user, "help-call")
    await tap(user, "help-send")  # no kind chosen: nothing goes
    assert shop.core.query(lambda ws, _now: dict(ws.help_calls)) == {}
    await tap(user, "help-kind-team_leader")
    user.find(marker="help-send").click()
    shop.settle()
    (call,) = shop.core.query(lambda ws, _now: list(ws.help_calls.values()))
    assert (call.kind.value, call.caller, call.bay) == ("team_leader", "T002", "B03")
    await see(user, marker=f"help-standing-{call.id}", content="Waiting")

    await tap(user, f"help-answer-{call.id}")
    user.find(marker="help-badge").type("10001")  # the team leader's badge
    await tap(user, "help-badge-ok")
    shop.settle()
    await see(user, marker=f"help-standing-{call.id}", content="王建国 is on the way")
    assert shop.core.query(lambda ws, _now: ws.help_calls[call.id].acknowledged_by) == "T001"

    await tap(user, f"help-close-{call.id}")
    user.find(marker="help-outcome").type("已指导")
    await tap(user, "help-close-ok")
    shop.settle()
    await see(user, marker="help-none", content="No open help calls")
    assert shop.core.query(lambda ws, _now: dict(ws.help_calls)) == {}


def test_a_help_call_says_how_long_it_has_waited_until_someone_answers() -> None:
    called = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    call = HelpLine(
        id="H1",
        kind=HelpKind.FOREMAN,
        bay="B03",
        bay_name="3号工位",
        caller="T002",
        caller_name="李强",
        ro=None,
        note="",
        state=HelpState.CALLED,
        called_at=called,
        acknowledged_at=None,
        acknowledged_by=None,
        answered_by=[StaffRole.FOREMAN],
        tier=0,
        escalated_to=None,
        next_tier_at=None,
    )
    en, zh = texts_for("en"), texts_for("zh")
    assert standing(en, call, called + timedelta(minutes=4, seconds=50)) == "Waiting 0:04"
    assert standing(zh, call, called + timedelta(hours=1, minutes=7)) == "等待响应 1:07"
    assert standing(en, call, called - timedelta(seconds=3)) == "Waiting 0:00"  # clock skew
    up = call.model_copy(update={"tier": 1, "escalated_to": StaffRole.MANAGER})
    assert standing(en, up, called + timedelta(minutes=12)).endswith(" 0:12")
    answered = call.model_copy(
        update={"state": HelpState.ACKNOWLEDGED, "acknowledged_by": "王建国"}
    )
    assert standing(en, answered, called + timedelta(minutes=30)) == "王建国 is on the way"


async def test_a_car_whose_colour_was_not_noted_reads_without_a_gap(
    user: User, shop: Workshop
) -> None:
    unnoted = replace(order(), vehicle=Vehicle(plate="京C33333", model="日产 轩逸"))
    job = shop.core.run_command(CheckInCar(unnoted), actor="advisor:SA01")
    shop.core.run_command(Dispatch(job.ro, "B03"), actor="foreman:F1")
    await open_kiosk(user, shop.station("B03"))
    await see(user, marker="card-car", content="日产 轩逸 · Repair")
