"""The links that leave the building — the pickup card's QR code — lead to an address a
customer's phone can open: `[web] public_url` when the site sets it, else the address the
pages are really served on (this machine's address on the site's network when they listen
on every address, with the port and scheme they are served with). A public_url that no phone
could open is refused when the site file is read."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from core import config as config_module
from core.config import ConfigError, SiteConfig, lan_address, parse_config
from core.contract.printing import PickupCard
from core.domain.model import Customer, Job, Operation, Vehicle
from core.prints import at_check_in
from devices.preview import render_png
from devices.tickets import render
from pitboard.web import tell_public_url
from tests.helpers import DEMO_SITE

LAN = "192.168.1.20"
PROMISED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _on_the_site_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's address on the site's network, whatever the test machine's is."""
    monkeypatch.setattr(config_module, "lan_address", lambda: LAN)


def site(web: str) -> SiteConfig:
    """The demo site with ``web`` as its [web] section."""
    text = DEMO_SITE.read_text(encoding="utf-8")
    shipped = '[web]\nhost = "127.0.0.1"\nport = 8080\n'
    assert shipped in text
    return parse_config(text.replace(shipped, f"[web]\n{web}\n"), "site.toml")


def checked_in() -> Job:
    return Job(
        ro="RO-20261124-0007",
        vehicle=Vehicle(plate="京A12345", model="别克 GL8", colour="白"),
        customer=Customer(name="王先生", phone="13800138000"),
        operations=[Operation("M010", "小保养", 1.0, "Minor service")],
        promised_at=PROMISED,
        checked_in_at=PROMISED,
        advisor="SA01",
        public_token="k3J9xQ",
    )


def scanned_card(config: SiteConfig, tmp_path: Path) -> str:
    """The pickup card check-in prints, drawn as the printer prints it and read by a phone's
    kind of scanner (zxing-cpp, not our own decoder)."""
    import zxingcpp
    from PIL import Image

    cards = [p.doc for p in at_check_in(config, checked_in(), PROMISED)]
    [card] = [d for d in cards if isinstance(d, PickupCard)]
    target = tmp_path / "card.png"
    render_png(render(card, 58, config.zone), target)
    with Image.open(target) as img:
        [qr] = zxingcpp.read_barcodes(img)
    return str(qr.text)


@pytest.mark.parametrize(
    ("web", "scanned"),
    [
        # Served on every address: this machine's address on the site's network, the port
        # really served.
        ('host = "0.0.0.0"\nport = 8181', f"http://{LAN}:8181/status/k3J9xQ"),
        # Served on one address: that one.
        ('host = "10.20.0.5"\nport = 80', "http://10.20.0.5/status/k3J9xQ"),
        # Over HTTPS.
        (
            'host = "0.0.0.0"\nport = 8443\ntls_cert = "w.crt"\ntls_key = "w.key"',
            f"https://{LAN}:8443/status/k3J9xQ",
        ),
        # The site's own address for phones, as set.
        (
            'host = "0.0.0.0"\nport = 8181\npublic_url = "https://service.example.cn/"',
            "https://service.example.cn/status/k3J9xQ",
        ),
        (
            'public_url = "http://192.168.7.3:9000/pitboard"',
            "http://192.168.7.3:9000/pitboard/status/k3J9xQ",
        ),
    ],
)
def test_the_pickup_cards_qr_code_leads_where_phones_reach_the_pages(
    web: str, scanned: str, tmp_path: Path
) -> None:
    assert scanned_card(site(web), tmp_path) == scanned


def test_a_port_given_on_the_command_line_is_the_one_the_card_names(tmp_path: Path) -> None:
    config = site('host = "0.0.0.0"\nport = 8080').on_port(9090)
    assert config.web.port == 9090
    assert scanned_card(config, tmp_path) == f"http://{LAN}:9090/status/k3J9xQ"
    assert config.on_port(None) is config and config.on_port(9090) is config
    # A public_url set in the site file stays as it is.
    fixed = site('public_url = "http://192.168.7.3:9000"').on_port(9090)
    assert fixed.web.link_base() == "http://192.168.7.3:9000"


