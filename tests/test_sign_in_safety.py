"""Signing in at a kiosk and pairing a screen, below the pages: PIN hashes in the site file
and the command that writes them, the kiosk's waits across a restart, the pairing book."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import ConfigError, backoff, load_config, parse_config
from core.contract.pairing import Refusal
from core.pairings import CODE_LIFE, VOID_AFTER, NewerPairingsError, Pairings
from kiosk.sign_in_guard import SignInGuard
from pitboard import cli
from pitboard.pins import PinError, hash_plain_pins, set_pin
from tests.helpers import DEMO_SITE, Clock, demo_config

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


# ----------------------------------------------------------------- PINs in the site file
def test_the_demo_keeps_pins_only_as_hashes_and_its_documented_pins_work() -> None:
    text = DEMO_SITE.read_text(encoding="utf-8")
    assert 'pin = "' not in text and "1004" in text  # said in a comment, never a value
    techs = {t.id: t for t in demo_config().technicians}
    assert techs["T004"].pin_matches("1004") and not techs["T004"].pin_matches("1003")
    assert techs["Q001"].pin_matches("2001") and techs["W001"].pin_matches("3001")


def test_a_plain_pin_is_refused_naming_the_command_that_hashes_it() -> None:
    text = DEMO_SITE.read_text(encoding="utf-8").replace(
        'id = "T004"\n', 'id = "T004"\npin = "1004"\n', 1
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    assert "technician T004: a PIN in plain text is refused" in str(err.value)
    assert "pitboard pin --config FILE --hash-plain" in str(err.value)


def test_a_pin_hash_must_be_a_hash_and_badges_are_unique() -> None:
    text = DEMO_SITE.read_text(encoding="utf-8")
    first = text.index("pin_hash = ")
    bad = text[:first] + 'pin_hash = "1004"\n#' + text[first:]
    with pytest.raises(ConfigError, match="not a hash from `pitboard pin`"):
        parse_config(bad, "site.toml")
    with pytest.raises(ConfigError, match="badge '10002' appears twice"):
        parse_config(text.replace('badge = "10003"', 'badge = "10002"'), "site.toml")


def old_site(tmp_path: Path) -> Path:
    """The demo as it was written before PINs were hashed."""
    text = DEMO_SITE.read_text(encoding="utf-8")
    pins = iter(["1001", "1002", "1003", "1004", "1005", "1006", "1007", "2001", "3001"])
    lines = [
        f'pin = "{next(pins)}"' if line.startswith("pin_hash = ") else line
        for line in text.splitlines()
    ]
    path = tmp_path / "site.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_hash_plain_turns_an_older_file_into_one_that_loads(tmp_path: Path) -> None:
    path = old_site(tmp_path)
    with pytest.raises(ConfigError):
        load_config(path)
    assert hash_plain_pins(path)[:2] == ["T001", "T002"]
    cfg = load_config(path)
    assert {t.id: t.pin_matches(t.id.replace("T", "1")) for t in cfg.technicians}["T004"]
    assert "# The demo's PINs" in path.read_text(encoding="utf-8")  # comments kept
    assert hash_plain_pins(path) == []


def test_the_pin_command_asks_twice_without_echo_and_writes_the_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(DEMO_SITE.read_text(encoding="utf-8"), encoding="utf-8")
    answers = iter(["2468", "2468"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["pin", "T004", "--config", str(path)]) == 0
    techs = {t.id: t for t in load_config(path).technicians}
    assert techs["T004"].pin_matches("2468") and not techs["T004"].pin_matches("1004")
    assert techs["T003"].pin_matches("1003")
    assert "2468" not in path.read_text(encoding="utf-8")

    answers = iter(["1357", "1358"])
    assert cli.main(["pin", "T004", "--config", str(path)]) == 2
    assert "differ" in capsys.readouterr().err


@pytest.mark.parametrize("pin", ["123", "12a4", "7777", "1234567890123"])
def test_pins_too_short_not_digits_or_one_digit_repeated_are_refused(
    tmp_path: Path, pin: str
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(DEMO_SITE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(PinError):
        set_pin(path, "T004", pin)


def test_a_longer_shortest_pin_is_the_sites_choice(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    text = DEMO_SITE.read_text(encoding="utf-8").replace(
        "pin_min_length = 4 ", "pin_min_length = 6 "
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PinError, match="6 to 12 digits"):
        set_pin(path, "T004", "2468")
    set_pin(path, "T004", "246813")


# ----------------------------------------------------------------- the kiosk's waits
def test_waits_double_after_the_free_misses_up_to_the_longest() -> None:
    assert [backoff(n, 3, 30, 3600) for n in range(1, 11)] == [
        0,
        0,
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]


def test_a_kiosks_waits_outlive_its_restart(tmp_path: Path) -> None:
    cfg = demo_config()
    t004 = next(t for t in cfg.technicians if t.id == "T004")
    clock = Clock(T0)
    path = tmp_path / "kiosk-b03.signin.json"
    guard = SignInGuard(cfg, path, clock)
    for n in (1, 2, 3):
        verdict = guard.pin(t004, "0000")
        assert (verdict.ok, verdict.misses, verdict.lockout) == (False, n, 30 if n == 3 else 0)

    again = SignInGuard(cfg, path, clock)  # the PC restarted
    verdict = again.pin(t004, "1004")
    assert (verdict.ok, verdict.checked, verdict.locked) == (False, False, "technician")
    clock.advance(seconds=30)
    assert again.pin(t004, "0000").lockout == 60  # the streak goes on: the wait doubles
    clock.advance(seconds=60)
    assert again.pin(t004, "1004").ok
    assert SignInGuard(cfg, path, clock).waiting("T004") == (0, None)


def test_a_badge_signs_in_and_a_code_of_nobody_counts_at_the_kiosk(tmp_path: Path) -> None:
    cfg = demo_config()
    guard = SignInGuard(cfg, None, Clock(T0))
    assert guard.code("10004").tech == "T004"
    for _ in range(cfg.sign_in.kiosk_misses - 1):
        assert guard.code("T004").wait == 0
    last = guard.code("T004")
    assert (last.tech, last.locked, last.lockout) == (None, "kiosk", 30)
    assert not guard.code("10004").checked  # a real badge waits too: no test of codes


# ----------------------------------------------------------------- the pairing book
def test_a_code_pairs_once_and_the_pairing_outlives_a_restart(tmp_path: Path) -> None:
    clock = Clock(T0)
    path = tmp_path / "pairings.json"
    book = Pairings(path, clock)
    code = book.new_code("B03", "foreman:F001")
    paired = book.redeem(code.code, "10.0.0.7", "10.0.0.7 Tablet")
    assert not isinstance(paired, Refusal) and paired.bay == "B03"
    assert book.redeem(code.code, "10.0.0.8", "other") == Refusal("wrong")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the signing key is in it

    again = Pairings(path, clock)
    assert again.key == book.key and again.active(paired.id, "B03")
    assert not again.active(paired.id, "B04")
    assert again.revoke(paired.id, "foreman:F001")
    assert not Pairings(path, clock).active(paired.id, "B03")


def test_a_code_lasts_ten_minutes(tmp_path: Path) -> None:
    clock = Clock(T0)
    book = Pairings(tmp_path / "pairings.json", clock)
    code = book.new_code("B03", "foreman:F001")
    clock.advance(seconds=CODE_LIFE.total_seconds())
    assert book.open_codes() == []
    assert book.redeem(code.code, "10.0.0.7", "t") == Refusal("wrong")


def test_many_wrong_codes_from_many_addresses_void_the_open_codes(tmp_path: Path) -> None:
    book = Pairings(tmp_path / "pairings.json", Clock(T0))
    code = book.new_code("B03", "foreman:F001")
    wrong = f"{(int(code.code) + 1) % 10**6:06d}"
    for n in range(VOID_AFTER):
        assert isinstance(book.redeem(wrong, f"10.0.0.{n}", "t"), Refusal)
    assert book.open_codes() == []
    assert isinstance(book.redeem(code.code, "10.0.0.99", "t"), Refusal)


def test_a_pairings_file_of_a_newer_version_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "pairings.json"
    path.write_text(json.dumps({"version": 99, "key": "k", "pairings": []}), encoding="utf-8")
    with pytest.raises(NewerPairingsError, match="newer Pitboard"):
        Pairings(path)
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 99


def test_codes_are_not_kept_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "pairings.json"
    code = Pairings(path, Clock(T0)).new_code("B03", "foreman:F001")
    assert code.code not in path.read_text(encoding="utf-8")
    assert code.expires_at == T0 + timedelta(minutes=10)
