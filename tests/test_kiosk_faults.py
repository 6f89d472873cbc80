"""A kiosk's taps survive broker restarts and its own SIGKILL: real Mosquitto, real
kiosk code in its own process, every event applied once, in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.app import CoreService
from core.broker import MosquittoBroker
from core.commands import CheckInCar, Dispatch
from core.mqtt import BrokerAddress
from tests.helpers import child_env, demo_config, order
from tests.waiting import wait_until

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
TOTAL = 500


def _driver(
    broker: MosquittoBroker, state: Path, job: str, total: int = TOTAL
) -> subprocess.Popen[str]:
    env = dict(os.environ, PITBOARD_DEVICE_PASSWORD=broker.passwords["kiosk-b03"])
    return subprocess.Popen(
        [sys.executable, "-m", "tests.kiosk_driver", str(broker.port), str(state), job, str(total)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(state.parent / "kiosk.log", "a"),
        text=True,
    )


def _kiosk_online(service: CoreService) -> bool | None:
    view = service.core.dispatch_view
    rows = [d.online for d in view.devices if d.device == "kiosk-b03"] if view else []
    return rows[0] if rows else None


def _wait_taps(proc: subprocess.Popen[str], n: int) -> None:
    """Read the driver's tap counter until it has tapped ``n`` times."""
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if int(line) >= n:
            return
        assert time.monotonic() < deadline, f"the kiosk did not reach tap {n}"
    raise AssertionError(f"the kiosk exited before tap {n}")


def test_500_taps_through_two_broker_restarts_and_a_killed_kiosk(
    mosquitto_bin: str, tmp_path: Path
) -> None:
    cfg = demo_config()
    broker = MosquittoBroker(cfg, tmp_path / "broker").start()
    service = CoreService(
        cfg,
        BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"]),
        f"sqlite:///{tmp_path / 'core.db'}",
    ).start()
    kiosk = None
    try:
        assert service.link.connected.wait(10)
        job = service.core.run_command(CheckInCar(order()), "advisor:SA01")
        service.core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
        state = tmp_path / "kiosk"

        kiosk = _driver(broker, state, job.ro)
        _wait_taps(kiosk, 80)
        broker.stop()  # first outage: the kiosk keeps tapping into its outbox
        _wait_taps(kiosk, 160)
        broker.start()
        # Back, and heard from since.
        wait_until(lambda: _kiosk_online(service) is True, "the kiosk back", timeout=30, every=0.05)
        _wait_taps(kiosk, 240)
        kiosk.send_signal(signal.SIGKILL)  # power cut at the bay
        kiosk.wait()
        # Its Last Will tells the dispatch board the kiosk is gone.
        wait_until(
            lambda: _kiosk_online(service) is False,
            "the dispatch view seeing the kiosk go",
            timeout=20,
            every=0.05,
        )
        kiosk = _driver(broker, state, job.ro)
        _wait_taps(kiosk, 330)
        broker.stop()  # second outage
        _wait_taps(kiosk, 420)
        broker.start()
        assert kiosk.stdout is not None
        kiosk.stdout.read()
        rc = kiosk.wait(150)
        log = (tmp_path / "kiosk.log").read_text()
        assert rc == 0, "the kiosk did not get every tap answered:\n" + log[-3000:]

        inbox = service.store.inbox_results("kiosk-b03")
        assert [seq for seq, _, _ in inbox] == list(range(1, TOTAL + 1))
        assert all(result == "applied" for _, result, _ in inbox), {
            (r, c) for _, r, c in inbox if r != "applied"
        }
        applied = service.store.audit_events("kiosk-b03")
        assert [seq for seq, _ in applied] == list(range(1, TOTAL + 1)), "once each, in order"
        titles = [f.title for f in service.core.ws.job(job.ro).findings]
        assert titles == [f"finding {n:04d}" for n in range(2, TOTAL + 1)]
    finally:
        if kiosk is not None and kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
        service.stop()
        broker.stop()


