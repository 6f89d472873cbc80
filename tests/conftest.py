"""Fixtures: stores on SQLite and PostgreSQL, a core on a fake bus, loud failures."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from core.domain.workshop import Workshop
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.browser import chromium_paths, headless_chromium
from tests.held_loop import HeldLoop, Wire
from tests.helpers import (
    Clock,
    FakeBus,
    demo_config,
    domain_workshop,
    fresh_postgres_database,
    need,
)


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A test that made the code log an ERROR fails, unless it says it expects one."""
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors and not getattr(caplog, "errors_expected", False):
        pytest.fail("logged errors: " + "; ".join(r.getMessage() for r in errors))


def _postgres_admin_url() -> str:
    return os.environ.get(
        "PITBOARD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = _postgres_admin_url()
    try:
        eng = create_engine(url)
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
    except Exception as exc:
        need("PostgreSQL", f"cannot connect to {url}: {exc.__class__.__name__}")
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    with fresh_postgres_database(postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@contextmanager
def migrated(url: str) -> Iterator[Engine]:
    made = make_engine(url)
    migrate(made)
    yield made
    made.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The site's database, migrated (a test module's own ``engine`` takes its place)."""
    with migrated(db_url) as made:
        yield made


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    # Not on ``engine``: a module's own engine (another database) must not become the store's.
    with migrated(db_url) as made:
        yield Store(made, "demo")


@pytest.fixture
def ws() -> Workshop:
    return domain_workshop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bus() -> FakeBus:
    return FakeBus()


@pytest.fixture
def core(store: Store, bus: FakeBus, clock: Clock) -> Iterator[Core]:
    c = Core(demo_config(), store, bus, clock)
    c.start()
    yield c
    c.stop()


@pytest.fixture
def running(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Core, Wire, HeldLoop]]:
    """A started core on a broker side that records each ack and the thread that sent it,
    its loop ready to be held (tests/held_loop.py)."""
    wire = Wire()
    c = Core(demo_config(), store, wire, Clock())
    c.start()
    loop = HeldLoop(c, monkeypatch)
    yield c, wire, loop
    loop.release()
    c.stop()


@pytest.fixture(scope="session")
def mosquitto_bin() -> str:
    path = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if path is None:
        need("Mosquitto", "the mosquitto binary is not installed")
    assert path is not None
    out = subprocess.run([path, "-h"], capture_output=True, text=True)
    if "mosquitto version 2" not in (out.stdout + out.stderr):
        need("Mosquitto", "mosquitto 2.x is required")
    return path


@pytest.fixture(scope="session")
def mosquitto_clients() -> None:
    """``mosquitto_pub`` and ``mosquitto_sub`` on the PATH, as a person pastes them."""
    missing = [c for c in ("mosquitto_pub", "mosquitto_sub") if shutil.which(c) is None]
    if missing:
        need("Mosquitto clients", f"{' and '.join(missing)} not installed (mosquitto-clients)")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium at 1920×1080 (Debian's chromium and chromium-driver)."""
    paths = chromium_paths()
    if paths is None:
        need("Chromium", "install Debian's chromium and chromium-driver")
    assert paths is not None
    driver = headless_chromium(*paths)
    yield driver
    driver.quit()
