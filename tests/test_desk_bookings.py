"""The service advisor's desk and the appointment book, through NiceGUI's user fixture on a
real core whose clock stands at 09:00 on Tuesday 24 November 2026 in Shanghai: a car booked
by phone in a free slot (the buffer slot never offered), a full day refused with quieter
times and booked anyway with a reason, a booking changed, cancelled and its car arrived
(late or not), a booked car checked in from its booking, the job type of a walk-in, and the
next day's preparation with the calls to confirm."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nicegui.testing import User

from core.commands import BookAppointment, CheckInCar
from core.display.texts import text
from core.domain.inspection import complete
from core.domain.model import JobStatus, Operation
from core.domain.promise import promise_at_check_in
from core.domain.vocabulary import AppointmentState, CallOutcome, JobType
from core.domain.workshop import Workshop as DomainWorkshop
from tests.board_env import RETRIES, boards, present, sign_in, texts
from tests.desk_env import book, phoned
from tests.helpers import T0, Clock, order
from tests.kiosk_env import Workshop
from tests.waiting import eventually

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 24)
TOMORROW = TODAY + timedelta(days=1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)  # 09:00 in Shanghai


@pytest.fixture
def shop(tmp_path: Path, clock: Clock) -> Iterator[Workshop]:
    with boards(tmp_path, clock=clock) as w:
        yield w


async def at_desk(user: User, who: str = "SA01") -> None:
    await sign_in(user, who, page="/desk")
    await user.open("/desk")
    await user.should_see(marker="book-submit", retries=RETRIES)


def the_booking(user: User, plate: str = "粤B12345", codes: tuple[str, ...] = ("M010",)) -> None:
    """What the customer says on the phone, typed in."""
    user.find(marker="tab-booking").click()
    user.find(marker="book-customer").type("刘女士")
    user.find(marker="book-phone").type("13900001111")
    user.find(marker="book-plate").type(plate)
    user.find(marker="book-model").type("丰田 凯美瑞")
    user.find(marker="book-operations").elements.pop().value = list(codes)


def booked(shop: Workshop, plate: str) -> list:  # type: ignore[type-arg]
    return [a for a in shop.core.ws.appointments.values() if a.booking.vehicle.plate == plate]


def value(user: User, marker: str) -> object:
    return user.find(marker=marker).elements.pop().value


def label(user: User, marker: str) -> str:
    return str(user.find(marker=marker).elements.pop().text)


# ----------------------------------------------------------------- booking by phone
async def test_a_car_is_booked_by_phone_in_one_of_the_advisors_free_slots(
    user: User, shop: Workshop
) -> None:
    await at_desk(user)
    the_booking(user)
    assert value(user, "book-day") == TOMORROW.isoformat()
    # The day's quarter hours from 08:00; every fourth is kept free and not offered.
    for slot in ("slot-0800", "slot-0815", "slot-0830", "slot-0900", "slot-1630"):
        assert present(user, slot), slot
    for buffer in ("slot-0845", "slot-0945", "slot-1645"):
        assert not present(user, buffer), buffer
    # The day's load beside the slots: nothing booked yet, the booking's own hours. The day
    # is 08:00 – 18:30 without lunch: 9.5 h a technician (× 0.85) and a bay.
    assert label(user, "load-team-A") == "机修一组：0 / 32.3 h"
    assert label(user, "load-kind-general").startswith("机修工位：0 / 47.5 h")
    assert label(user, "load-this") == "本次预约 0.8 h"
    user.find(marker="book-job-type").elements.pop().value = JobType.WARRANTY.value
    user.find(marker="slot-0830").click()
    user.find(marker="book-submit").click()
    await eventually(lambda: booked(shop, "粤B12345"), "booked")
    (appt,) = booked(shop, "粤B12345")
    assert appt.start == local(TOMORROW, 8, 30) and appt.advisor == "SA01"
    assert appt.booking.customer.name == "刘女士" and appt.booking.customer.phone == "13900001111"
    assert [o.code for o in appt.operations] == ["M010"]
    assert appt.booking.job_type is JobType.WARRANTY
    assert shop.core.store.load_appointment(appt.id) == appt
    # The slot is the advisor's now: no longer offered; the day's load counts the car.
    await eventually(lambda: not present(user, "slot-0830"), "the slot taken")
    assert label(user, "load-team-A") == "机修一组：0.8 / 32.3 h" or label(
        user, "load-team-B"
    ).startswith("机修二组：0.8")


async def test_a_booking_that_is_not_whole_is_not_sent(user: User, shop: Workshop) -> None:
    await at_desk(user)
    the_booking(user)
    user.find(marker="book-submit").click()  # no slot picked
    await user.should_see(text("desk.missing", "zh", what=text("desk.slots", "zh")))
    assert not shop.core.ws.appointments


async def test_a_full_day_is_refused_with_quieter_times_or_booked_anyway_with_a_reason(
    user: User, shop: Workshop
) -> None:
    # Tomorrow's general bays all but full: 52 of their 52.5 hours booked.
    work = (Operation("R010", "更换正时皮带", 52.0, "Timing belt"),)
    huge = phoned(local(TOMORROW, 8), "京Z00001", "SA02", operations=work)
    shop.core.run_command(BookAppointment(huge, True, "车队保养"), "advisor:SA02")
    await at_desk(user)
    the_booking(user)
    assert "text-red-700" in user.find(marker="load-kind-general").elements.pop().classes
    user.find(marker="slot-0900").click()
    user.find(marker="book-submit").click()
    overbooked = text("error.overbooked", "zh")
    await user.should_see(overbooked)
    assert label(user, "booking-refused") == overbooked  # the domain's words, not its English
    assert not booked(shop, "粤B12345")
    # A quieter time: the advisor's free slots on a day with room (the day after).
    after = TOMORROW + timedelta(days=1)
    assert present(user, f"quieter-{after:%Y%m%d}-0800")
    user.find(marker=f"quieter-{after:%Y%m%d}-0800").click()
    assert value(user, "book-day") == after.isoformat()
    user.find(marker="book-submit").click()
    await eventually(lambda: booked(shop, "粤B12345"), "booked on a quieter day")
    assert booked(shop, "粤B12345")[0].start == local(after, 8)
    # The full day all the same: only with a reason, which the booking keeps.
    the_booking(user, plate="粤B54321")
    user.find(marker="book-day").elements.pop().value = TOMORROW.isoformat()
    user.find(marker="slot-0900").click()
    user.find(marker="book-submit").click()
    await eventually(lambda: present(user, "force-book"), "refused again")
    user.find(marker="force-book").click()
    await user.should_see(text("desk.missing", "zh", what=text("desk.force_reason", "zh")))
    assert not booked(shop, "粤B54321")
    user.find(marker="force-reason").type("老客户，愿意等")
    user.find(marker="force-book").click()
    await eventually(lambda: booked(shop, "粤B54321"), "booked anyway")
    forced = booked(shop, "粤B54321")[0]
    assert forced.start == local(TOMORROW, 9) and forced.forced == "老客户，愿意等"


# ----------------------------------------------------------------- today's bookings
async def test_a_booking_is_changed_cancelled_and_its_car_marked_arrived_late_or_not(
    user: User, shop: Workshop, clock: Clock
) -> None:
    moved = book(shop.core, days=0, plate="京B11111")  # 09:00
    dropped = book(shop.core, days=0, plate="京B22222")  # 09:15
    late = book(shop.core, days=0, plate="京B33333")  # 09:30
    await at_desk(user)
    await user.should_see(marker=f"booking-{moved}")
    assert label(user, f"standing-{moved}") == text("appointment.booked", "zh")
    # Changed: the booking card opens on it, its own slot picked; another slot taken.
    user.find(marker=f"change-{moved}").click()
    assert label(user, "booking-title") == text("desk.change_booking", "zh", id=moved)
    assert value(user, "book-plate") == "京B11111" and value(user, "book-day") == TODAY.isoformat()
    user.find(marker="slot-1000").click()
    user.find(marker="book-submit").click()
    await eventually(lambda: shop.core.ws.appointments[moved].start == local(TODAY, 10), "moved")
    # Cancelled: only with a reason.
    user.find(marker=f"cancel-{dropped}").click()
    user.find(marker="cancel-confirm").click()
    await user.should_see(text("desk.missing", "zh", what=text("desk.cancel_reason", "zh")))
    assert shop.core.ws.appointments[dropped].state is AppointmentState.BOOKED
    user.find(marker="cancel-reason").type("客户出差")
    user.find(marker="cancel-confirm").click()
    await eventually(
        lambda: shop.core.ws.appointments[dropped].state is AppointmentState.CANCELLED, "cancelled"
    )
    assert shop.core.ws.appointments[dropped].cancelled_reason == "客户出差"
    # 09:50: the 09:30 car is past its grace (a no-show); the 10:00 car comes early.
    clock.advance(minutes=50)
    shop.core.query(lambda ws, now: None)  # the core sweeps the no-shows
    user.find(marker=f"arrived-{moved}").click()
    await eventually(
        lambda: shop.core.ws.appointments[moved].state is AppointmentState.ARRIVED, "arrived"
    )
    assert not shop.core.ws.appointments[moved].late
    assert shop.core.ws.appointments[late].state is AppointmentState.NO_SHOW
    user.find(marker=f"arrived-{late}").click()
    await eventually(lambda: shop.core.ws.appointments[late].late, "late")
    assert label(user, f"standing-{late}") == "已到店 · 迟到 09:50"
    assert label(user, f"standing-{dropped}") == text("appointment.cancelled", "zh")
    assert not present(user, f"arrived-{dropped}") and not present(user, f"check-in-{dropped}")


async def test_a_booked_car_is_checked_in_with_the_card_filled_from_its_booking(
    user: User, shop: Workshop
) -> None:
    ident = book(shop.core, days=0, plate="京B67890", codes=["M020"], job_type=JobType.RECALL)
    await at_desk(user, "SA02")  # another advisor at the desk when the car comes
    await user.should_see(marker=f"check-in-{ident}")
    user.find(marker=f"check-in-{ident}").click()
    assert label(user, "from-booking") == text("desk.from_booking", "zh", id=ident)
    filled = {m: value(user, m) for m in ("customer", "phone", "plate", "model", "vin")}
    assert filled == {
        "customer": "王先生",
        "phone": "13800138000",
        "plate": "京B67890",
        "model": "别克 GL8",
        "vin": "LSGUA84L0FE000001",
    }
    assert value(user, "operations") == ["M020"] and value(user, "job-type") == "recall"
    assert value(user, "requests") == "顺便看一下空调"

    def planned(ws: DomainWorkshop, now: datetime) -> str:
        ops = ws.appointments[ident].operations
        promised = promise_at_check_in(ws, ops, True, now, ident)
        return f"{promised.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"

    assert value(user, "promised") == shop.core.query(planned)  # from the plan
    user.find(marker="key-tag").type("TAG5")
    user.find(marker="check-in").click()
    await eventually(
        lambda: shop.core.ws.appointments[ident].state is AppointmentState.CHECKED_IN,
        "checked in",
    )
    job = shop.core.ws.job(shop.core.ws.appointments[ident].ro or "")
    assert job.vehicle.plate == "京B67890" and job.customer.name == "王先生"
    assert [o.code for o in job.operations] == ["M020"] and job.job_type is JobType.RECALL
    assert job.advisor == "SA01" and job.key_tag == "TAG5"  # still the booking's advisor
    line = shop.core.store.audit_trail(job.ro)[0]
    assert line["type"] == "job.checked_in" and line["payload"]["appointment"] == ident
    await eventually(lambda: label(user, f"standing-{ident}").startswith("已接车"), "shown")
    assert not present(user, f"check-in-{ident}")


async def test_a_booked_car_typed_in_as_a_walk_in_is_checked_in_from_its_booking(
    user: User, shop: Workshop
) -> None:
    """The customer booked with one advisor and says nothing at the desk; the foreman there
    types the plate as it comes: the card is the booking's, the car its advisor's."""
    ident = book(shop.core, days=0, plate="京B67890", codes=["M020"], advisor="SA02")
    later = book(shop.core, days=1, plate="京B67891", advisor="SA02")  # not today's
    await at_desk(user, "F001")
    user.find(marker="plate").type("京b 67891").trigger("blur")
    await user.should_see(marker="check-in", retries=RETRIES)
    assert not shop.core.ws.appointments[later].ro and value(user, "advisor") is None
    user.find(marker="plate").clear().type("京b 678·90").trigger("blur")
    await user.should_see(text("desk.booked_today", "zh", id=ident))
    assert label(user, "from-booking") == text("desk.from_booking", "zh", id=ident)
    assert value(user, "operations") == ["M020"] and value(user, "advisor") == "SA02"
    user.find(marker="check-in").click()
    await eventually(
        lambda: shop.core.ws.appointments[ident].state is AppointmentState.CHECKED_IN,
        "checked in from its booking",
    )
    job = shop.core.ws.job(shop.core.ws.appointments[ident].ro or "")
    assert job.advisor == "SA02" and [o.code for o in job.operations] == ["M020"]


# ----------------------------------------------------------------- the job type
def ready(shop: Workshop, ro: str) -> None:
    """The car walked through the workshop to ready (on the domain, for set-up)."""

    def walk(ws: DomainWorkshop, now: datetime) -> None:
        ws.dispatch(ro, "B03", now)
        ws.sign_in("T002", "B03", now)
        ws.start(ro, "T002", "B03", now)
        ws.self_check(ro, "T002", "B03", now)
        ws.sign_in("T001", "B03", now)
        ws.leader_check(ro, "T001", "B03", now)
        ws.sign_in("Q001", "Q01", now)
        ws.qc_pass(ro, "Q001", "Q01", now, complete(ws.jobs[ro].job_type))

    shop.core.query(walk)
    assert shop.core.ws.job(ro).status is JobStatus.READY


async def test_a_walk_in_is_a_repair_unless_said_and_the_order_lines_say_its_type(
    user: User, shop: Workshop
) -> None:
    warranty = shop.core.run_command(
        CheckInCar(order("京W00001", job_type=JobType.WARRANTY, wash_requested=False)),
        "advisor:SA01",
    ).ro
    ready(shop, warranty)
    await at_desk(user)
    await user.should_see(marker=f"deliver-{warranty}")
    assert "京W00001 · 保修 · 王先生" in texts(user)  # the ready line
    assert value(user, "job-type") == JobType.REPAIR.value
    for plate, chosen in (("粤B00001", None), ("粤B00002", JobType.ACCIDENT)):
        user.find(marker="plate").type(plate)
        user.find(marker="operations").elements.pop().value = ["B010"]
        if chosen is not None:
            user.find(marker="job-type").elements.pop().value = chosen.value
        user.find(marker="check-in").click()
        await eventually(
            lambda p=plate: any(j.vehicle.plate == p for j in shop.core.ws.jobs.values()), plate
        )
    types = {j.vehicle.plate: j.job_type for j in shop.core.ws.jobs.values()}
    assert types["粤B00001"] is JobType.REPAIR and types["粤B00002"] is JobType.ACCIDENT


# ----------------------------------------------------------------- the day before
async def test_tomorrows_preparation_lists_the_work_and_records_the_calls(
    user: User, shop: Workshop
) -> None:
    confirmed = book(shop.core, plate="京P00001")
    dropped = book(shop.core, plate="京P00002", codes=["M010", "B010"])
    moved = book(shop.core, plate="京P00003", codes=["M020"])
    later = book(shop.core, days=2, plate="京P00004")  # not tomorrow's
    await at_desk(user)
    user.find(marker="tab-preparing").click()
    await user.should_see(marker=f"call-{confirmed}")
    assert label(user, "prepare-op-M010") == "M010 小保养(更换机油、机滤)：2 台，1.6 h"
    assert label(user, "prepare-op-B010").startswith("B010 更换前刹车片：1 台")
    assert present(user, "prepare-op-M020") and not present(user, "prepare-op-M030")
    assert not present(user, f"call-{later}")
    assert label(user, f"last-call-{confirmed}") == text("desk.not_called", "zh")
    # No answer first, then confirmed.
    user.find(marker=f"call-outcome-{confirmed}").elements.pop().value = "no_answer"
    user.find(marker=f"call-record-{confirmed}").click()
    await eventually(lambda: len(shop.core.ws.appointments[confirmed].calls) == 1, "no answer")
    user.find(marker=f"call-outcome-{confirmed}").elements.pop().value = "confirmed"
    user.find(marker=f"call-record-{confirmed}").click()
    await eventually(lambda: len(shop.core.ws.appointments[confirmed].calls) == 2, "confirmed")
    calls = shop.core.store.load_appointment(confirmed).calls  # type: ignore[union-attr]
    assert [(c.outcome, c.by) for c in calls] == [
        (CallOutcome.NO_ANSWER, "advisor:SA01"),
        (CallOutcome.CONFIRMED, "advisor:SA01"),
    ]
    assert label(user, f"last-call-{confirmed}") == "上次致电：已确认 09:00"
    # Cancelled on the call: the booking is cancelled with the customer's words.
    user.find(marker=f"call-outcome-{dropped}").elements.pop().value = "cancelled"
    user.find(marker=f"call-note-{dropped}").type("车已卖")
    user.find(marker=f"call-record-{dropped}").click()
    await eventually(
        lambda: shop.core.ws.appointments[dropped].state is AppointmentState.CANCELLED, "dropped"
    )
    assert shop.core.ws.appointments[dropped].cancelled_reason == "车已卖"
    assert not present(user, "prepare-op-B010")  # no longer needed
    # Rescheduled: recorded, and the booking card opens on the booking to move it.
    user.find(marker=f"call-outcome-{moved}").elements.pop().value = "rescheduled"
    user.find(marker=f"call-record-{moved}").click()
    await eventually(lambda: shop.core.ws.appointments[moved].calls, "rescheduled")
    assert label(user, "booking-title") == text("desk.change_booking", "zh", id=moved)
