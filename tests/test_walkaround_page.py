"""The walk-around page step by step through NiceGUI's user fixture, on a real core: the
car checked in at the desk, its walk-around opened from there, marks added by panel and by
a tap on the outline, the fuel, mileage, belongings and papers filled in, refused until
the customer has signed and was reminded of their valuables, then saved — on the order
page, in its timeline, in the store, with the customer's copy printed. Advisors and
managers only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui.testing import User
from sqlalchemy import select

from board.car_outline import PANELS
from board.words import Words
from core.commands import CheckInCar
from core.display.texts import text
from core.domain.vocabulary import CarZone
from core.store.tables import PrintRow
from tests.board_env import RETRIES, boards, present, sign_in, texts
from tests.helpers import demo_config, order
from tests.kiosk_env import Workshop
from tests.waiting import eventually
from tests.walkaround_samples import signature


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path) as w:
        yield w


def value(user: User, marker: str) -> object:
    return user.find(marker=marker).elements.pop().value


def set_value(user: User, marker: str, new: object) -> None:
    user.find(marker=marker).elements.pop().value = new


def checked_in(shop: Workshop, plate: str = "京A12345") -> str:
    return str(shop.core.run_command(CheckInCar(order(plate)), "advisor:SA01").ro)


async def test_the_desk_leads_from_the_check_in_to_the_walk_around(
    user: User, shop: Workshop
) -> None:
    await sign_in(user, "SA01", page="/desk")
    await user.open("/desk")
    await user.should_see(marker="check-in", retries=RETRIES)
    assert not present(user, "walk-around-next")  # hidden until a car is in
    user.find(marker="plate").type("粤B00009")
    set_value(user, "operations", ["B010"])
    user.find(marker="check-in").click()
    await eventually(
        lambda: any(j.vehicle.plate == "粤B00009" for j in shop.core.ws.jobs.values()), "in"
    )
    ro = next(j.ro for j in shop.core.ws.jobs.values() if j.vehicle.plate == "粤B00009")
    link = user.find(marker="walk-around-next").elements.pop()
    assert link.visible and link.props["href"] == f"/orders/{ro}/walkaround"
    assert link.text == f"环车检查 {ro} 粤B00009"


async def test_the_walk_around_is_filled_in_signed_and_kept_with_the_order(
    user: User, shop: Workshop
) -> None:
    ro = checked_in(shop)
    await sign_in(user, "SA01", page=f"/orders/{ro}/walkaround")
    await user.open(f"/orders/{ro}/walkaround")
    await user.should_see(marker="walk-save", retries=RETRIES)
    await user.should_see(marker="walk-no-marks")
    # A scratch on the left front door, chosen from the list, with a note…
    set_value(user, "walk-kind", "scratch")
    set_value(user, "walk-zone", "left_front_door")
    user.find(marker="walk-note").type("约10厘米")
    user.find(marker="walk-add").click()
    await user.should_see("1 左前门 划痕 约10厘米")
    # …a dent where the advisor taps the outline (the rear bumper), and one taken back.
    x, y, w, _ = PANELS[CarZone.REAR_BUMPER]
    user.find(marker="walk-outline").trigger("mouse", {"image_x": x + w / 2, "image_y": y + 2})
    assert value(user, "walk-zone") == "rear_bumper"
    set_value(user, "walk-kind", "dent")
    user.find(marker="walk-add").click()
    set_value(user, "walk-kind", "chip")
    user.find(marker="walk-add").click()
    await user.should_see("3 后保险杠 掉漆")
    user.find(marker="walk-remove-3").click()
    await user.should_see("2 后保险杠 凹陷")
    assert not present(user, "walk-mark-3")
    # Fuel, mileage, what was left in the car, the papers.
    set_value(user, "walk-fuel", "1/4")
    set_value(user, "walk-mileage", 42_000)
    user.find(marker="walk-belongings").type("雨伞\n行车记录仪")
    user.find(marker="walk-doc-registration").click()
    # Not signed yet: told so, nothing recorded.
    user.find(marker="walk-save").click()
    await user.should_see(text("walk.unsigned", "zh"))
    assert shop.core.store.walkarounds(ro) == []
    # Signed (the pad's stroke, as the browser sends it), but the reminder not given.
    user.find(marker="signature-pad").trigger("signed", {"detail": signature()})
    assert user.find(marker="walk-signed").elements.pop().text == "✓"
    user.find(marker="walk-save").click()
    await user.should_see(text("error.walkaround_incomplete", "zh"))
    assert shop.core.store.walkarounds(ro) == []
    # Reminded: saved, and the order page shows it.
    user.find(marker="walk-reminded").click()
    user.find(marker="walk-save").click()
    await user.should_see(marker="walkaround", retries=RETRIES)
    [kept] = shop.core.store.walkarounds(ro)
    assert kept.by == "advisor:SA01" and kept.sheet.signature == signature()
    assert [(m.kind.value, m.zone.value) for m in kept.sheet.marks] == [
        ("scratch", "left_front_door"),
        ("dent", "rear_bumper"),
    ]
    assert kept.sheet.belongings == ("雨伞", "行车记录仪")
    assert shop.core.ws.jobs[ro].vehicle.fuel_level == "1/4"
    await user.should_see("1 左前门 划痕 约10厘米")
    await user.should_see("油量: 1/4 箱")
    await user.should_see("随车物品: 雨伞、行车记录仪")
    await user.should_see("随车证件: 行驶证")
    assert user.find(marker="walk-signature").elements.pop().source == signature()
    assert user.find(marker="walkaround-open").elements.pop().text == "重新做环车检查"
    details = [r["detail"] for r in user.find(marker="timeline").elements.pop().props["rows"]]
    assert "外观记录 2 处，油量 1/4 箱，里程 42,000 km，随车物品 2 件，客户已签字" in details
    with shop.core.store.engine.connect() as conn:
        printed = conn.execute(select(PrintRow.document).where(PrintRow.ro == ro)).scalars()
        assert "customer_copy" in set(printed)


@pytest.mark.parametrize("who", ["F001", "QC01"])
async def test_only_advisors_and_managers_record_it(user: User, shop: Workshop, who: str) -> None:
    ro = checked_in(shop)
    await sign_in(user, who, page=f"/orders/{ro}/walkaround")
    await user.open(f"/orders/{ro}/walkaround")
    await user.should_see(marker="not-allowed", retries=RETRIES)
    assert not present(user, "walk-save")
    await user.open(f"/orders/{ro}")
    await user.should_see(marker="walkaround-none", retries=RETRIES)
    assert not present(user, "walkaround-open")


async def test_a_manager_opens_it_from_the_order_page(user: User, shop: Workshop) -> None:
    ro = checked_in(shop)
    await sign_in(user, "M001", page=f"/orders/{ro}")
    await user.open(f"/orders/{ro}")
    await user.should_see(marker="walkaround-none", retries=RETRIES)
    link = user.find(marker="walkaround-open").elements.pop()
    assert link.props["href"] == f"/orders/{ro}/walkaround" and link.text == "环车检查"
    await user.open(f"/orders/{ro}/walkaround")
    await user.should_see(marker="walk-save", retries=RETRIES)
    assert "RO-" in texts(user)


def test_the_timeline_sentence_in_both_languages() -> None:
    payload = {
        "ro": "RO-1",
        "sheet": {
            "marks": [{"kind": "dent", "zone": "roof", "note": ""}],
            "fuel_level": "F",
            "mileage_km": 1200,
            "belongings": [],
            "signature": {"sha256": "00", "chars": 10},
        },
    }
    zh = Words(demo_config(), "zh").detail("job.walked_around", payload)
    en = Words(demo_config(), "en").detail("job.walked_around", payload)
    assert zh == "外观记录 1 处，油量 满，里程 1,200 km，随车物品 0 件，客户已签字"
    assert en == "1 marks, fuel F, 1,200 km, 0 belongings, signed by the customer"