@pytest.mark.parametrize(
    ("public_url", "why"),
    [
        ("192.168.1.20:8080", "must start with http:// or https://"),
        ("service.example.cn", "must start with http:// or https://"),
        ("http//192.168.1.20", "must start with http:// or https://"),
        ("ftp://192.168.1.20", "must start with http:// or https://"),
        ("http:/192.168.1.20", "must start with http:// or https://"),
        ("http://", "names no host"),
        ("http://192.168.1.20:80a", "no usable port"),
        ("http://192.168.1.20:99999", "no usable port"),
        ("http://192.168.1 .20", "names no host"),
        ("http://192.168.1.20/?x=1", "only scheme, host, port and a path"),
        ("http://admin:secret@192.168.1.20", "only scheme, host, port and a path"),
    ],
)
def test_a_public_url_no_phone_could_open_is_refused_at_start(public_url: str, why: str) -> None:
    with pytest.raises(ConfigError) as refused:
        site(f'public_url = "{public_url}"')
    message = str(refused.value)
    assert "web.public_url" in message and why in message, message
    assert "e.g. http://192.168.1.20:8080" in message


def test_lan_address_is_the_first_that_is_neither_loopback_nor_link_local(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ifaddr

    def adapter(*ips: object) -> SimpleNamespace:
        return SimpleNamespace(ips=[SimpleNamespace(ip=ip) for ip in ips])

    adapters = [
        adapter("127.0.0.1", ("::1", 0, 0)),
        adapter("169.254.10.3", ("fe80::1", 0, 4)),
        adapter(("fd00::2", 0, 0), "192.168.1.20"),
        adapter("10.8.0.1"),
    ]
    found = lan_address.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: adapters)
    assert found() == "192.168.1.20"
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: adapters[:2])
    assert found() is None
    # Then the pages are reached on this machine only, and the card says so.
    monkeypatch.setattr(config_module, "lan_address", found)
    assert site('host = "0.0.0.0"\nport = 8181').web.link_base() == "http://127.0.0.1:8181"


def test_the_start_says_where_the_cards_lead_and_warns_when_no_phone_can_open_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pitboard.web")
    shipped = site('host = "127.0.0.1"\nport = 8080')
    dealer = shipped.model_copy(update={"site": shipped.site.model_copy(update={"id": "sh01"})})
    tell_public_url(dealer)
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "http://127.0.0.1:8080" in warning.getMessage()
    assert "[web] public_url" in warning.getMessage()
    caplog.clear()
    # The demo runs on one machine: said, not warned.
    tell_public_url(shipped)
    tell_public_url(site('host = "0.0.0.0"\nport = 8080'))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(f"http://{LAN}:8080" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("web", "printed"),
    [
        ('host = "0.0.0.0"\nport = 8080', f"http://{LAN}:8080"),
        ('host = "127.0.0.1"\nport = 8080', "http://127.0.0.1:8080"),
        (
            'host = "0.0.0.0"\nport = 8443\ntls_cert = "c.pem"\ntls_key = "k.pem"',
            f"https://{LAN}:8443",
        ),
    ],
)
def test_pitboard_run_prints_the_pages_at_an_address_a_browser_opens(
    web: str, printed: str
) -> None:
    """Listening on every address, `pitboard run` names this machine's address on the site's
    network, never 0.0.0.0 (which no browser elsewhere opens)."""
    from core.mqtt import BrokerAddress
    from pitboard.app import Plan
    from pitboard.welcome import welcome

    cfg = site(web)
    shop = cfg.model_copy(update={"site": cfg.site.model_copy(update={"id": "shop"})})
    run = SimpleNamespace(
        config=shop,
        address=BrokerAddress("127.0.0.1", 1883),
        broker=None,
        passwords={},
        plan=Plan(everything=True),
        base=Path("var"),
        kiosks={},
    )
    text = welcome(run, shop.web.host, shop.web.port)  # type: ignore[arg-type]
    assert f"  lounge screen   {printed}/lounge\n" in text
    assert "0.0.0.0" not in text
