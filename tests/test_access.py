"""Board sessions and API tokens in the store, on SQLite and PostgreSQL: tokens kept only as
their hash and refused the moment they are revoked; sessions that end when idle, when too
old or when the manager ends them; every change in the audit log. And `pitboard token`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from core.access import Access
from core.config import WebConfig
from core.domain.access import Scope
from core.store.access import AccessStore
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from pitboard.cli import main
from tests.helpers import DEMO_SITE, Clock, demo_config


@pytest.fixture
def access(store: Store, clock: Clock) -> Access:
    web = WebConfig(session_idle_minutes=30, session_max_hours=12)
    return Access(AccessStore(store.engine, "demo"), web, clock)


def lines(access: Access) -> list[tuple[str, str, dict[str, object]]]:
    """(type, source, payload) of the access lines in the audit log, oldest first."""
    return [(e["type"], e["source"], e["payload"]) for e in reversed(access.log(100))]


def test_the_migrations_make_the_tables_the_store_declares(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.store.tables import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


# ----------------------------------------------------------------- API tokens
def test_a_token_is_shown_once_and_kept_only_as_its_hash(access: Access, store: Store) -> None:
    token, secret = access.create_token("grafana", Scope.READ, by="manager:M001")
    assert secret.startswith("pb_") and len(secret) >= 40
    assert (token.name, token.scope, token.revoked_at) == ("grafana", Scope.READ, None)
    assert access.token(secret) == token
    with store.engine.connect() as conn:
        kept = str(conn.execute(text("select * from api_tokens")).all())
    assert secret not in kept and secret[3:] not in kept
    assert hashlib.sha256(secret.encode()).hexdigest() in kept
    for wrong in ("", secret[:-1], secret + "x", "pb_" + "A" * 43):
        assert access.token(wrong) is None
    assert lines(access) == [
        ("token.created", "manager:M001", {"id": token.id, "name": "grafana", "scope": "read"})
    ]


def test_a_revoked_token_is_refused_at_once(access: Access, clock: Clock) -> None:
    keep, kept = access.create_token("dms", Scope.WRITE, by="manager:M001")
    gone, revoked = access.create_token("old-dms", Scope.WRITE, by="manager:M001")
    clock.advance(minutes=5)
    assert access.revoke_token(gone.id, by="manager:M001")
    assert access.token(revoked) is None and access.token(kept) == keep
    assert not access.revoke_token(gone.id, by="manager:M001"), "revoked twice"
    assert not access.revoke_token("no-such-id", by="manager:M001")
    listed = {t.name: t for t in access.tokens()}
    assert listed["old-dms"].revoked_at == clock.now and listed["dms"].revoked_at is None
    assert lines(access)[-1] == (
        "token.revoked",
        "manager:M001",
        {"id": gone.id, "name": "old-dms", "scope": "write"},
    )


def test_a_token_of_one_site_opens_nothing_at_another(access: Access, store: Store) -> None:
    _, secret = access.create_token("dms", Scope.WRITE, by="cli:root")
    other = Access(AccessStore(store.engine, "north"), demo_config().web, access.clock)
    assert other.token(secret) is None and other.tokens() == []


def test_write_may_read_and_read_may_only_read() -> None:
    assert Scope.WRITE.allows(Scope.READ) and Scope.WRITE.allows(Scope.WRITE)
    assert Scope.READ.allows(Scope.READ) and not Scope.READ.allows(Scope.WRITE)


# ----------------------------------------------------------------- board sessions
def test_a_session_ends_when_left_idle(access: Access, clock: Clock) -> None:
    idle = access.idle
    sid = access.open_session("F001", "foreman", "10.0.0.5")
    session = access.session(sid)
    assert session is not None and (session.user, session.address) == ("F001", "10.0.0.5")
    for _ in range(3):  # in use: every use starts the idle time again
        clock.advance(seconds=idle.total_seconds() - 60)
        assert access.session(sid) is not None
    clock.advance(seconds=idle.total_seconds() - 60)
    assert access.session(sid, touch=False) is not None  # looking does not count as use
    clock.advance(minutes=2)
    assert access.session(sid) is None
    assert access.sessions() == []


def test_a_session_ends_when_too_old_however_much_it_is_used(access: Access, clock: Clock) -> None:
    sid = access.open_session("SA01", "advisor", "10.0.0.7")
    step = access.idle / 2
    for _ in range(int(access.longest / step) - 1):
        clock.advance(seconds=step.total_seconds())
        assert access.session(sid) is not None
    clock.advance(seconds=step.total_seconds())
    assert access.session(sid) is None


def test_an_ended_session_is_refused_and_listed_no_more(access: Access) -> None:
    foreman = access.open_session("F001", "foreman", "10.0.0.5")
    advisor = access.open_session("SA01", "advisor", "10.0.0.7")
    assert {s.user for s in access.sessions()} == {"F001", "SA01"}
    assert access.end_session(foreman, by="manager:M001")
    assert access.session(foreman) is None
    assert [s.id for s in access.sessions()] == [advisor]
    assert not access.end_session(foreman, by="manager:M001")
    assert not access.end_session("no-such-session", by="manager:M001")
    assert lines(access) == [
        ("session.started", "foreman:F001", {"user": "F001", "address": "10.0.0.5"}),
        ("session.started", "advisor:SA01", {"user": "SA01", "address": "10.0.0.7"}),
        ("session.ended", "manager:M001", {"user": "F001", "address": "10.0.0.5"}),
    ]


def test_sign_in_refusals_go_to_the_audit_log(access: Access) -> None:
    access.note("signin.refused", "board@10.0.0.9", user="F001")
    access.note("signin.locked", "board@10.0.0.9", user="F001", minutes=1)
    assert lines(access) == [
        ("signin.refused", "board@10.0.0.9", {"user": "F001"}),
        ("signin.locked", "board@10.0.0.9", {"user": "F001", "minutes": 1}),
    ]
    entry = access.log(1)[0]
    assert entry["at"].tzinfo is not None


# ----------------------------------------------------------------- `pitboard token`
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    text_ = DEMO_SITE.read_text(encoding="utf-8").replace(
        'data_dir = "var"', f'data_dir = "{tmp_path.as_posix()}"'
    )
    path.write_text(text_, encoding="utf-8")
    return path


def test_pitboard_token_creates_lists_and_revokes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = str(site_file(tmp_path))
    assert main(["token", "create", "--config", site, "--scope", "read", "--name", "grafana"]) == 0
    out = capsys.readouterr().out
    secret = next(w for w in out.split() if w.startswith("pb_"))
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    access = Access(AccessStore(engine, "demo"), demo_config().web)
    token = access.token(secret)
    assert token is not None and (token.name, token.scope) == ("grafana", Scope.READ)

    assert main(["token", "list", "--config", site]) == 0
    listed = capsys.readouterr().out
    assert token.id in listed and "grafana" in listed and "read" in listed
    assert secret not in listed and secret[3:12] not in listed

    assert main(["token", "revoke", "--config", site, token.id]) == 0
    capsys.readouterr()
    assert access.token(secret) is None
    assert main(["token", "list", "--config", site]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["token", "revoke", "--config", site, token.id]) == 2  # not a live token
    assert lines(access)[0][1].startswith("cli:")
    engine.dispose()


def test_pitboard_token_refuses_a_name_it_could_not_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = str(site_file(tmp_path))
    assert main(["token", "create", "--config", site, "--scope", "write", "--name", "a b"]) == 2
    assert "name" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["token", "create", "--config", site, "--scope", "admin", "--name", "dms"])
