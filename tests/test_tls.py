"""For a network shared with guests: the broker over TLS with the site's own CA, devices
that refuse a broker whose certificate the CA did not sign, and the pages over HTTPS.
Real Mosquitto, real certificates, real handshakes on 127.0.0.1."""

from __future__ import annotations

import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from core.broker import MosquittoBroker, free_port
from core.certificates import issue
from core.mqtt import BrokerAddress, MqttClient
from pitboard.cli import _device_address
from tests.helpers import DEMO_SITE, child_env, demo_config
from tests.waiting import wait_until

pytestmark = [pytest.mark.mosquitto]
ROOT = Path(__file__).resolve().parents[1]
HOSTS = ["127.0.0.1", "localhost"]


@pytest.fixture
def tls_broker(mosquitto_bin: str, tmp_path: Path) -> MosquittoBroker:
    issued = issue(tmp_path / "tls", "demo", "broker", HOSTS)
    broker = MosquittoBroker(demo_config(), tmp_path / "broker", tls=issued).start()
    yield broker
    broker.stop()


def client(broker: MosquittoBroker, url: str, ca: Path | None) -> MqttClient:
    address = BrokerAddress.from_url(
        url, "core", broker.passwords["core"], ca_file=str(ca) if ca else None
    )
    return MqttClient(
        address,
        "tls-probe",
        "pitboard/demo/dev/tls-probe/status",
        lambda online: b"",
        lambda topic, payload, token: None,
        [],
    )


def test_the_broker_is_reached_over_tls_with_the_sites_ca(
    tls_broker: MosquittoBroker, tmp_path: Path
) -> None:
    c = client(tls_broker, f"mqtts://127.0.0.1:{tls_broker.tls_port}", tmp_path / "tls/ca.crt")
    c.start()
    try:
        assert c.connected.wait(10), c.state
    finally:
        c.stop()


def test_a_broker_the_sites_ca_did_not_sign_is_refused(
    tls_broker: MosquittoBroker, tmp_path: Path
) -> None:
    """A device given another CA (an impostor broker on the guest network, seen the other
    way round) never connects, whatever its password."""
    other = issue(tmp_path / "other", "elsewhere", "broker", HOSTS)
    c = client(tls_broker, f"mqtts://127.0.0.1:{tls_broker.tls_port}", other.ca_cert)
    c.start()
    try:
        wait_until(lambda: "reconnecting" in c.state, "the handshake refused and retried")
        assert not c.connected.is_set()
    finally:
        c.stop()
    with pytest.raises(ssl.SSLCertVerificationError):
        context = ssl.create_default_context(cafile=str(other.ca_cert))
        with context.wrap_socket(
            __import__("socket").create_connection(("127.0.0.1", tls_broker.tls_port)),
            server_hostname="127.0.0.1",
        ):
            pass


def test_a_certificate_for_another_host_is_refused(mosquitto_bin: str, tmp_path: Path) -> None:
    issued = issue(tmp_path / "tls", "demo", "broker", ["broker.example"])
    broker = MosquittoBroker(demo_config(), tmp_path / "broker", tls=issued).start()
    c = client(broker, f"mqtts://127.0.0.1:{broker.tls_port}", issued.ca_cert)
    c.start()
    try:
        wait_until(lambda: "reconnecting" in c.state, "the name check refused and retried")
        assert not c.connected.is_set()
    finally:
        c.stop()
        broker.stop()


def test_a_kiosk_from_the_site_file_connects_over_tls(
    tls_broker: MosquittoBroker, tmp_path: Path
) -> None:
    from kiosk.app import connect

    base = demo_config()
    broker = base.broker.model_copy(
        update={
            "url": f"mqtts://127.0.0.1:{tls_broker.tls_port}",
            "ca_file": str(tmp_path / "tls/ca.crt"),
        }
    )
    cfg = base.model_copy(update={"broker": broker})
    address = _device_address(cfg, None)
    assert address is not None and address.tls
    _, link = connect(cfg, "B03", address, tls_broker.passwords["kiosk-b03"], tmp_path / "k")
    try:
        wait_until(lambda: link.online, "the kiosk online over TLS")
    finally:
        link.stop()


def test_the_pages_are_served_over_https(tls_broker: MosquittoBroker, tmp_path: Path) -> None:
    web = issue(tmp_path / "tls", "demo", "web", HOSTS)
    site = tmp_path / "site.toml"
    text = DEMO_SITE.read_text(encoding="utf-8")
    site.write_text(
        text.replace(
            '[web]\nhost = "127.0.0.1"\n',
            f'[web]\nhost = "127.0.0.1"\ntls_cert = "{web.cert}"\ntls_key = "{web.key}"\n',
        ),
        encoding="utf-8",
    )
    port = free_port()
    env = child_env(PITBOARD_MQTT_PASSWORD=tls_broker.passwords["core"])
    core = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pitboard",
            "core",
            "--config",
            str(site),
            "--broker-url",
            f"mqtt://127.0.0.1:{tls_broker.port}",
            "--database-url",
            f"sqlite:///{tmp_path / 'core.db'}",
            "--web-port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "core.log", "wb"),  # noqa: SIM115 - closed with the process
    )
    trusted = ssl.create_default_context(cafile=str(web.ca_cert))
    url = f"https://127.0.0.1:{port}/healthz"

    def health() -> bool:
        try:
            with urllib.request.urlopen(url, context=trusted, timeout=5) as r:
                return r.status == 200
        except (OSError, ValueError):
            return False

    try:
        wait_until(health, "the pages over HTTPS", timeout=60)
        login = f"https://127.0.0.1:{port}/login"
        with urllib.request.urlopen(login, context=trusted, timeout=10) as page:
            cookies = page.headers.get_all("set-cookie") or []
        assert cookies and all("secure" in c.lower() for c in cookies), cookies
        stranger = ssl.create_default_context()  # the system's CAs: not the site's
        with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(url, context=stranger, timeout=5)
        with pytest.raises(OSError):  # no plain HTTP on the HTTPS port
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
    finally:
        core.terminate()
        core.wait(20)


def test_the_printed_mosquitto_lines_reach_a_tls_broker(
    tls_broker: MosquittoBroker, tmp_path: Path
) -> None:
    """What `pitboard run` prints for sending a tap by hand, for a site whose broker is
    mqtts://: the real `mosquitto_pub` connects with it (the certificate checked)."""
    from pitboard.app import Pitboard, Plan
    from pitboard.welcome import mqtt_options

    base = demo_config(data_dir=str(tmp_path))
    broker = base.broker.model_copy(
        update={
            "url": f"mqtts://127.0.0.1:{tls_broker.tls_port}",
            "ca_file": str(tmp_path / "tls/ca.crt"),
        }
    )
    site = Pitboard(base.model_copy(update={"broker": broker}), Plan())
    site.init_broker()
    options = mqtt_options(site, "console-b03")
    env = {**child_env(), "PITBOARD_DEVICE_PASSWORD": tls_broker.passwords["console-b03"]}
    sent = subprocess.run(
        ["bash", "-c", f"mosquitto_pub {options} -q 1 -t pitboard/demo/dev/console-b03/event -m x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert sent.returncode == 0, (options, sent.stderr)
