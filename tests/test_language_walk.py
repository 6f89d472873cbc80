"""Every page in its language: a walk through every page the web serves — taken from the app's
own table of pages, so a page added later is walked too — in Chinese and in English, as a
stranger and as each role, on a workshop with data in it (cars checked in, one at work and
paused, a finding, prints). A page fails the walk when it shows an identifier
(``job.checked_in``, ``waiting_parts``), raw JSON, English words on a Chinese page or Chinese
on an English page (beyond the small lists below); a signed-in person who may not open a
page is told so, not shown the sign-in form; and a page's menu links only to pages its
reader may open."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nicegui import Client, ui
from nicegui.testing import User

from core.config import SiteConfig
from core.display.texts import Lang
from core.domain.privacy import mask_plate
from core.pairings import Pairings
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from pitboard.app import wire_web
from tests.board_env import sign_in
from tests.desk_env import book, booked_yesterday
from tests.helpers import demo_config
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import wait_until

# Latin letters a Chinese page may show: the product's name, units and the codes of the
# trade that have no Chinese of their own. Words with a digit (plates, repair orders,
# technician and bay ids, VINs, car models such as GL8) are data, never words.
LATIN_ON_CHINESE = {"Pitboard", "English", "VIN", "PIN", "QR", "CSV", "h", "km", "s"}
# Chinese an English page may show: the language switch, and the data of the workshop —
# the site's own names (people, bays, teams) from its configuration and what the test's
# car, customer and finding are called.
CHINESE_ON_ENGLISH = ("中文",)
PLATES = ("京A12345", "京B67890")
TEST_DATA = (
    *PLATES,
    # As the public screens and the board's booked cars show them (京B·•••90): the mask's
    # dots cut a plate into a Latin letter and digits on either language's page.
    *(mask_plate(p) for p in PLATES),
    "别克 GL8",
    "白",
    "小保养",
    "王先生",
    "前刹车片磨损",
    "前刹车片",
)
# Pages meant for anyone passing by (the lounge's TV, the welcome board at reception, the
# customer's status page, a kiosk screen that is not paired yet) speak both languages at
# once, by design.
BILINGUAL = {
    "/lounge",
    "/welcome",
    "/status/{token}",
    "/pair",
    "/kiosk/{bay}?unpaired",
    "/kiosk/{bay}?none",
}
ROLES = {"foreman": "F001", "advisor": "SA01", "qc": "QC01", "manager": "M001", "parts": "PC01"}

DOTTED = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")
CJK = re.compile(r"[\u3400-\u9fff]")
TAG = re.compile(r"<[^>]*>")


def in_language(lang: Lang) -> SiteConfig:
    config = demo_config()
    return config.model_copy(update={"site": config.site.model_copy(update={"language": lang})})


@dataclass
class Site:
    shop: Workshop
    pairings: Pairings
    values: dict[str, str]


@pytest.fixture(params=["zh", "en"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    config = in_language(request.param).model_copy(update={"data_dir": str(tmp_path)})
    w = demo_workshop(Store(engine, "demo"), tmp_path, config)
    station = w.station("B03")
    pairings = Pairings(tmp_path / "pairings.json")
    wire_web(w.core, {"B03": station}, pairings, lambda: True, lambda: "connected")
    ro = w.job(bay="B03", plate="京A12345", public_token="k3J9xQ-unguessable")
    w.job(bay=None, plate="京B67890")  # waiting for dispatch
    station.sign_in("T002")
    station.start(ro, "T002")
    station.finding(ro, "T002", "前刹车片磨损", "safety", 1.0, 480.0)
    station.request_parts(ro, "T002", [{"name": "前刹车片", "qty": 1}])  # at the counter
    station.pause(ro, "T002", "waiting_parts")
    station.call_help("T002", "diagnostic")  # on the dispatch board, the help page, the kiosk
    booked_yesterday(w.core, plate="京B67890")  # on the desk's list of today
    book(w.core, days=1, plate="京A12345")  # on the preparation of tomorrow
    w.settle()
    wait_until(lambda: w.core.store.print_history(ro), "the check-in's prints", timeout=10)
    yield Site(w, pairings, {"ro": ro, "token": "k3J9xQ-unguessable", "bay": "B03"})
    w.close()
    engine.dispose()


def visible(user: User) -> str:
    """The words a person sees on the page: texts, labels, HTML without its tags, a table's
    headings and cells, a choice's options."""
    seen: list[str] = []
    for el in user.current_layout.descendants():
        for attr in ("text", "content"):
            value = getattr(el, attr, None)
            if isinstance(value, str):
                seen.append(value)
        props = el.props
        for key in ("label", "placeholder", "innerHTML", "hint", "title"):
            if isinstance(props.get(key), str):
                seen.append(props[key])
        for column in props.get("columns") or []:
            seen.append(str(column.get("label", "")))
        for row in props.get("rows") or []:
            seen.extend(str(v) for k, v in row.items() if k not in ("id", "type"))
        options = props.get("options")
        if isinstance(options, list):
            seen.extend(str(o.get("label", o)) if isinstance(o, dict) else str(o) for o in options)
    return html.unescape(TAG.sub(" ", "\n".join(seen)))


