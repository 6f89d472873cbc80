"""A dealer's site is often offline: every page the web serves — the boards, the customers'
pages, the bay kiosk, the API's documents — and every script, style and font they load
comes from Pitboard itself. The pages are taken from the app's own route table, opened as a
signed-in person, and what they load is followed; none may name another host."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from nicegui import Client, app
from nicegui.testing import User

from core.pairings import Pairings
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from pitboard.app import wire_web
from tests.board_env import RETRIES, sign_in
from tests.helpers import demo_config
from tests.kiosk_env import Workshop, demo_workshop
from tests.web_routes import filled, routes

SITE = "http://test"  # the base the test's client opens pages on

# Where a page, a style or a script makes the browser load something: an attribute naming a
# resource, a CSS url() or @import, a JavaScript import, fetch, worker or script source.
HTML_REFERENCE = re.compile(
    r"""\b(?:src|href|srcset|action|poster)\s*=\s*["']?\s*([^"'\s>]+)""",
    re.IGNORECASE,
)
CSS_REFERENCE = re.compile(r"""url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""", re.IGNORECASE)
JS_REFERENCE = re.compile(
    r"""(?:\bimport\s*\(?|\bfrom|\bfetch\(|\bWorker\(|\bimportScripts\(|\.src\s*=)\s*"""
    r"""["'`]([^"'`]+)""",
)
# Anything that names a host: a scheme with //, or a scheme-relative //host.
ELSEWHERE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# XML namespaces are names, never loaded.
NAMESPACE = re.compile(r"^https?://www\.w3\.org/")


def references(body: str, kind: str) -> list[str]:
    """What ``body`` (HTML, CSS or JavaScript) makes a browser load."""
    found: list[str] = []
    if kind == "html":
        found += [m.group(1) for m in HTML_REFERENCE.finditer(body)]
    if kind in ("html", "css"):
        found += [m.group(1) or m.group(2) for m in CSS_REFERENCE.finditer(body)]
    if kind in ("html", "js"):
        found += [m.group(1) for m in JS_REFERENCE.finditer(body)]
    return [r.strip() for r in found if not r.strip().startswith(("data:", "#", "blob:"))]


def import_map(body: str) -> dict[str, str]:
    """The modules a page's scripts may import by name (loaded only when one does)."""
    names: dict[str, str] = {}
    for found in re.findall(r'<script type="importmap">(.*?)</script>', body, re.S):
        names.update(json.loads(found).get("imports", {}))
    return names


def mapped(reference: str, names: dict[str, str]) -> str:
    """A module's name as the page's import map resolves it."""
    if reference in names:
        return names[reference]
    for name, target in names.items():
        if name.endswith("/") and reference.startswith(name):
            return target + reference[len(name) :]
    return reference


def off_site(reference: str) -> bool:
    if NAMESPACE.match(reference) or not ELSEWHERE.match(reference):
        return False
    return urlsplit(urljoin(SITE + "/", reference)).netloc != urlsplit(SITE).netloc


ASSET = re.compile(r"\.(?:m?js|css|woff2?|ttf|otf|eot|png|svg|ico|jpe?g|gif|webp|json|map)$")


def followed(reference: str, where: str, kind: str) -> str | None:
    """The path of a script, style, font or image of the site's own that a page loads (not
    the pages it links to: those are opened from the route table). In a script, a bare name
    is a module's (see the import map), in a page or a style a path beside it."""
    if ELSEWHERE.match(reference) or re.match(r"^[a-z][a-z0-9+.-]*:", reference, re.I):
        return None
    if kind == "js" and not reference.startswith(("/", "./", "../")):
        return None
    path = urlsplit(urljoin(SITE + where, reference)).path
    return path if ASSET.search(path) else None


def kind_of(response: httpx.Response, path: str) -> str | None:
    content_type = response.headers.get("content-type", "")
    for kind, marks in (
        ("html", ("text/html",)),
        ("css", ("text/css",)),
        ("js", ("javascript", "ecmascript")),
    ):
        if any(m in content_type for m in marks):
            return kind
    return {".css": "css", ".js": "js", ".mjs": "js"}.get(Path(path).suffix)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Workshop]:
    """The web as `pitboard run` wires it: boards, a bay's kiosk, the API and its documents."""
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    w = demo_workshop(Store(engine, "demo"), tmp_path, demo_config(data_dir=str(tmp_path)))
    pairings = Pairings(tmp_path / "pairings.json")
    wire_web(w.core, {"B03": w.station("B03")}, pairings, lambda: True, lambda: "connected")
    yield w
    w.close()
    engine.dispose()


