"""The help page (/help) and the dispatch board's help panel through NiceGUI's user fixture on
a real core: a call from a bay reaches the open pages by itself; the QC inspector's page
lists the QC call as theirs (with a sound) and the foreman's call as another's; the call is
answered and closed with what was done there; the dispatch board shows the call, its
escalation and its answer; a close without what was done is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui.testing import User

from core.domain.vocabulary import HelpKind
from tests.board_env import RETRIES, boards, shown, sign_in, texts
from tests.kiosk_env import Workshop
from tests.waiting import eventually


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path) as w:
        yield w


def call(shop: Workshop, kind: HelpKind, bay: str = "B03", tech: str = "T002") -> str:
    """A technician at ``bay`` calls, as the kiosk's tap does."""

    def calling(ws, now):  # type: ignore[no-untyped-def]
        if ws.tech_state(tech).bay != bay:
            ws.sign_in(tech, bay, now)
        return ws.call_help(bay, tech, kind, now, "扭矩扳手读数不准").id

    return str(shop.core.query(calling))


def chimes(user: User) -> int:
    return int(user.find(marker="help-chime").elements.pop().props.get("data-chimes", 0))


async def test_the_qc_inspectors_page_answers_and_closes_their_call(
    user: User, shop: Workshop
) -> None:
    await sign_in(user, "QC01", page="/help")
    await user.open("/help")
    await user.should_see(marker="help-none", retries=RETRIES)
    mine = call(shop, HelpKind.QC)
    other = call(shop, HelpKind.FOREMAN, bay="B04", tech="T005")
    await user.should_see(marker=f"help-{mine}", retries=RETRIES)
    words = texts(user)
    mine_at, others_at = words.index("需要我响应的呼叫"), words.index("其他呼叫")
    assert mine_at < words.index("质检\n", mine_at) < others_at  # the QC call is theirs
    assert "车间主管\n" in words[others_at:]  # the call for the foreman is another's
    assert "扭矩扳手读数不准" in words
    await eventually(lambda: chimes(user) == 1, "the sound for the inspector's own call")

    user.find(marker=f"help-ack-{mine}").click()
    await eventually(
        lambda: shop.core.query(lambda ws, _n: ws.help_calls[mine].acknowledged_by) == "qc:QC01",
        "answered",
    )
    await user.should_see(marker=f"help-state-{mine}", content="赵敏 已响应", retries=RETRIES)

    user.find(marker=f"help-close-{mine}").click()
    user.find(marker="help-close-confirm").click()  # nothing said: refused
    assert mine in shop.core.query(lambda ws, _n: list(ws.help_calls))
    user.find(marker="help-outcome").type("已更换扭矩扳手")
    user.find(marker="help-close-confirm").click()
    await eventually(
        lambda: mine not in shop.core.query(lambda ws, _n: list(ws.help_calls)), "closed"
    )
    assert other in shop.core.query(lambda ws, _n: list(ws.help_calls))
    await user.should_not_see(marker=f"help-{mine}", retries=RETRIES)


async def test_the_dispatch_board_shows_the_call_and_who_answered(
    user: User, shop: Workshop
) -> None:
    await sign_in(user, "F001", page="/dispatch")
    await user.open("/dispatch")
    await user.should_see(marker="help-calls", retries=RETRIES)
    ident = call(shop, HelpKind.DIAGNOSTIC)
    await eventually(lambda: ident in shown(user, "help-calls"), "the call on the board")
    panel = shown(user, "help-calls")
    assert "诊断专家" in panel and "扭矩扳手读数不准" in panel and "升级至车间主管" in panel
    assert f'data-help-timer="{ident}"' in panel and "data-since=" in panel
    shop.core.query(lambda ws, now: ws.acknowledge_help(ident, "T001", now))
    await eventually(lambda: "王建国 已响应" in shown(user, "help-calls"), "answered")
