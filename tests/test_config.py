"""A site's configuration: every mistake is named with its place, nothing half-loaded."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from core.config import (
    ConfigError,
    KioskConfig,
    booking_rules_from_config,
    help_tiers_from_config,
    load_config,
    parse_config,
    working_hours_from_config,
)
from core.domain.booking_rules import BookingRules
from core.domain.vocabulary import HelpKind, StaffRole
from tests.helpers import DEMO_SITE, demo_config

DEMO = DEMO_SITE.read_text(encoding="utf-8")


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    return str(err.value)


def test_the_demo_site_loads_with_its_boards_people_and_alerts() -> None:
    cfg = parse_config(DEMO)
    assert {u.role for u in cfg.users} == {"foreman", "advisor", "qc", "manager", "parts"}
    assert cfg.alerts.approval_call_minutes < cfg.alerts.approval_escalate_minutes
    assert cfg.site.opens_at.hour == 8


def test_a_misspelt_setting_is_named_with_its_place() -> None:
    message = refused(DEMO.replace("approval_call_minutes", "aproval_call_minutes"))
    assert "alerts.aproval_call_minutes: unknown setting (typo?)" in message


def test_a_password_in_place_of_its_hash_is_refused() -> None:
    text = DEMO.replace(
        'role = "foreman"\npassword_hash = "scrypt', 'role = "foreman"\npassword_hash = "x'
    )
    message = refused(text)
    assert "users.0.password_hash" in message and "pitboard hash-password" in message


def test_an_escalation_before_the_call_is_refused() -> None:
    message = refused(
        DEMO.replace("approval_escalate_minutes = 120", "approval_escalate_minutes = 10")
    )
    assert "approval_escalate_minutes must come after the call" in message


def test_the_advisors_escalation_time_has_a_default_is_set_and_is_checked() -> None:
    without = DEMO.replace("[advisor]\nescalate_after_minutes = 15", "")
    assert "[advisor]" not in without
    assert parse_config(without).advisor.escalate_after_minutes == 15  # the default
    assert (
        parse_config(
            DEMO.replace("after_minutes = 15", "after_minutes = 30")
        ).advisor.escalate_after_minutes
        == 30
    )
    assert "advisor.escalate_after_minutes" in refused(
        DEMO.replace("escalate_after_minutes = 15", "escalate_after_minutes = 0")
    )
    assert "advisor.escalate_after: unknown setting (typo?)" in refused(
        DEMO.replace("escalate_after_minutes = 15", "escalate_after = 15")
    )


def test_two_users_with_one_id_are_refused() -> None:
    message = refused(DEMO.replace('id = "SA02"', 'id = "SA01"'))
    assert "user 'SA01' appears twice" in message


def test_not_toml_at_all_is_said_so() -> None:
    assert "not valid TOML" in refused("[site\nid=")


# ----------------------------------------------------------------- the session secret
NORTH = DEMO.replace('id = "demo"', 'id = "north"', 1)


def test_a_site_but_the_demo_cannot_start_its_boards_without_a_session_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pitboard.web import session_secret

    monkeypatch.delenv("PITBOARD_SESSION_SECRET", raising=False)
    north = parse_config(NORTH)
    assert not north.is_demo
    with pytest.raises(ConfigError) as err:
        session_secret(north)
    assert "PITBOARD_SESSION_SECRET is not set" in str(err.value)
    assert "site north" in str(err.value) and "openssl rand" in str(err.value)

    monkeypatch.setenv("PITBOARD_SESSION_SECRET", "too-short")
    with pytest.raises(ConfigError, match="a session secret needs at least 32"):
        session_secret(north)

    monkeypatch.setenv("PITBOARD_SESSION_SECRET", "s" * 32)
    assert session_secret(north) == "s" * 32


def test_the_demo_makes_up_a_session_secret_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from pitboard.web import session_secret

    monkeypatch.delenv("PITBOARD_SESSION_SECRET", raising=False)
    demo = parse_config(DEMO)
    assert demo.is_demo
    made = session_secret(demo)
    assert len(made) >= 32 and made != session_secret(demo)
    assert "PITBOARD_SESSION_SECRET is not set" in caplog.text


def test_the_secret_is_read_from_the_variable_the_site_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pitboard.web import session_secret

    north = parse_config(NORTH.replace("[web]\n", '[web]\nsecret_env = "NORTH_SECRET"\n', 1))
    monkeypatch.setenv("NORTH_SECRET", "n" * 40)
    assert session_secret(north) == "n" * 40


def test_a_sign_in_cannot_stay_idle_longer_than_it_may_last() -> None:
    text = DEMO.replace("[web]\n", "[web]\nsession_idle_minutes = 600\nsession_max_hours = 8\n", 1)
    assert "session_idle_minutes is longer than session_max_hours" in refused(text)
    cfg = parse_config(DEMO)
    assert (cfg.web.session_idle_minutes, cfg.web.session_max_hours) == (240, 12)


# ----------------------------------------------------------------- appointments
def test_the_booking_rules_and_working_hours_come_from_the_site_file() -> None:
    text = DEMO.replace(
        "[web]",
        '[appointments]\nreception_opens = "08:30"\nslot_minutes = 20\nbuffer_every = 0\n'
        "no_show_grace_minutes = 10\nefficiency = 0.9\n\n[web]",
    )
    rules = booking_rules_from_config(parse_config(text))
    assert (rules.reception_opens, rules.slot, rules.buffer_every) == (
        time(8, 30),
        timedelta(minutes=20),
        0,
    )
    assert rules.no_show_grace == timedelta(minutes=10) and rules.efficiency == 0.9
    assert booking_rules_from_config(parse_config(DEMO)) == BookingRules()
    hours = working_hours_from_config(parse_config(DEMO))
    # from opening to the last shift end, lunch left out
    assert hours.periods == ((time(8, 0), time(12, 0)), (time(13, 0), time(18, 30)))
    assert str(hours.zone) == "Asia/Shanghai"
    without = parse_config(DEMO.replace('breaks = [["12:00", "13:00"]]', "breaks = []"))
    assert working_hours_from_config(without).periods == ((time(8, 0), time(18, 30)),)


@pytest.mark.parametrize(
    "breaks",
    [
        '[["07:30", "08:30"]]',  # before the opening
        '[["18:00", "19:00"]]',  # past the last shift end
        '[["13:00", "12:00"]]',  # ends before it starts
        '[["12:00", "13:00"], ["12:30", "14:00"]]',  # overlapping
        '[["12:00", "13:00"], ["13:00", "14:00"]]',  # touching: one break, written as one
    ],
)
def test_a_break_outside_the_day_or_out_of_order_is_refused(breaks: str) -> None:
    message = refused(DEMO.replace('breaks = [["12:00", "13:00"]]', f"breaks = {breaks}"))
    assert "site: Value error, break" in message and "inside the working day 08:00–18:30" in message


def test_booking_rules_that_cannot_be_are_refused() -> None:
    message = refused(DEMO.replace("[web]", "[appointments]\nbuffer_every = 1\n\n[web]"))
    assert "buffer_every = 1" in message
    message = refused(DEMO.replace("[web]", '[appointments]\nreception_closes = "07:00"\n\n[web]'))
    assert "reception_closes must come after reception_opens" in message


def test_a_device_is_found_among_a_thousand_kiosks_and_in_a_copy_with_other_kiosks() -> None:
    cfg = load_config(DEMO_SITE)
    many = [KioskConfig(device=f"kiosk-{i:04d}", bay=cfg.bays[i % 3].id) for i in range(1000)]
    big = cfg.model_copy(update={"kiosks": [*cfg.kiosks, *many]})
    assert big.kiosk_bay("kiosk-0999") == cfg.bays[999 % 3].id
    assert big.device_kind("kiosk-0500") == "kiosk"
    assert big.kiosk_bay("kiosk-b03") == "B03"
    assert cfg.kiosk_bay("kiosk-0999") is None  # the original keeps its own kiosks
    alone = big.model_copy(update={"kiosks": many[:1]})
    assert alone.kiosk_bay("kiosk-b03") is None and alone.kiosk_bay("kiosk-0000") is not None


def test_help_calls_keep_their_defaults_unless_the_file_sets_a_kind() -> None:
    cfg = parse_config(DEMO)
    tiers = help_tiers_from_config(cfg)
    assert [(t.after, t.to) for t in tiers[HelpKind.DIAGNOSTIC]] == [
        (timedelta(minutes=5), "foreman"),
        (timedelta(minutes=15), "manager"),
    ]
    assert [t.to for t in tiers[HelpKind.SAFETY]] == ["manager"]  # the default
    assert cfg.help.answers(StaffRole.QC) == [HelpKind.QC]
    assert cfg.help.answers(StaffRole.MANAGER) == list(HelpKind)
    faster = DEMO.replace('tiers = [{after_minutes = 5, to = "foreman"}', "tiers = [")
    faster = faster.replace("[, {after_minutes = 15", "[{after_minutes = 15")
    assert [t.after for t in help_tiers_from_config(parse_config(faster))[HelpKind.DIAGNOSTIC]] == [
        timedelta(minutes=15)
    ]


def test_help_tiers_out_of_order_or_a_kind_twice_are_refused() -> None:
    backwards = DEMO.replace("{after_minutes = 5, to", "{after_minutes = 25, to")
    assert "tiers go up in after_minutes" in refused(backwards)
    twice = DEMO.replace(
        '[[help.kinds]]\nkind = "diagnostic"',
        '[[help.kinds]]\nkind = "diagnostic"\nanswered_by = ["qc"]\n\n'
        '[[help.kinds]]\nkind = "diagnostic"',
    )
    assert "a kind appears twice" in refused(twice)
    assert "help.kinds.0.kind" in refused(DEMO.replace('kind = "diagnostic"', 'kind = "doctor"'))


@pytest.mark.parametrize(
    ("section", "line", "said"),
    [
        ("[broker]", 'url = "mqtt//127.0.0.1:1883"', "broker.url"),
        ("[broker]", 'url = "https://broker.example"', "broker.url"),
        ("[broker]", 'url = "mqtt://127.0.0.1:port"', "the port is not a number"),
        ("[broker]", 'url = "mqtt://10.0.0.2:1883"\nca_file = "ca.crt"', "mqtts://"),
        ("[group]", 'hub_url = "mqtt//hq.example:8883"', "group.hub_url"),
        ("[group]", 'hub_url = "mqtt://hq.example"\nhub_ca_file = "ca.crt"', "not encrypted"),
    ],
)
def test_a_broker_address_with_a_typo_is_refused_not_taken_for_this_machine(
    section: str, line: str, said: str
) -> None:
    text = (
        DEMO.replace("[broker]\n", "[broker]\n" + line + "\n", 1)
        if section == "[broker]"
        else (DEMO + f"\n{section}\n{line}\n")
    )
    assert said in refused(text)


def test_head_office_and_a_broker_named_rightly_are_taken() -> None:
    cfg = parse_config(
        DEMO + '\n[group]\nenabled = true\nhub_url = "mqtts://hq.example:8883"\n'
        'hub_ca_file = "hq-ca.crt"\n'
    )
    assert cfg.group.enabled and cfg.group.hub_url == "mqtts://hq.example:8883"


def test_check_config_counts_the_consoles_apart_and_names_a_typo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pitboard.cli import main

    assert main(["check-config", "--config", str(DEMO_SITE)]) == 0
    said = capsys.readouterr().out
    assert "8 bays, 9 technicians, 9 kiosks and 1 console sending by hand" in said, said
    bad = tmp_path / "site.toml"
    bad.write_text(DEMO_SITE.read_text("utf-8").replace("[site]\n", "[site]\nnmae = 'x'\n", 1))
    assert main(["check-config", "--config", str(bad)]) == 2
    assert "site.nmae: unknown setting (typo?)" in capsys.readouterr().err


def test_a_night_shift_works_past_midnight_and_its_break_may_lie_there() -> None:
    """A last shift ending after midnight: the plan and the predictions work from opening to
    midnight and from midnight to the shift's end, not from 20:00 to midnight alone."""
    night = DEMO.replace('shift_ends = ["12:00", "18:30"]', 'shift_ends = ["04:00"]')
    night = night.replace('opens_at = "08:00"', 'opens_at = "20:00"')
    night = night.replace('breaks = [["12:00", "13:00"]]', 'breaks = [["02:00", "02:30"]]')
    hours = working_hours_from_config(parse_config(night))
    assert hours.periods == (
        (time(0, 0), time(2, 0)),
        (time(2, 30), time(4, 0)),
        (time(20, 0), time.max),
    )
    message = refused(night.replace('[["02:00", "02:30"]]', '[["05:00", "06:00"]]'))
    assert "inside the working day 00:00–04:00, 20:00–23:59" in message


def test_the_pages_own_words_start_in_the_sites_language() -> None:
    """A site that speaks English gets Quasar's English (a date picker's months, a table's
    pager) before anyone switches; the demo, a Chinese site, Chinese."""
    from pitboard.web import quasar_language

    cfg = demo_config()
    english = cfg.model_copy(update={"site": cfg.site.model_copy(update={"language": "en"})})
    assert (quasar_language(cfg), quasar_language(english)) == ("zh-CN", "en-US")