def pages(site: Workshop) -> list[str]:
    """Every page of the route table (NiceGUI's pages and the API's documents), filled in."""
    ro = site.job(bay="B03", plate="京A12345", public_token="k3J9xQ-unguessable")
    values = {"ro": ro, "token": "k3J9xQ-unguessable", "bay": "B03", "code": "000000"}
    served = {template for method, template in routes(list(app.routes)) if method == "GET"}
    nicegui_pages = set(Client.page_routes.values())
    documents = {t for t in served if t.startswith("/api/v1/") and t.endswith(("/docs", "/redoc"))}
    assert {"/api/v1/docs", "/api/v1/redoc"} <= documents, served
    # Signing out is a page too, but it would end the session the others are opened in.
    chosen = sorted((served & nicegui_pages) - {"/logout"} | documents)
    assert {"/dispatch", "/desk", "/lounge", "/status/{token}", "/kiosk/{bay}"} <= set(chosen)
    return [filled(t, values) for t in chosen]


async def test_no_page_loads_anything_from_another_host(user: User, site: Workshop) -> None:
    opened = pages(site)
    await sign_in(user, "M001", page="/reports")
    await user.should_see(marker="signed-in", retries=RETRIES)
    client = user.http_client
    # (path, whether it must load): a name in a script may be one it builds in itself.
    queue: list[tuple[str, bool]] = [(p, True) for p in opened]
    seen, elsewhere, loaded = set(opened), [], []
    names: dict[str, str] = {}
    while queue:
        path, must = queue.pop()
        response = await client.get(path)
        if not must and response.status_code == 404:
            continue
        assert response.status_code == 200, (
            f"{path} → {response.status_code} {response.headers.get('location', '')}"
        )
        loaded.append(path)
        kind = kind_of(response, path)
        if kind is None:
            continue
        if kind == "html":
            names.update(import_map(response.text))
            elsewhere += [
                f"{path}: import map {r}" for r in import_map(response.text).values() if off_site(r)
            ]
        for found in references(response.text, kind):
            ref = mapped(found, names) if kind == "js" else found
            if off_site(ref):
                elsewhere.append(f"{path}: {ref}")
                continue
            target = followed(ref, path, kind)
            if target is not None and target not in seen:
                seen.add(target)
                queue.append((target, kind != "js"))
    # What the pages load was followed: scripts, styles with their fonts, imported modules.
    assert {
        "/api/v1/static-offline-docs/swagger-ui-bundle.js",
        "/api/v1/static-offline-docs/redoc.standalone.js",
        "/board-static/live.js",
    } <= set(loaded), loaded
    assert any(p.endswith(".woff2") for p in loaded), loaded
    assert any("/esm/" in p for p in loaded), loaded
    assert not elsewhere, "loaded from another host:\n" + "\n".join(elsewhere)


async def test_the_api_documents_come_from_the_site_behind_its_sign_in(
    user: User, site: Workshop
) -> None:
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=SITE)
    async with stranger:
        for path in ("/api/v1/docs", "/api/v1/static-offline-docs/swagger-ui-bundle.js"):
            assert (await stranger.get(path)).status_code == 401, path
    await sign_in(user, "F001", page="/dispatch")
    await user.should_see(marker="signed-in", retries=RETRIES)
    docs = await user.http_client.get("/api/v1/docs")
    assert docs.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts == ["/api/v1/static-offline-docs/swagger-ui-bundle.js"], scripts
    # Swagger UI would otherwise send the API's document to a validator on the internet.
    assert '"validatorUrl": null' in docs.text
    document = await user.http_client.get("/api/v1/openapi.json")
    assert document.json()["info"]["title"] == "Pitboard integration API"
    for script in scripts:
        assert (await user.http_client.get(script)).status_code == 200


@pytest.mark.parametrize(
    ("body", "kind", "found"),
    [
        ('<script src="https://cdn.example.com/vue.js"></script>', "html", True),
        ('<link rel="stylesheet" href="//fonts.example.com/css">', "html", True),
        ("<style>@font-face{src:url(https://fonts.example.com/a.woff2)}</style>", "html", True),
        ('@import "https://fonts.example.com/css?family=Roboto";', "css", True),
        ('import {x} from "https://esm.example.com/x.js";', "js", True),
        ('fetch("https://api.example.com/v1")', "js", True),
        ('<script src="/_nicegui/static/vue.js"></script>', "html", False),
        ('<svg xmlns="http://www.w3.org/2000/svg"></svg>', "html", False),
        (
            "url(\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>\")",
            "css",
            False,
        ),
        (f'<script src="{SITE}/board-static/live.js"></script>', "html", False),
    ],
)
def test_the_check_finds_what_loads_from_another_host(body: str, kind: str, found: bool) -> None:
    assert any(off_site(r) for r in references(body, kind)) is found, references(body, kind)
