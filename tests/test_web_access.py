"""Who may open what on the web: every route the core's web serves — taken from the app's own
route table, not from a list kept by hand — is either on the public list below or refuses a
stranger; the public pages carry nobody's personal data; a print preview needs a signed-in
person or an API token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nicegui import app
from nicegui.testing import User

from core.pairings import Pairings
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from pitboard.app import wire_web
from tests.board_env import RETRIES, sign_in, texts
from tests.helpers import demo_config
from tests.kiosk_env import Workshop, demo_workshop
from tests.web_routes import filled, routes

# What a stranger may open, as reviewed: the pages for customers (nobody's personal data),
# the sign-in, the supervisor's health check and the scripts and styles pages are made of.
PUBLIC = {
    "/login": "the sign-in form",
    "/logout": "signing out",
    "/lounge": "the lounge TV: masked plates, no names",
    "/welcome": "the welcome board at reception: today's booked cars, masked, no customers",
    "/status/{token}": "the customer's own page, by the unguessable token on the pickup card",
    "/healthz": "the supervisor's health check",
    "/favicon.ico": "the icon",
    "/board-static/{path:path}": "the boards' scripts",
    "/_nicegui_ws": "the pages' websocket, which serves only pages already opened",
    # The bay kiosks served by `pitboard run`, guarded by their own pairing (an unpaired
    # screen sees the pairing screen), and the pairing by the foreman's code.
    "/kiosk/{bay}": "a bay's kiosk screen",
    "/pair": "the pairing screen",
    "/pair/{code}": "pairing by the foreman's code",
}
# NiceGUI's own scripts and styles, by version (not /_nicegui/auto/…, which pages add).
NICEGUI_ASSETS = re.compile(
    r"^/_nicegui/\d+\.\d+\.\d+/(static|libraries|components|resources|dynamic_resources|esm)\b"
)

# The checked-in car's private details: none may reach a stranger.
PERSONAL = (
    "京A12345",
    "\\u4eacA12345",
    "王先生",
    "\\u738b\\u5148\\u751f",
    "13800138000",
    "LSGUA84L0FE000001",
)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Workshop]:
    """The web as `pitboard run` wires it (boards, a bay's kiosk, API, health, previews),
    with one car checked in and a key tag's preview on the virtual desk printer."""
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    config = demo_config(data_dir=str(tmp_path))
    w = demo_workshop(Store(engine, "demo"), tmp_path, config)
    station = w.station("B03")
    pairings = Pairings(tmp_path / "pairings.json")
    wire_web(w.core, {"B03": station}, pairings, lambda: True, lambda: "connected")
    yield w
    w.close()
    engine.dispose()


def a_car(site: Workshop) -> tuple[str, str, str]:
    """(repair order, status-page token, preview path) of a car checked in at the desk."""
    ro = site.job(bay=None, plate="京A12345", public_token="k3J9xQ-unguessable")
    preview = Path(site.core.config.data_dir) / "prints" / "desk" / f"{ro}.key_tag.a1b2c3.png"
    preview.parent.mkdir(parents=True, exist_ok=True)
    preview.write_bytes(b"\x89PNG\r\n\x1a\n" + "京A12345".encode())
    return ro, "k3J9xQ-unguessable", f"/prints/desk/{preview.name}"


def public(template: str) -> bool:
    return template in PUBLIC or bool(NICEGUI_ASSETS.match(template))


def refused(response: httpx.Response) -> bool:
    """401 or 403, or off to the sign-in."""
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303, 307) and response.headers.get(
        "location", ""
    ).startswith("/login")


async def test_every_route_is_public_or_refuses_a_stranger(user: User, site: Workshop) -> None:
    ro, token, preview = a_car(site)
    values = {
        "ro": ro,
        "token": token,
        "bay": "B03",
        "printer": "desk",
        "name": preview.rsplit("/", 1)[1],
        "path": "live.js",
    }
    served = sorted(set(routes(list(app.routes))))
    assert len(served) > 25, served
    assert {
        "/dispatch",
        "/desk",
        "/orders/{ro}",
        "/reports",
        "/access",
        "/prints/{printer}/{name}",
        "/metrics",
        "/api/v1/repair-orders/{ro}",
        "/api/v1/docs",
        "/kiosk/{bay}",
    } <= {t for _, t in served}
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test")
    answered, wrongly_open = set(), []
    async with stranger:
        for method, template in served:
            response = await stranger.request(method, filled(template, values))
            body = response.text
            leaked = [p for p in PERSONAL if p in body]
            if public(template):
                assert not leaked, f"{template} shows {leaked} to a stranger"
                if not refused(response):
                    answered.add(template)
            elif not refused(response) or leaked:
                wrongly_open.append(f"{method} {template} → {response.status_code}")
    assert not wrongly_open, "open to a stranger:\n" + "\n".join(wrongly_open)
    # The public pages stay open to strangers (the kiosk's screen is guarded by its pairing).
    assert answered >= set(PUBLIC) - {"/_nicegui_ws", "/kiosk/{bay}"}, answered


async def test_a_print_preview_needs_a_signed_in_person_or_an_api_token(
    user: User, site: Workshop
) -> None:
    from core.domain.access import Scope

    _, _, preview = a_car(site)
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test")
    async with stranger:
        anonymous = await stranger.get(preview)
        assert refused(anonymous) and b"PNG" not in anonymous.content
        _, secret = site.core.access.create_token("grafana", Scope.READ, by="test")
        bearer = {"Authorization": f"Bearer {secret}"}
        with_token = await stranger.get(preview, headers=bearer)
        assert with_token.status_code == 200 and with_token.content.startswith(b"\x89PNG")
        wrong = await stranger.get(preview, headers={"Authorization": "Bearer pb_not-a-token"})
        assert wrong.status_code == 401
        # A token is for systems: the pages, for people, want a person signed in.
        assert refused(await stranger.get("/desk", headers=bearer))
    await sign_in(user, "SA01", page="/desk")
    await user.should_see(marker="check-in", retries=RETRIES)
    signed_in = await user.http_client.get(preview)
    assert signed_in.status_code == 200 and signed_in.headers["content-type"] == "image/png"


async def test_the_public_pages_carry_no_personal_data(user: User, site: Workshop) -> None:
    _, token, _ = a_car(site)
    for page, marker in (("/lounge", "row-0"), (f"/status/{token}", "plate"), ("/login", None)):
        await user.open(page)
        if marker is not None:
            await user.should_see(marker=marker, retries=RETRIES)
        shown = texts(user)
        assert not [p for p in PERSONAL if p in shown], page
    await user.open("/lounge")
    await user.should_see(marker="row-0", retries=RETRIES)
    assert "京A·•••45" in texts(user)  # the car is there, masked
