"""The boards on a real core for the tests through NiceGUI's user fixture, and what those
tests do and read on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from nicegui.testing import User

from board.pages import register
from core.board_source import CoreBoardSource
from core.contract.pairing import PairingBook
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import eventually

RETRIES = 60


@contextmanager
def boards(
    tmp_path: Path,
    pairings: PairingBook | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[Workshop]:
    """The demo workshop on SQLite with the boards registered (and the pairing of kiosk
    screens on the dispatch board with ``pairings``; the core on ``clock``, when given)."""
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    w = demo_workshop(Store(engine, "demo"), tmp_path, core_clock=clock)
    register(CoreBoardSource(w.core), kiosk_bays=["B03"], pairings=pairings)
    try:
        yield w
    finally:
        w.close()
        engine.dispose()


async def sign_in(user: User, who: str, password: str = "pitboard", page: str = "/") -> None:
    await user.open(f"/login?next={page}")
    user.find(marker="login-user").type(who)
    user.find(marker="login-password").type(password)
    opened = len(user.back_history)
    user.find(marker="login-submit").click()
    # A sign-in that succeeds opens the page in the background: a test that opened a page
    # meanwhile would find itself on this one, built later than it thinks.
    await eventually(
        lambda: len(user.back_history) > opened or _refused(user), "the sign-in answered"
    )


def _refused(user: User) -> bool:
    return present(user, "login-error")  # shown only once a sign-in was refused


def shown(user: User, marker: str) -> str:
    """The HTML an element of a board shows (boards fill their parts past NiceGUI's own
    updates, see board/live.py)."""
    return str(user.find(marker=marker).elements.pop().props["innerHTML"])


def present(user: User, marker: str) -> bool:
    try:
        return bool(user.find(marker=marker).elements)
    except AssertionError:
        return False


def texts(user: User) -> str:
    """Every word on the page, whatever element holds it."""
    parts: list[str] = []
    for el in user.current_layout.descendants():
        for attr in ("text", "content", "value"):
            v = getattr(el, attr, None)
            if isinstance(v, str):
                parts.append(v)
        parts.append(str(el.props))
    return "\n".join(parts)
