"""What is generated for a dealer group: the site broker's bridge and head office's ACL and
passwords come from the topic registry and agree with each other; the shipped examples
are current (regenerate: PYTHONPATH=. python -m tests.test_group_files)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.config import ConfigError, SiteConfig
from core.contract import bridge
from core.contract.topics import GROUP_LINK, ROOT, TOPICS
from hub.broker import crossing, render_hub_acl
from hub.config import HUB_STATUS, bridge_user, load_hub_config, parse_hub_config
from pitboard.cli import main
from tests.helpers import DEMO_SITE, demo_config

ROOT_DIR = Path(__file__).resolve().parents[1]
HUB_TOML = ROOT_DIR / "deploy" / "hub" / "hub.toml"
ACL_EXAMPLE = ROOT_DIR / "deploy" / "hub" / "acl.example"
BRIDGE_EXAMPLE = ROOT_DIR / "deploy" / "site-bridge.conf.example"
EXAMPLE_PASSWORD = "PASSWORD-OF-site-demo-FROM-PITBOARD_GROUP_PASSWORD"


def grouped(**group: object) -> SiteConfig:
    cfg = demo_config()
    return cfg.model_copy(update={"group": cfg.group.model_copy(update=group)})


def example_bridge() -> str:
    cfg = grouped(
        enabled=True,
        hub_url="mqtts://hub.example.com:8883",
        hub_ca_file="/etc/pitboard/hub-ca.crt",
    )
    return bridge.render_bridge(cfg, EXAMPLE_PASSWORD)


def example_acl() -> str:
    return render_hub_acl(load_hub_config(HUB_TOML))


def test_shipped_examples_are_current() -> None:
    assert BRIDGE_EXAMPLE.read_text(encoding="utf-8") == example_bridge(), __doc__
    assert ACL_EXAMPLE.read_text(encoding="utf-8") == example_acl(), __doc__


def directives(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


def test_the_bridge_carries_the_group_feed_only_and_head_office_allows_just_that() -> None:
    conf = directives(example_bridge())
    topics = [d[1:] for d in conf if d[0] == "topic"]
    assert topics == [
        ["pitboard/demo/group/feed", "out", "1"],
        ["pitboard/demo/group/ack", "in", "1"],
    ]
    settings = {d[0]: d[1:] for d in conf if d[0] != "topic"}
    assert settings["connection"] == ["pitboard-demo"]
    assert settings["address"] == ["hub.example.com:8883"]
    assert settings["remote_username"] == settings["remote_clientid"] == [bridge_user("demo")]
    assert settings["remote_password"] == [EXAMPLE_PASSWORD]
    assert settings["cleansession"] == ["false"]
    assert settings["bridge_cafile"] == ["/etc/pitboard/hub-ca.crt"]
    assert settings["bridge_insecure"] == ["false"]
    # The link's state: kept at the site, under its own root, a topic of the registry.
    assert settings["notifications_local_only"] == ["true"]
    assert settings["notification_topic"] == [GROUP_LINK.full("demo")]
    assert GROUP_LINK in TOPICS and GROUP_LINK not in crossing()
    # What the bridge sends, site-demo may write at head office; what it asks for, read.
    acl = render_hub_acl(parse_hub_config('[[sites]]\nid = "demo"\nname = "Demo"\n'))
    block = acl.split(f"user {bridge_user('demo')}\n")[1].strip().splitlines()
    assert block == [
        f"topic {'write' if way == 'out' else 'read'} {topic}" for topic, way, _ in topics
    ]
    assert bridge.bridge_user("demo") == bridge_user("demo")


def test_head_office_acl_gives_each_site_its_own_topics_and_the_hub_every_site() -> None:
    config = load_hub_config(HUB_TOML)
    acl = example_acl()
    users: dict[str, list[str]] = {}
    for words in directives(acl):
        if words[0] == "user":
            current = users.setdefault(words[1], [])
        else:
            assert words[0] == "topic", "no `pattern`: nothing granted to every user"
            current.append(" ".join(words))
    assert users.pop("hub") == [
        f"topic read {ROOT.format(site='+')}group/feed",
        f"topic write {ROOT.format(site='+')}group/ack",
        f"topic write {HUB_STATUS}",
    ]
    assert set(users) == {bridge_user(s.id) for s in config.sites}
    for site in config.sites:
        assert users[bridge_user(site.id)] == [
            f"topic write pitboard/{site.id}/group/feed",
            f"topic read pitboard/{site.id}/group/ack",
        ]
    assert not any("#" in line for lines in users.values() for line in lines)


def test_the_bridge_is_refused_without_its_password_and_written_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        DEMO_SITE.read_text(encoding="utf-8")
        + '\n[group]\nenabled = true\nhub_url = "mqtt://10.0.0.1"\n',
        encoding="utf-8",
    )
    out = tmp_path / "bridge.conf"
    monkeypatch.delenv("PITBOARD_GROUP_PASSWORD", raising=False)
    assert main(["broker", "bridge", "--config", str(site), "-o", str(out)]) == 2
    assert "PITBOARD_GROUP_PASSWORD is not set" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.setenv("PITBOARD_GROUP_PASSWORD", "s3cret-of-the-site")
    assert main(["broker", "bridge", "--config", str(site), "-o", str(out)]) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    assert "remote_password s3cret-of-the-site\n" in text
    assert "address 10.0.0.1:1883\n" in text and "bridge_cafile" not in text


@pytest.mark.parametrize(
    "url", [None, "http://hub", "mqtts://user:pw@hub:8883", "mqtt://hub/path", "mqtt://"]
)
def test_a_hub_url_that_is_no_broker_is_refused(url: str | None) -> None:
    with pytest.raises(bridge.BridgeError):
        bridge.render_bridge(grouped(hub_url=url), "pw")


def test_head_office_passwords_are_kept_and_a_site_taken_out_loses_its_own(
    tmp_path: Path,
) -> None:
    two = tmp_path / "two.toml"
    two.write_text('[[sites]]\nid = "a"\nname = "A"\n\n[[sites]]\nid = "b"\nname = "B"\n')
    passwd = tmp_path / "mosquitto" / "passwd"
    assert main(["hub", "credentials", "--config", str(two), "-o", str(passwd)]) == 0
    first = (tmp_path / "mosquitto" / "credentials.env").read_text()
    assert [line.split("=")[0] for line in first.splitlines()] == ["hub", "site-a", "site-b"]
    assert [line.split(":")[0] for line in passwd.read_text().splitlines()] == [
        "hub",
        "site-a",
        "site-b",
    ]
    for name in ("passwd", "credentials.env", "hub.env"):
        assert stat.S_IMODE(os.stat(tmp_path / "mosquitto" / name).st_mode) == 0o600
    hub_env = (tmp_path / "mosquitto" / "hub.env").read_text()
    assert f"PITBOARD_MQTT_PASSWORD={first.splitlines()[0].split('=', 1)[1]}\n" in hub_env
    one = tmp_path / "one.toml"
    one.write_text('[[sites]]\nid = "a"\nname = "A"\n')
    assert main(["hub", "credentials", "--config", str(one), "-o", str(passwd)]) == 0
    second = (tmp_path / "mosquitto" / "credentials.env").read_text()
    assert second.splitlines() == first.splitlines()[:2]
    assert "site-b" not in passwd.read_text()


if __name__ == "__main__":
    BRIDGE_EXAMPLE.write_text(example_bridge(), encoding="utf-8")
    ACL_EXAMPLE.write_text(example_acl(), encoding="utf-8")
    print(f"wrote {BRIDGE_EXAMPLE} and {ACL_EXAMPLE}")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[hub]\ntimezone = "Asia/Shanghia"\n', "hub.timezone: Value error, unknown time zone"),
        ('[broker]\nurl = "mqtt//127.0.0.1:21883"\n', "broker.url"),
        ('[[sites]]\nid = "bj01"\nnam = "北京"\n', "sites.0.nam: unknown setting (typo?)"),
    ],
)
def test_a_typo_in_hub_toml_is_said_with_its_place(text: str, said: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_hub_config(text, "hub.toml")
    assert said in str(err.value)


def test_a_broker_pitboard_run_starts_bridges_to_head_office_when_the_site_feeds_a_group(
    mosquitto_bin: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from core.config import GroupConfig
    from pitboard.app import group_bridge, start_broker

    plain = demo_config()
    assert group_bridge(plain) == "", "no group, no bridge"
    fed = plain.model_copy(
        update={"group": GroupConfig(enabled=True, hub_url="mqtt://127.0.0.1:9")}
    )
    monkeypatch.delenv("PITBOARD_GROUP_PASSWORD", raising=False)
    assert group_bridge(fed) == ""
    assert "PITBOARD_GROUP_PASSWORD is not set" in caplog.text, "said why there is none"
    monkeypatch.setenv("PITBOARD_GROUP_PASSWORD", "s3cret-of-the-demo-site")
    bridge = group_bridge(fed)
    assert "connection pitboard-demo" in bridge and "address 127.0.0.1:9" in bridge
    broker = start_broker(fed, tmp_path / "broker")  # Mosquitto takes it (head office away)
    try:
        conf = (tmp_path / "broker" / "mosquitto.conf").read_text(encoding="utf-8")
        assert "topic pitboard/demo/group/feed out 1" in conf
    finally:
        broker.stop()
