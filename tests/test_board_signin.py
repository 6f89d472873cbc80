"""Signing in to the boards: wrong passwords limited per person and per address with a
lock-out that grows, each in the log and the audit trail; sessions kept by the core that
end when idle, when the person signs out or when the service manager ends them; the
manager's page of sign-ins and API tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nicegui.testing import User

from board import auth
from board.signin_limits import SignInLimits
from core.domain.access import Scope
from tests.board_env import RETRIES, boards, sign_in, texts
from tests.kiosk_env import Workshop
from tests.waiting import eventually

HERE = "127.0.0.1"  # the address the test's requests come from
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workshop]:
    with boards(tmp_path) as w:
        yield w


async def signed_in_at(user: User, who: str, page: str, marker: str) -> None:
    """Signed in through the form and taken on to ``page`` (opening it again meanwhile would
    race the sign-in's own navigation)."""
    await sign_in(user, who, page=page)
    await eventually(lambda: user.back_history[-1:] == [page], f"{who} on {page}")
    await user.should_see(marker=marker, retries=RETRIES)


async def is_signed_out(user: User, page: str = "/dispatch") -> bool:
    await user.open(page)
    await user.should_see(marker="login-user", retries=RETRIES)
    return True


async def error_shown(user: User) -> str:
    await user.should_see(marker="login-error", retries=RETRIES)
    label = user.find(marker="login-error").elements.pop()
    return str(label.text) if label.visible else ""


def access_lines(shop: Workshop) -> list[tuple[str, str, dict[str, object]]]:
    return [(e["type"], e["source"], e["payload"]) for e in reversed(shop.core.access.log(100))]


# ----------------------------------------------------------------- wrong passwords
async def test_five_wrong_passwords_lock_the_person_out_even_with_the_right_one(
    user: User, shop: Workshop, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(4):
        await sign_in(user, "F001", f"wrong {n}", "/dispatch")
        assert await error_shown(user) == "工号或密码不对"
    await sign_in(user, "F001", "wrong 4", "/dispatch")
    assert await error_shown(user) == "密码错误次数过多，请 1 分钟后再试"
    await sign_in(user, "F001", "pitboard", "/dispatch")  # right, and still locked out
    assert await error_shown(user) == "密码错误次数过多，请 1 分钟后再试"
    assert await is_signed_out(user)

    refused = [r for r in caplog.records if "sign-in refused for 'F001'" in r.getMessage()]
    assert len(refused) == 5 and all(r.levelname == "WARNING" for r in refused)
    assert any("locked for user 'f001': 1 min" in r.getMessage() for r in caplog.records)
    source = f"board@{HERE}"
    assert access_lines(shop) == [("signin.refused", source, {"user": "F001"})] * 5 + [
        ("signin.locked", source, {"user": "f001", "minutes": 1})
    ]


async def test_wrong_passwords_from_one_address_lock_it_out_whoever_they_name(
    user: User, shop: Workshop
) -> None:
    for n in range(10):
        await sign_in(user, f"X{n}", "pitboard", "/desk")
        await error_shown(user)
    await sign_in(user, "SA01", "pitboard", "/desk")
    assert await error_shown(user) == "密码错误次数过多，请 1 分钟后再试"
    assert await is_signed_out(user, "/desk")
    assert ("signin.locked", f"board@{HERE}", {"address": HERE, "minutes": 1}) in access_lines(shop)


def test_lock_outs_grow_from_one_minute_doubling_to_thirty() -> None:
    limits, now, lasted = SignInLimits(), T0, []
    for n in range(8):
        began = []
        address = f"10.0.0.{n}"  # a guesser moving from PC to PC
        for _ in range(5):
            assert limits.locked_for("F001", address, now) is None
            began = limits.miss("F001", address, now)
        assert [lock.on for lock in began] == ["user"]
        lasted.append(began[0].lasts)
        left = limits.locked_for("F001", address, now)
        assert left == began[0].lasts and limits.locked_for("f001 ", "10.0.1.1", now) == left
        now += began[0].lasts
    assert [m.total_seconds() / 60 for m in lasted] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_right_password_or_a_quiet_day_forgets_the_misses() -> None:
    limits = SignInLimits()
    for _ in range(4):
        limits.miss("F001", "10.0.0.5", T0)
    limits.success("F001", "10.0.0.5")
    for _ in range(4):
        assert limits.miss("F001", "10.0.0.5", T0) == []
    later = T0 + timedelta(hours=25)
    assert limits.miss("F001", "10.0.0.5", later) == []  # the four before are forgotten
    assert limits.locked_for("F001", "10.0.0.5", later) is None


# ----------------------------------------------------------------- sessions
async def test_the_manager_sees_who_is_signed_in_and_ends_a_session(
    user: User, shop: Workshop, create_user: Callable[[], User]
) -> None:
    foreman = create_user()
    await signed_in_at(foreman, "F001", "/dispatch", "queue")

    await signed_in_at(user, "M001", "/access", "session-F001")
    await user.should_see(marker="session-M001")
    user.find(marker="end-F001").click()
    await eventually(lambda: [s.user for s in shop.core.access.sessions()] == ["M001"], "ended")
    await user.should_not_see(marker="session-F001")

    assert await is_signed_out(foreman)  # the foreman's next request
    assert ("session.ended", "manager:M001", {"user": "F001", "address": HERE}) in access_lines(
        shop
    )


async def test_a_page_left_open_goes_to_the_sign_in_when_its_session_ends(
    user: User, shop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "WATCH_SECONDS", 0.2)
    await signed_in_at(user, "F001", "/dispatch", "queue")
    (session,) = shop.core.access.sessions()
    shop.core.access.end_session(session.id, by="manager:M001")
    await user.should_see(marker="login-user", retries=RETRIES)


async def test_an_idle_session_ends_and_one_in_use_goes_on(
    user: User, shop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [datetime.now(UTC)]
    monkeypatch.setattr(shop.core.access, "clock", lambda: now[0])
    idle = shop.core.access.idle
    await signed_in_at(user, "SA01", "/desk", "check-in")
    for _ in range(2):  # opening a page is a use
        now[0] += idle - timedelta(minutes=5)
        await user.open("/desk")
        await user.should_see(marker="check-in", retries=RETRIES)
    now[0] += idle + timedelta(minutes=1)
    assert await is_signed_out(user, "/desk")


async def test_signing_out_ends_the_session(user: User, shop: Workshop) -> None:
    await signed_in_at(user, "QC01", "/orders/RO-NOPE", "unknown-order")
    assert [s.user for s in shop.core.access.sessions()] == ["QC01"]
    await user.open("/logout")  # as a link or a picture on another site would
    await user.should_see(marker="logout-confirm", retries=RETRIES)
    assert [s.user for s in shop.core.access.sessions()] == ["QC01"], "ended by an address"
    user.find(marker="logout-confirm").click()
    await user.should_see(marker="login-user", retries=RETRIES)
    assert shop.core.access.sessions() == []
    assert access_lines(shop)[-1] == ("session.ended", "qc:QC01", {"user": "QC01", "address": HERE})
    assert await is_signed_out(user, "/orders/RO-NOPE")


async def test_the_pages_sign_out_button_ends_the_session(user: User, shop: Workshop) -> None:
    await signed_in_at(user, "SA01", "/desk", "check-in")
    user.find(marker="logout").click()
    await user.should_see(marker="login-user", retries=RETRIES)
    assert shop.core.access.sessions() == []
    assert await is_signed_out(user, "/desk")


async def test_only_the_manager_opens_the_sign_ins_page(user: User, shop: Workshop) -> None:
    await sign_in(user, "F001", page="/access")
    await user.open("/access")
    # The foreman is told the page is not theirs, and by whom they are signed in.
    await user.should_see(marker="not-allowed", retries=RETRIES)
    await user.should_see("您无权打开此页面 — 当前登录：张强（车间主管）")
    await user.should_not_see(marker="token-create")
    user.find(marker="denied-switch").click()  # to sign in as someone else
    await user.should_see(marker="login-user", retries=RETRIES)
    await sign_in(user, "M001", page="/access")
    await user.should_see(marker="token-create", retries=RETRIES)


# ----------------------------------------------------------------- API tokens
async def test_the_manager_makes_a_token_sees_it_once_and_revokes_it(
    user: User, shop: Workshop
) -> None:
    await signed_in_at(user, "M001", "/access", "token-create")
    user.find(marker="token-name").type("grafana")
    user.find(marker="token-create").click()
    await user.should_see(marker="new-token", retries=RETRIES)
    secret = str(user.find(marker="new-token").elements.pop().value)
    token = shop.core.access.token(secret)
    assert token is not None and (token.name, token.scope) == ("grafana", Scope.READ)
    await user.should_see(marker="token-grafana")

    user.find(marker="revoke-grafana").click()
    await eventually(lambda: shop.core.access.token(secret) is None, "revoked")
    assert access_lines(shop)[-1][:2] == ("token.revoked", "manager:M001")
    await user.open("/access")
    await user.should_see(marker="token-grafana", retries=RETRIES)
    await user.should_not_see(marker="revoke-grafana")
    assert secret not in texts(user)
