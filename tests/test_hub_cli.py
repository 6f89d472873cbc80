"""``pitboard hub migrate|run`` as head office runs them, and the hub's process killed with
SIGKILL in the middle of a site's feed: the site resends what was not acknowledged, and
every fact ends in the hub once and in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from core.store.database import make_engine
from hub.store import HubStore
from tests.group_samples import jobs_feed
from tests.hub_env import HubBroker, Site, logged
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
PASSWORD_ENV = "HUB_TEST_MQTT_PASSWORD"


def hub_toml(tmp_path: Path, broker_url: str = "", database_url: str = "") -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(
        f"""
data_dir = "{tmp_path / "var"}"

[hub]
name = "华东集团"

[broker]
url = "{broker_url}"
username = "hub"
password_env = "{PASSWORD_ENV}"

[database]
url = "{database_url}"

[[sites]]
id = "s1"
name = "一号店"
""",
        encoding="utf-8",
    )
    return path


def pitboard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pitboard", *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_makes_the_hubs_tables_in_its_data_folder(tmp_path: Path) -> None:
    cfg = hub_toml(tmp_path)
    done = pitboard("hub", "migrate", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'hub.sqlite3'}")
    try:
        assert {"hub_facts", "hub_sites", "hub_alembic_version"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()
    no_broker = pitboard("hub", "run", "--no-web", "--config", str(cfg))
    assert no_broker.returncode == 2 and "[broker] url" in no_broker.stderr


@pytest.mark.mosquitto
def test_kill_9_of_the_hub_in_the_middle_of_a_feed_applies_every_fact_once(
    mosquitto_bin: str, tmp_path: Path, db_url: str
) -> None:
    broker = HubBroker(tmp_path / "broker", ["s1"]).start()
    cfg = hub_toml(tmp_path, broker.url, db_url)
    env = dict(os.environ, **{PASSWORD_ENV: broker.passwords["hub"]})
    log = tmp_path / "hub.log"

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "pitboard", "hub", "run", "--no-web", "--config", str(cfg)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(log, "ab"),
        )

    hub = start()
    engine = make_engine(db_url)
    site = Site(broker, "s1", engine)
    total, size, window = 400, 4, 10
    sent = 0  # go-back-N: the highest seq sent since the last resend
    progress = [0, time.monotonic()]  # the last ack seen, and since when

    def acked() -> int:
        with site._cv:
            return max((upto for upto, _ in site.acks), default=0)

    def pump() -> None:
        """The site's relay: up to ``window`` messages beyond the last ack on the wire,
        and everything from the last ack again when no ack has come for a while."""
        nonlocal sent
        upto = acked()
        if upto != progress[0]:
            progress[:] = [upto, time.monotonic()]
        elif time.monotonic() - progress[1] > 0.5:
            sent, progress[1] = upto, time.monotonic()
        while sent < min(total, upto + window * size):
            n = min(size, total - sent)
            site.send(jobs_feed("s1", sent + 1, n))
            sent += n

    def a_quarter_acked() -> bool:
        pump()
        return acked() >= total // 4

    try:
        wait_until(a_quarter_acked, "the hub's first acks", every=0.005)
        hub.send_signal(signal.SIGKILL)  # somewhere in the middle of the stream
        hub.wait(10)
        killed_at = acked()
        pump()  # the site goes on sending into the broker while the hub is away
        hub = start()
        wait_until(
            lambda: acked() == total,
            lambda: f"acked {acked()} of {total}; hub log: {log.read_text()[-1500:]}",
            timeout=60,
            every=0.005,
            between=pump,
        )
        assert killed_at < total
        assert logged(engine, "s1") == list(range(1, total + 1))
        # Every ack was true when it came: all it promised was committed by then.
        assert all(held[:upto] == list(range(1, upto + 1)) for upto, held in site.acks)
        (check,) = HubStore(engine).reconcile()
        assert check.whole and check.last_seq == total
        said = log.read_text(encoding="utf-8", errors="replace")
        assert " ERROR " not in said and "Traceback" not in said, said[-2000:]
    finally:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(10)
        except subprocess.TimeoutExpired:
            hub.kill()
        site.close()
        engine.dispose()
        broker.stop()
    assert hub.returncode == 0, log.read_text()[-2000:]


def test_run_serves_the_dashboard_with_the_hubs_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard (pitboard.web.serve_group) is given the hub's reader and config, and
    blocks; when it returns the hub stops."""
    import pitboard.app
    import pitboard.web
    from core.broker import free_port
    from hub.config import HubConfig
    from hub.reading import HubReader
    from pitboard.cli import build_parser

    served: list[tuple[object, HubConfig]] = []
    monkeypatch.setattr(
        pitboard.web, "serve_group", lambda reader, config: served.append((reader, config))
    )
    # The test's own process keeps its signal handlers.
    monkeypatch.setattr(pitboard.app, "stop_on_signals", lambda: threading.Event())
    monkeypatch.setenv(PASSWORD_ENV, "not-used")
    # No broker listens there: the hub keeps trying in the background, as it would.
    cfg = hub_toml(tmp_path, f"mqtt://127.0.0.1:{free_port()}")
    args = build_parser().parse_args(["hub", "run", "--config", str(cfg)])
    assert args.func(args) == 0
    ((reader, config),) = served
    assert isinstance(reader, HubReader) and [s.id for s in config.sites] == ["s1"]


@pytest.mark.mosquitto
def test_a_hub_refused_by_head_offices_broker_ends_non_zero_for_its_supervisor(
    mosquitto_bin: str, tmp_path: Path
) -> None:
    broker = HubBroker(tmp_path / "broker", ["s1"]).start()
    try:
        cfg = hub_toml(tmp_path, broker.url, f"sqlite:///{tmp_path / 'hub.sqlite3'}")
        env = dict(os.environ, **{PASSWORD_ENV: "not-the-hubs-password"})
        hub = subprocess.Popen(
            [sys.executable, "-m", "pitboard", "hub", "run", "--no-web", "--config", str(cfg)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _out, err = hub.communicate(timeout=30)
        finally:
            if hub.poll() is None:
                hub.kill()
                hub.wait()
        assert hub.returncode == 1, err[-2000:]
        assert "refused the hub" in err and "start it again" in err
    finally:
        broker.stop()