def allowed_chinese(config: SiteConfig) -> tuple[str, ...]:
    names = [config.site.name]
    names += [t.name for t in config.technicians] + [u.name for u in config.users]
    names += [b.name for b in config.bays] + [t.name for t in config.teams]
    return tuple(sorted({*names, *TEST_DATA, *CHINESE_ON_ENGLISH}, key=len, reverse=True))


def faults(shown: str, lang: Lang, bilingual: bool, config: SiteConfig) -> list[str]:
    found = [f"identifier {m!r}" for m in DOTTED.findall(shown)]
    found += [f"code {m!r}" for m in SNAKE.findall(shown)]
    if '{"' in shown:
        found.append("raw JSON")
    if bilingual:
        return found
    if lang == "zh":
        for plate in TEST_DATA:
            shown = shown.replace(plate, " ")
        words = {w for w in LATIN_WORD.findall(shown) if not _data(w)}
        found += [f"English {w!r}" for w in sorted(words - LATIN_ON_CHINESE)]
    else:
        rest = shown
        for allowed in allowed_chinese(config):
            rest = rest.replace(allowed, " ")
        lines = {line.strip() for line in rest.splitlines() if CJK.search(line)}
        found += [f"Chinese {line!r}" for line in sorted(lines)]
    return found


def _data(word: str) -> bool:
    """Digits make a word data (a plate, an order, an id, a model, a time, a browser)."""
    return any(ch.isdigit() for ch in word) or word.isdigit()


def pages() -> list[str]:
    """Every page of the web app (NiceGUI's page routes), as templates."""
    return sorted(set(Client.page_routes.values()))


def filled(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        assert name in values, f"the walk does not know what to put for {{{name}}} in {template}"
        return values[name]

    return re.sub(r"\{([^}]+)\}", value, template)


async def look(user: User, path: str) -> str:
    await user.open(path)
    await asyncio.sleep(0.3)  # a page that sends elsewhere (the sign-in) has gone there
    return visible(user)


def links(user: User) -> set[str]:
    return {
        str(el.props.get("href"))
        for el in user.current_layout.descendants()
        if isinstance(el, ui.link) and str(el.props.get("href", "")).startswith("/")
    }


def on_sign_in(user: User) -> bool:
    return _has(user, "login-user")


def signed_in(user: User) -> bool:
    return _has(user, "signed-in")


def not_allowed(user: User) -> bool:
    return _has(user, "not-allowed")


def _has(user: User, marker: str) -> bool:
    return any(marker in el._markers for el in user.current_layout.descendants())


async def test_every_page_in_its_language(user: User, site: Site) -> None:
    config = site.shop.core.config
    lang: Lang = config.site.language
    walked = pages()
    assert {"/dispatch", "/desk", "/orders/{ro}", "/reports", "/access", "/kiosk/{bay}"} <= set(
        walked
    ), walked
    problems: dict[str, list[str]] = {}

    def check(name: str, shown: str, bilingual: bool = False) -> None:
        wrong = faults(shown, lang, bilingual, config)
        if wrong:
            problems[name] = wrong

    # A stranger: the public pages, the sign-in in front of the rest, a kiosk screen.
    for template in walked:
        bilingual = template in BILINGUAL or template == "/kiosk/{bay}"
        check(f"stranger {template}", await look(user, filled(template, site.values)), bilingual)
    check("kiosk of no bay", await look(user, "/kiosk/B99"), bilingual=True)
    # A screen paired with bay 3: the kiosk itself, in the site's language.
    code = site.pairings.new_code("B03", "F001")
    await user.http_client.get(f"/pair/{code.code}")
    shown = await look(user, "/kiosk/B03")
    assert "T002" in shown or "李强" in shown, "the paired kiosk shows its bay"
    check("paired kiosk", shown)
    # Each role on every page: the page, or the words that say it is not theirs.
    staff = [p for p in walked if p not in BILINGUAL and not p.startswith(("/kiosk", "/pair"))]
    staff = [p for p in staff if p not in ("/login", "/logout")]
    for role, who in ROLES.items():
        await sign_in(user, who, page="/")
        await asyncio.sleep(0.3)
        may_open: set[str] = set()
        menus: dict[str, set[str]] = {}
        for template in staff:
            path = filled(template, site.values)
            shown = await look(user, path)
            if on_sign_in(user) or not (signed_in(user) or not_allowed(user)):
                problems[f"{role} {template}"] = ["the sign-in form, not why the page is closed"]
                continue
            check(f"{role} {template}", shown)
            if not not_allowed(user):
                may_open.add(path)
                menus[path] = links(user)
        for path, linked in menus.items():
            closed = {
                target
                for target in linked
                if target.split("?")[0] in {filled(p, site.values) for p in staff}
                and target.split("?")[0] not in may_open
            }
            if closed:
                problems[f"{role} {path} menu"] = [f"links to {sorted(closed)}, closed to {role}"]
    assert not problems, f"pages in {lang}:\n" + "\n".join(
        f"{name}: {'; '.join(wrong)}" for name, wrong in problems.items()
    )
