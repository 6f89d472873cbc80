"""The kiosk screen: big targets for gloved hands, readable from two metres, two languages.

All state lives in the Station; the parts of the screen (kiosk/banner.py, signin.py,
queue.py, job_card.py, actions.py and their dialogs) draw it and turn taps into Station
actions. The screen is drawn again when the station tells it something changed
(kiosk/live.py); the MQTT thread never touches the UI and nothing polls.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from nicegui import ui

from core.contract.pairing import PairingBook
from core.contract.views import JobCard
from core.display.texts import Lang, both
from core.domain.vocabulary import STATION_STATUSES, Role
from kiosk.actions import actions
from kiosk.banner import banner, refusals
from kiosk.checks import leader_check, may_leader_check
from kiosk.dialogs import framed
from kiosk.help import help_button, help_strip
from kiosk.job_card import job_card, job_details
from kiosk.live import follow
from kiosk.pairing import pairing_of, pairing_screen, register_pairing
from kiosk.parts import parts_lines
from kiosk.queue import queue
from kiosk.screen import BIG, Screen
from kiosk.signin import people
from kiosk.station import Station

_CSS = r"""
.q-btn { border-radius: 10px; text-transform: none } .pb-card { border: 2px solid #555 }
/* A 7-inch panel (1024 x 600) shows the job and its step buttons on its first screen too:
   smaller type and room, targets still a gloved finger's (52 px, the steps 64 px). */
@media (max-height: 720px) {
  .pb-kiosk.p-4 { padding: 0.5rem }
  .pb-kiosk.gap-4, .pb-kiosk .gap-4, .pb-kiosk .gap-6, .pb-kiosk .gap-3 { gap: 0.5rem }
  .pb-kiosk .text-5xl { font-size: 2rem; line-height: 2.25rem }
  .pb-kiosk .text-4xl { font-size: 1.625rem; line-height: 2rem }
  .pb-kiosk .text-3xl { font-size: 1.375rem; line-height: 1.75rem }
  .pb-kiosk .text-2xl { font-size: 1.125rem; line-height: 1.5rem }
  .pb-kiosk .text-xl, .pb-kiosk .text-lg { font-size: 1rem; line-height: 1.375rem }
  .pb-kiosk .min-h-\[72px\] { min-height: 52px }
  .pb-kiosk .min-h-\[96px\] { min-height: 64px }
  .pb-kiosk .q-card { padding: 0.5rem 0.75rem }
  .pb-kiosk .pb-scan input { font-size: 20px !important }
  .pb-kiosk .pb-scan .q-field__control { height: 44px; min-height: 44px }
  .pb-pad { height: 4rem !important }
}
/* Narrower than a 10-inch tablet: the step buttons share the row's width. */
@media (max-width: 1100px) {
  .pb-kiosk .min-w-\[160px\] { min-width: 0 }
  .pb-kiosk .pb-step { padding-left: 0.5rem; padding-right: 0.5rem }
}
"""


def scanned(screen: Screen, value: str) -> None:
    """A scanner types and presses enter: a job's QR selects it, a badge signs in (a
    leader's, shown a car finished here, opens its leader check).

    Anything else counts as a wrong try at this kiosk: a technician's id is no badge."""
    value = value.strip()
    if not value:
        return
    if screen.station.job(value.upper()) is not None:
        screen.job = value.upper()
        screen.redraw()
        return
    verdict = screen.act(lambda s: s.try_code(value))
    if verdict is None:
        return
    if verdict.ok and verdict.tech:
        if not _came_to_check(screen, verdict.tech):
            screen.arrive(verdict.tech)
        return
    screen.code_refused(verdict.wait)


def _came_to_check(screen: Screen, tech: str) -> bool:
    """A team leader not signed in here badges while cars finished here wait for their
    check: asked whether they came to check one (the one shown first, if it waits) or to
    work here, since signing in would take them off their own bay. A car whose self-check
    was their own is not offered. Whether it asked."""
    station = screen.station
    here = [p.id for p in station.present()]
    if station.kind in STATION_STATUSES or tech in here:
        return False  # at the QC station the leader check is done signed in there
    if Role.LEADER not in station.technicians[tech].roles:
        return False
    waiting = [
        j for j in station.jobs() if screen.finished(j) and may_leader_check(screen, j, tech)
    ]
    if not waiting:
        return False
    shown = screen.selected()
    if shown is not None and shown in waiting:
        waiting = [shown] + [j for j in waiting if j is not shown]
    _check_or_sign_in(screen, waiting[:_OFFERED], tech)
    return True


#: Cars offered at once for a leader check (a bay rarely has more than one waiting).
_OFFERED = 3


def _check_or_sign_in(screen: Screen, cards: list[JobCard], tech: str) -> None:
    t = screen.t

    def check(card: JobCard) -> None:
        screen.question.close()
        leader_check(screen, card, tech)

    def sign_in() -> None:
        screen.question.close()
        screen.arrive(tech)

    name = screen.station.technicians[tech].name
    with framed(screen.question, t("kiosk.badge_choice", name=name)), ui.row().classes("gap-4"):
        for card in cards:
            label = t("kiosk.check_car", plate=card.plate)
            button = ui.button(label, on_click=lambda c=card: check(c)).props("color=positive")
            button.classes(BIG).mark("choose-check", f"choose-check-{card.ro}")
        ui.button(t("kiosk.sign_in_here"), on_click=sign_in).classes(BIG).mark("choose-sign-in")


def scan_field(screen: Screen) -> None:
    scan = ui.input(placeholder=screen.t("kiosk.scan_hint"))
    scan.props('dark outlined autofocus input-style="font-size: 28px"').classes("w-full pb-scan")
    scan.mark("scan")

    def enter() -> None:
        value = scan.value or ""
        scan.set_value("")
        scanned(screen, value)

    scan.on("keydown.enter", enter)


def queue_and_job(screen: Screen) -> None:
    """The bay's queue on the left; on the right the selected job's car and clock, the
    steps a technician can take (within a 1280 × 800 tablet's first screen), then the
    parts and the details."""
    card = screen.selected()
    with ui.row().classes("w-full gap-6 no-wrap items-start"):
        # min-w-0: a long line inside may wrap, never widen the screen past its edge.
        with ui.column().classes("w-1/3 min-w-0 gap-3"):
            # The bay's open help calls above its queue, not above the work: with one open,
            # the job's buttons stay where they were.
            help_strip(screen)
            queue(screen, card)
        with ui.column().classes("flex-1 min-w-0 gap-3"):
            if card is None:
                ui.label(screen.t("kiosk.pick_job")).classes("text-3xl text-gray-400")
            else:
                job_card(screen, card)
                actions(screen, card)
                parts_lines(screen, card, screen.acting())
                job_details(screen, card)


def draw(screen: Screen, toggle_lang: Callable[[], None], shut: Callable[[], None] | None) -> None:
    """The whole screen, top to bottom; only ``shut``'s screen once it may not act."""
    if not screen.gate():  # revoked meanwhile: nothing of the bay is shown any more
        if shut is not None:
            shut()
        return
    banner(screen, toggle_lang)
    scan_field(screen)
    people(screen, lambda: help_button(screen))
    refusals(screen)
    queue_and_job(screen)


def build(
    station: Station,
    lang: Lang | None = None,
    gate: Callable[[], bool] | None = None,
    shut: Callable[[], None] | None = None,
) -> Screen:
    """Draw the kiosk for ``station`` into the current page; ``gate`` says whether it may
    act (asked at every tap and every redraw), ``shut`` draws what shows once it may not."""
    screen = Screen(station, lang or station.config.site.language)
    if gate is not None:
        screen.gate = gate
    ui.query("body").classes("bg-gray-950 text-white")
    ui.add_css(_CSS)

    def toggle_lang() -> None:
        screen.lang = "en" if screen.lang == "zh" else "zh"
        screen.redraw()

    @ui.refreshable
    def body() -> None:
        draw(screen, toggle_lang, shut)

    def redraw() -> None:
        body.refresh()

    def changed() -> None:
        screen.announce_problem()
        redraw()

    def unpaired() -> None:
        screen.form.close()
        screen.question.close()
        redraw()

    screen.redraw = redraw
    screen.unpaired = unpaired
    with ui.column().classes("w-full p-4 gap-4 pb-kiosk"):
        body()
    if station.problems:
        screen.seen_problem = station.problems[0].seq  # told on the screen already
    follow(station, changed)
    return screen


def register(stations: dict[str, Station], book: PairingBook, prefix: str = "/kiosk") -> None:
    """Serve one kiosk page per bay, ``{prefix}/{bay}``, to paired browsers only; the
    others see the pairing screen (``/pair/{code}`` pairs them)."""
    register_pairing(book)

    @ui.page(prefix + "/{bay}")
    def kiosk_page(bay: str, request: Request) -> None:
        station = stations.get(bay)
        if station is None:
            ui.label(both("kiosk.no_such_bay", bay=bay)).classes("text-3xl")
            return
        pairing = pairing_of(request, book, bay)
        if pairing is None:
            pairing_screen(bay, station.config.site.language)
            return
        book.seen(pairing)
        screen = build(
            station,
            gate=lambda: book.active(pairing, bay),
            shut=lambda: pairing_screen(bay, station.config.site.language),
        )
        follow(book, screen.redraw)  # a revocation shows at once, not at the next tap
