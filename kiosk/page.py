"""The kiosk screen: big targets for gloved hands, readable from two metres, two languages.

All state lives in the Station; the parts of the screen (kiosk/banner.py, signin.py,
queue.py, job_card.py, actions.py and their dialogs) draw it and turn taps into Station
actions. The screen is drawn again when the station tells it something changed
(kiosk/live.py); the MQTT thread never touches the UI and nothing polls.
"""

from __future__ import annotations

from nicegui import ui

from core.display.texts import Lang, both
from kiosk.actions import actions
from kiosk.banner import banner, refusals
from kiosk.job_card import job_card
from kiosk.live import follow
from kiosk.queue import queue
from kiosk.screen import Screen
from kiosk.signin import people
from kiosk.station import Station

_CSS = ".q-btn { border-radius: 10px; text-transform: none } .pb-card { border: 2px solid #555 }"


def scanned(screen: Screen, value: str) -> None:
    """A scanner types and presses enter: a job's QR selects it, a badge signs in."""
    value = value.strip()
    if not value:
        return
    if screen.station.job(value.upper()) is not None:
        screen.job = value.upper()
        screen.redraw()
        return
    tech = screen.station.identify(value)
    if tech is not None:
        screen.arrive(tech.id)
        return
    ui.notify(screen.t("kiosk.unknown_job_scan", ro=value), type="warning", position="center")


def scan_field(screen: Screen) -> None:
    scan = ui.input(placeholder=screen.t("kiosk.scan_hint"))
    scan.props('dark outlined autofocus input-style="font-size: 28px"').classes("w-full")
    scan.mark("scan")

    def enter() -> None:
        value = scan.value or ""
        scan.set_value("")
        scanned(screen, value)

    scan.on("keydown.enter", enter)


def build(station: Station, lang: Lang | None = None) -> None:
    """Draw the kiosk for ``station`` into the current page."""
    screen = Screen(station, lang or station.config.site.language)
    ui.query("body").classes("bg-gray-950 text-white")
    ui.add_css(_CSS)

    def toggle_lang() -> None:
        screen.lang = "en" if screen.lang == "zh" else "zh"
        screen.redraw()

    @ui.refreshable
    def body() -> None:
        banner(screen, toggle_lang)
        scan_field(screen)
        people(screen)
        refusals(screen)
        card = screen.selected()
        with ui.row().classes("w-full gap-6 no-wrap items-start"):
            with ui.column().classes("w-1/3 gap-3"):
                queue(screen, card)
            with ui.column().classes("w-2/3 gap-3"):
                if card is None:
                    ui.label(screen.t("kiosk.pick_job")).classes("text-3xl text-gray-400")
                else:
                    job_card(screen, card)
                    actions(screen, card)

    def redraw() -> None:
        body.refresh()

    def changed() -> None:
        screen.announce_problem()
        redraw()

    screen.redraw = redraw
    with ui.column().classes("w-full p-4 gap-4"):
        body()
    if station.problems:
        screen.seen_problem = station.problems[0].seq  # told on the screen already
    follow(station, changed)


def register(stations: dict[str, Station], prefix: str = "/kiosk") -> None:
    """Serve one kiosk page per bay: ``{prefix}/{bay}``."""

    @ui.page(prefix + "/{bay}")
    def kiosk_page(bay: str) -> None:
        station = stations.get(bay)
        if station is None:
            ui.label(both("kiosk.no_such_bay", bay=bay)).classes("text-3xl")
            return
        build(station)
