"""A site's configuration: every mistake is named with its place, nothing half-loaded."""

from __future__ import annotations

import pytest

from core.config import ConfigError, parse_config
from tests.helpers import DEMO_SITE

DEMO = DEMO_SITE.read_text(encoding="utf-8")


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    return str(err.value)


def test_the_demo_site_loads_with_its_boards_people_and_alerts() -> None:
    cfg = parse_config(DEMO)
    assert {u.role for u in cfg.users} == {"foreman", "advisor", "qc", "manager"}
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


def test_two_users_with_one_id_are_refused() -> None:
    message = refused(DEMO.replace('id = "SA02"', 'id = "SA01"'))
    assert "user 'SA01' appears twice" in message


def test_not_toml_at_all_is_said_so() -> None:
    assert "not valid TOML" in refused("[site\nid=")
