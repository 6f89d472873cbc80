"""A site's broker bridged to head office's, both real Mosquitto: the site broker with the
bridge `pitboard broker bridge` writes, head office's from deploy/hub/mosquitto.conf with
the ACL and passwords `pitboard hub acl|credentials` write, over TLS with the certificate
`pitboard hub certs` issues. The feed goes out, the acks come in, nothing else crosses; a
site cannot speak for another; head office's broker restarted, the bridge comes back by
itself and what the site published meanwhile arrives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.broker import MosquittoBroker
from core.config import load_config
from pitboard.cli import main
from tests.helpers import DEMO_SITE
from tests.hub_broker import HubBroker
from tests.mqtt_client import Client
from tests.waiting import wait_until

pytestmark = pytest.mark.mosquitto

FEED = "pitboard/{}/group/feed"
ACK = "pitboard/{}/group/ack"
LINK = "pitboard/demo/group/link"
#: Sees everything at head office's broker (a test's eyes, not a user head office has).
WATCHER_ACL = "user watcher\ntopic read #\n"
UPTO_1 = b'{"v": 1, "site": "demo", "upto": 1}'

HUB_TOML = """\
[hub]
name = "Test group"

[[sites]]
id = "demo"
name = "The demo site"

[[sites]]
id = "other"
name = "Another site"
"""


@dataclass
class Group:
    site: MosquittoBroker
    hub: HubBroker
    bridge_conf: Path


def site_toml(tmp: Path, hub: HubBroker) -> Path:
    path = tmp / "site.toml"
    path.write_text(
        DEMO_SITE.read_text(encoding="utf-8")
        + f'\n[group]\nenabled = true\nhub_url = "mqtts://127.0.0.1:{hub.tls_port}"\n'
        f'hub_ca_file = "{hub.ca_file}"\n',
        encoding="utf-8",
    )
    return path


def start_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site_extra: str = "") -> Group:
    """Head office's broker set up and started, then the site's with its generated bridge
    (and ``site_extra`` after it, as the site's own conf would have)."""
    (tmp_path / "hub.toml").write_text(HUB_TOML, encoding="utf-8")
    hub = HubBroker(tmp_path / "hub.toml", tmp_path / "hub", WATCHER_ACL)
    hub.set_up({"watcher": "watcher-secret"}).start()
    site_file = site_toml(tmp_path, hub)
    monkeypatch.setenv("PITBOARD_GROUP_PASSWORD", hub.passwords["site-demo"])
    bridge = tmp_path / "pitboard-group.conf"
    assert main(["broker", "bridge", "--config", str(site_file), "-o", str(bridge)]) == 0
    conf = bridge.read_text(encoding="utf-8") + site_extra
    site = MosquittoBroker(load_config(site_file), tmp_path / "site", extra_conf=conf)
    try:
        site.start()
    except BaseException:
        hub.stop()
        raise
    return Group(site, hub, bridge)


@pytest.fixture
def group(mosquitto_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Group]:
    g = start_group(tmp_path, monkeypatch)
    yield g
    g.site.stop()
    g.hub.stop()


def link_is(board: Client, state: int) -> bool:
    """The bridge's own notification: the last state the site broker published."""
    with board._cv:
        states = [m for t, m in board.messages if t == LINK]
    return bool(states) and states[-1] == state


def fact(n: int, site: str = "demo") -> bytes:
    return json.dumps({"v": 1, "site": site, "n": n}).encode()


def bodies(client: Client, topic: str) -> list[Any]:
    with client._cv:
        return [m for t, m in client.messages if t == topic]


def test_the_feed_goes_out_the_acks_come_in_and_nothing_else_crosses(group: Group) -> None:
    site, hub = group.site, group.hub
    board = Client(site, "board", subscribe=LINK)
    hub_reader = Client(hub, "hub", subscribe="pitboard/+/group/feed")
    watcher = Client(hub, "watcher", subscribe="#")
    relay = Client(site, "core", subscribe=ACK.format("demo"))
    try:
        wait_until(lambda: link_is(board, 1), lambda: "bridge connected: " + hub.log()[-800:])
        # The site's other topics, published before the feed on the same connection: were
        # they carried, they would reach head office before it.
        assert not relay.publish("pitboard/demo/view/lounge", b"{}", retain=True).is_failure
        assert not relay.publish("pitboard/demo/dev/kiosk-b03/cmd", b"{}").is_failure
        assert not relay.publish(FEED.format("demo"), fact(1)).is_failure
        wait_until(lambda: bodies(hub_reader, FEED.format("demo")) == [json.loads(fact(1))])
        wait_until(lambda: bodies(watcher, FEED.format("demo")))
        assert {t for t, _ in watcher.messages} == {FEED.format("demo")}, "only the feed crossed"

        # The hub's ack reaches the relay at the site.
        assert not hub_reader.publish(ACK.format("demo"), UPTO_1).is_failure
        wait_until(lambda: bodies(relay, ACK.format("demo")) == [json.loads(UPTO_1)])
        # The link's state stays at the site.
        assert not any(t.endswith("/group/link") for t, _ in watcher.messages)
    finally:
        for c in (board, hub_reader, watcher, relay):
            c.close()


def test_a_site_cannot_speak_for_another_nor_read_its_acks(group: Group) -> None:
    hub = group.hub
    hub_reader = Client(hub, "hub", subscribe="pitboard/+/group/feed")
    # site-other reads the demo site's acks (refused) and its own, in one subscription.
    other = Client(hub, "site-other", subscribe=[(ACK.format("demo"), 1), (ACK.format("other"), 1)])
    try:
        # site-other signs in at head office and writes the demo site's feed: refused.
        denied = other.publish(FEED.format("demo"), fact(666, "demo"))
        assert denied.is_failure and "authori" in str(denied).lower()
        # Its own feed, sent after on the same connection: it arrives, and only it.
        assert not other.publish(FEED.format("other"), fact(1, "other")).is_failure
        wait_until(lambda: bodies(hub_reader, FEED.format("other")))
        assert bodies(hub_reader, FEED.format("demo")) == []
        # The hub answers the demo site, then the other site: site-other reads its own ack,
        # never the demo site's, which was sent first.
        hub_reader.publish(ACK.format("demo"), b'{"v": 1, "site": "demo", "upto": 9}')
        hub_reader.publish(ACK.format("other"), b'{"v": 1, "site": "other", "upto": 1}')
        wait_until(lambda: bodies(other, ACK.format("other")))
        assert bodies(other, ACK.format("demo")) == []
        # Nor may a site write acks, its own or another's.
        assert other.publish(ACK.format("other"), b"{}").is_failure
        assert other.publish(ACK.format("demo"), b"{}").is_failure
    finally:
        other.close()
        hub_reader.close()


@pytest.mark.slow
def test_head_office_restarted_the_bridge_comes_back_and_delivers_what_waited(
    group: Group,
) -> None:
    site, hub = group.site, group.hub
    board = Client(site, "board", subscribe=LINK)
    # The hub's own session is kept by its broker across the restart (as the hub keeps it).
    hub_reader = Client(
        hub, "hub", subscribe="pitboard/+/group/feed", client_id="hub-test", keep_session=True
    )
    relay = Client(site, "core", subscribe=ACK.format("demo"))
    try:
        wait_until(lambda: link_is(board, 1), "bridge connected")
        assert not relay.publish(FEED.format("demo"), fact(1)).is_failure
        wait_until(lambda: len(bodies(hub_reader, FEED.format("demo"))) == 1)

        hub.stop()
        wait_until(lambda: link_is(board, 0), "the bridge saw head office go")
        # Published at the site while head office is away: the site broker queues them for
        # the bridge (QoS 1, a session that is not clean).
        for n in range(2, 22):
            assert not relay.publish(FEED.format("demo"), fact(n)).is_failure
        hub.start()

        wait_until(lambda: link_is(board, 1), "the bridge reconnected by itself", timeout=180)
        # The hub's session came back from head office's broker's saved state.
        wait_until(lambda: len(hub_reader.sessions_present) == 2, "the hub reconnected")
        assert hub_reader.sessions_present == [False, True]

        # All, in order. QoS 1 is at least once: a message whose PUBACK head office's broker
        # had not saved when it stopped comes again (the hub skips it by its seq).
        def arrived() -> list[int]:
            return list(dict.fromkeys(m["n"] for m in bodies(hub_reader, FEED.format("demo"))))

        wait_until(
            lambda: arrived() == list(range(1, 22)),
            lambda: f"all, in order: {[m['n'] for m in bodies(hub_reader, FEED.format('demo'))]}",
            timeout=60,
        )
        # And the way back: an ack sent after the restart reaches the relay.
        hub_reader.publish(ACK.format("demo"), b'{"v": 1, "site": "demo", "upto": 21}')
        wait_until(lambda: bodies(relay, ACK.format("demo")))
    finally:
        for c in (board, hub_reader, relay):
            c.close()


def _through_an_outage(group: Group, sent: int, while_away: Any = None) -> list[int]:
    """Head office's broker stopped, ``sent`` feed messages published at the site, (something
    done), head office started again: the numbers the hub receives once the bridge is back
    and the last of what it carries has come."""
    site, hub = group.site, group.hub
    board = Client(site, "board", subscribe=LINK)
    hub_reader = Client(hub, "hub", subscribe="pitboard/+/group/feed", client_id="hub-test")
    relay = Client(site, "core")
    try:
        wait_until(lambda: link_is(board, 1), "bridge connected")
        hub_reader.close()
        hub.stop()
        wait_until(lambda: link_is(board, 0), "the bridge saw head office go")
        for n in range(1, sent + 1):
            assert not relay.publish(FEED.format("demo"), fact(n)).is_failure
        if while_away is not None:
            while_away()
            board.close()
            board = Client(site, "board", subscribe=LINK)
        hub.start()
        hub_reader = Client(
            hub, "hub", subscribe="pitboard/+/group/feed", client_id="hub-test", keep_session=True
        )
        wait_until(lambda: link_is(board, 1), "the bridge reconnected by itself", timeout=180)
        # A marker sent after the bridge is back comes behind whatever it still carried.
        assert not relay.publish(FEED.format("demo"), fact(0)).is_failure
        wait_until(lambda: any(m["n"] == 0 for m in bodies(hub_reader, FEED.format("demo"))))
        return [m["n"] for m in bodies(hub_reader, FEED.format("demo"))][:-1]
    finally:
        for c in (board, hub_reader, relay):
            c.close()


@pytest.mark.slow
def test_a_restart_of_the_site_broker_keeps_what_waits_for_head_office(
    mosquitto_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site broker's `persistence true` (Debian's mosquitto.conf has it; the shipped
    broker_config/ for `pitboard run` and the tests does not): the queue for the bridge is
    saved at a clean stop and read back at the start."""
    data = tmp_path / "site-data"
    data.mkdir()
    extra = f"persistence true\npersistence_location {data}/\n"
    group = start_group(tmp_path, monkeypatch, extra)
    try:

        def restart_site() -> None:
            group.site.stop()
            group.site.start()

        assert _through_an_outage(group, 10, restart_site) == list(range(1, 11))
    finally:
        group.site.stop()
        group.hub.stop()


@pytest.mark.slow
def test_past_the_site_brokers_queue_limit_the_newest_are_dropped(
    mosquitto_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a long outage does to the bridge: past max_queued_messages the site broker keeps
    the oldest and drops the rest. This is why the relay keeps every fact in its outbox until
    the hub's ack and sends again what was not acknowledged: nothing rests on the queue."""
    extra = "max_inflight_messages 2\nmax_queued_messages 5\n"
    group = start_group(tmp_path, monkeypatch, extra)
    try:
        arrived = _through_an_outage(group, 30)
        assert arrived == list(range(1, len(arrived) + 1)), "the oldest kept, in order"
        assert 0 < len(arrived) < 30, arrived
    finally:
        group.site.stop()
        group.hub.stop()


@pytest.mark.slow
def test_acks_sent_while_the_site_was_away_wait_for_it_at_head_office(
    mosquitto_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cleansession false` and a fixed client id: head office's broker keeps the bridge's
    subscription and the acks sent to it while the site's broker was down."""
    data = tmp_path / "site-data"
    data.mkdir()
    group = start_group(tmp_path, monkeypatch, f"persistence true\npersistence_location {data}/\n")
    site, hub = group.site, group.hub
    board = Client(site, "board", subscribe=LINK)
    relay = Client(site, "core", subscribe=ACK.format("demo"), client_id="relay", keep_session=True)
    hub_reader = Client(hub, "hub")
    try:
        wait_until(lambda: link_is(board, 1), "bridge connected")
        board.close()
        site.stop()
        # Head office's broker saw the bridge go (it says so: connection_messages).
        wait_until(lambda: "Client site-demo closed its connection" in hub.log())
        assert not hub_reader.publish(ACK.format("demo"), UPTO_1).is_failure
        site.start()
        wait_until(
            lambda: bodies(relay, ACK.format("demo")) == [json.loads(UPTO_1)],
            "the ack sent while the site was away",
            timeout=180,
        )
    finally:
        for c in (relay, hub_reader):
            c.close()
        site.stop()
        hub.stop()