def test_pitboard_kiosk_serves_its_bay_and_comes_online(mosquitto_bin: str, tmp_path: Path) -> None:
    import urllib.request

    from core.broker import free_port
    from tests.helpers import DEMO_SITE

    cfg = demo_config()
    broker = MosquittoBroker(cfg, tmp_path / "broker").start()
    service = CoreService(
        cfg,
        BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"]),
        f"sqlite:///{tmp_path / 'core.db'}",
    ).start()
    env = child_env(PITBOARD_DEVICE_PASSWORD=broker.passwords["kiosk-b03"])
    base = [sys.executable, "-m", "pitboard", "kiosk", "--config", str(DEMO_SITE)]
    url = ["--broker-url", f"mqtt://127.0.0.1:{broker.port}", "--state-dir", str(tmp_path / "k")]
    wrong = subprocess.run([*base, "--bay", "Z99", *url], cwd=ROOT, env=env, capture_output=True)
    assert wrong.returncode == 2 and b"no kiosk is configured at bay 'Z99'" in wrong.stderr
    port = free_port()
    kiosk = subprocess.Popen(
        [*base, "--bay", "B03", "--port", str(port), *url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: _kiosk_online(service) is True, "the kiosk online", timeout=30, every=0.1
        )

        def served() -> bytes | None:
            try:
                return bytes(urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read())
            except OSError:
                return None

        page = wait_until(served, "the kiosk page", timeout=30, every=0.2)
        assert b"Pitboard B03" in page
    finally:
        kiosk.send_signal(signal.SIGTERM)
        kiosk.wait(20)
        service.stop()
        broker.stop()


def test_a_kiosk_sends_at_most_a_window_of_unanswered_events(
    mosquitto_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import devices.link
    from core.contract.messages import Ack, dump, event_digest
    from kiosk.app import connect
    from tests.mqtt_client import Client as Sniffer

    monkeypatch.setattr(devices.link, "WINDOW", 5)
    cfg = demo_config()
    broker = MosquittoBroker(cfg, tmp_path / "broker").start()
    sniffer = Sniffer(broker, "core", subscribe="pitboard/demo/dev/kiosk-b03/event")
    station, link = connect(
        cfg, "B03", BrokerAddress("127.0.0.1", broker.port), broker.passwords["kiosk-b03"], tmp_path
    )
    try:
        wait_until(lambda: link.online, "the kiosk online", timeout=10, every=0.05)
        for _ in range(20):
            station.sign_in("T002")  # nobody answers: no core is running
        time.sleep(1.0)
        # A new outbox sends one event until the core has answered one of its own.
        assert [m["seq"] for _, m in sniffer.messages] == [1]
        first = link.outbox.pending()[0].payload
        ack = Ack(seq=1, result="applied", event=event_digest(first))
        sniffer.c.publish("pitboard/demo/dev/kiosk-b03/ack", dump(ack), qos=1)
        wait_until(lambda: len(sniffer.messages) >= 6, "the window after the first answer")
        time.sleep(1.0)
        assert [m["seq"] for _, m in sniffer.messages] == [1, 2, 3, 4, 5, 6]
        assert link.outbox.count() == 19
    finally:
        link.stop()
        sniffer.close()
        broker.stop()


def test_a_kiosk_whose_outbox_is_lost_carries_on_without_losing_a_tap(
    mosquitto_bin: str, tmp_path: Path
) -> None:
    """A reinstalled tablet numbers from 1 again: the core tells it where its sequence
    stands and every new tap is applied, once, in order."""
    cfg = demo_config()
    broker = MosquittoBroker(cfg, tmp_path / "broker").start()
    service = CoreService(
        cfg,
        BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"]),
        f"sqlite:///{tmp_path / 'core.db'}",
    ).start()
    state = tmp_path / "kiosk"
    try:
        assert service.link.connected.wait(10)
        job = service.core.run_command(CheckInCar(order()), "advisor:SA01")
        service.core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
        for run in (1, 2):
            kiosk = _driver(broker, state, job.ro, total=30)
            assert kiosk.stdout is not None
            kiosk.stdout.read()
            log = (tmp_path / "kiosk.log").read_text()
            assert kiosk.wait(120) == 0, f"run {run}: taps unanswered\n" + log[-3000:]
            for lost in state.glob("kiosk-b03.outbox.sqlite*"):  # a new SD card
                lost.unlink()
        inbox = service.store.inbox_results("kiosk-b03")
        assert [seq for seq, _, _ in inbox] == list(range(1, 61))
        applied = [seq for seq, _ in service.store.audit_events("kiosk-b03")]
        assert applied == sorted(set(applied)), "once each, in order"
        titles = [f.title for f in service.core.ws.job(job.ro).findings]
        assert titles == [f"finding {n:04d}" for n in range(2, 31)] * 2, "no tap lost"
    finally:
        service.stop()
        broker.stop()


def test_a_kiosk_hears_through_the_shipped_acl_when_the_core_goes_and_comes_back(
    mosquitto_bin: str, tmp_path: Path
) -> None:
    from kiosk.app import connect

    cfg = demo_config()
    broker = MosquittoBroker(cfg, tmp_path / "broker").start()
    address = BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"])
    db = f"sqlite:///{tmp_path / 'core.db'}"
    service = CoreService(cfg, address, db).start()
    _, link = connect(
        cfg, "B03", BrokerAddress("127.0.0.1", broker.port), broker.passwords["kiosk-b03"], tmp_path
    )
    try:
        wait_until(lambda: link.core_online is True, "the kiosk reads the core's status")
        service.stop()
        wait_until(lambda: link.core_online is False, "the kiosk hears the core go")
        service = CoreService(cfg, address, db).start()
        wait_until(lambda: link.core_online is True, "the kiosk hears the core come back")
    finally:
        link.stop()
        service.stop()
        broker.stop()
