"""The steps a technician can take on the shown job, by the kind of bay: QC, wash, or a
workshop bay's start / pause / resume, finding and finish."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from core.contract.views import JobCard
from core.domain.vocabulary import STATION_STATUSES, BayKind, JobStatus, Role
from kiosk.checks import final_inspection, leader_check, may_leader_check, wash_done
from kiosk.dialogs import confirm, pause_reason, qc_fail
from kiosk.finding import report_finding
from kiosk.parts import request_parts
from kiosk.screen import STEP, Screen
from kiosk.station import Station

Tap = Callable[[Station], object]


def actions(screen: Screen, card: JobCard) -> None:
    tech = screen.acting()
    if tech is None:
        at_station = screen.station.kind in STATION_STATUSES
        if card.status == JobStatus.SELF_CHECKED and not at_station:
            with ui.row().classes("w-full gap-4 no-wrap"):  # a leader may come over all the same
                _awaits_leader(screen, card, None)
            return
        ui.label(screen.t("kiosk.nobody")).classes("text-2xl text-amber-400")
        return
    name = screen.station.technicians[tech].name
    ui.label(f"{screen.t('kiosk.acting')}: {name}").classes("text-xl text-gray-400")
    # One row, the buttons sharing its width (a long label breaks inside its button): a
    # second row of buttons would fall below a 1280 × 800 tablet's screen.
    with ui.row().classes("w-full gap-4 no-wrap"):
        kind = screen.station.kind
        if kind == BayKind.QC:
            _qc(screen, card, tech)
        elif kind == BayKind.WASH:
            _wash(screen, card, tech)
        else:
            _work(screen, card, tech)


def _qc(screen: Screen, card: JobCard, tech: str) -> None:
    if card.status == JobStatus.SELF_CHECKED:
        _check_here_or_say_why(screen, card, tech)
    if card.status == JobStatus.LEADER_CHECKED:
        _ask(screen, "qc_pass", lambda: final_inspection(screen, card, tech), "positive")
        _ask(screen, "qc_fail", lambda: qc_fail(screen, card, tech), "negative")


def _wash(screen: Screen, card: JobCard, tech: str) -> None:
    ro = card.ro
    if card.status == JobStatus.WASH_WAITING:
        _tap(screen, "wash_start", lambda s: s.wash_start(ro, tech))
    if card.status == JobStatus.WASHING:
        _ask(screen, "wash_done", lambda: wash_done(screen, card, tech), "positive")


def _work(screen: Screen, card: JobCard, tech: str) -> None:
    station, ro = screen.station, card.ro
    if card.status == JobStatus.SELF_CHECKED:
        _awaits_leader(screen, card, tech)
        return
    active = station.active_job(tech)
    if active == ro:
        _ask(screen, "pause", lambda: pause_reason(screen, card, tech), "warning")
    elif tech in card.paused_techs:
        _tap(screen, "resume", lambda s: s.resume(ro, tech))
    else:
        _tap(screen, "start", lambda s: s.start(ro, tech))
    _ask(screen, "finding", lambda: report_finding(screen, card, tech), "orange-9")
    _ask(screen, "parts_request", lambda: request_parts(screen, card, tech), "teal-8")
    if card.status in (JobStatus.IN_PROGRESS, JobStatus.PAUSED) or active == ro:

        def finish(s: Station) -> object:
            sent = s.self_check(ro, tech)
            screen.job = None  # the bay's next car is shown, not the one that waits its check
            return sent

        _final(screen, "finish", finish)


def _awaits_leader(screen: Screen, card: JobCard, tech: str | None) -> None:
    """A car finished at this bay waits for a team leader's check (复检): a leader acting
    here checks it in their name; else the kiosk says it waits. Any leader who comes over
    checks it with their badge, whoever is signed in here (one who did the self-check
    themselves needs another leader)."""
    _check_here_or_say_why(screen, card, tech)
    _ask(screen, "leader_by_badge", lambda: leader_check(screen, card, None), "positive")


def _check_here_or_say_why(screen: Screen, card: JobCard, tech: str | None) -> None:
    """The leader check in the name of the one acting here, if they may do it; else why
    the car waits (for a leader, or for another than the one who did its self-check)."""
    leader = tech is not None and Role.LEADER in screen.station.technicians[tech].roles
    if tech is not None and leader and may_leader_check(screen, card, tech):
        _ask(screen, "leader_check", lambda: leader_check(screen, card, tech), "positive")
    else:
        why = "kiosk.own_self_check" if leader else "kiosk.awaits_leader"
        label = ui.label(screen.t(why)).classes("text-2xl text-amber-400")
        label.mark("awaits-leader")


def _button(screen: Screen, step: str, on_click: Callable[[], None], colour: str) -> None:
    ui.button(screen.t(f"kiosk.{step}"), on_click=on_click).props(f"color={colour}").classes(
        f"{STEP} flex-1 pb-step"  # pb-step: the browser tests find them on the first screen
    ).mark(step)


def _tap(screen: Screen, step: str, send: Tap) -> None:
    """A step taken at once."""

    def run() -> None:
        if screen.act(send) is not None:
            screen.saved()

    _button(screen, step, run, "primary")


def _ask(screen: Screen, step: str, open_dialog: Callable[[], None], colour: str) -> None:
    """A step that needs more: a dialog asks for it."""
    _button(screen, step, open_dialog, colour)


def _final(screen: Screen, step: str, send: Tap) -> None:
    """A step that cannot be taken back from the kiosk: confirmed first."""
    question = screen.t(f"kiosk.{step}_confirm")
    _button(screen, step, lambda: confirm(screen, question, send), "positive")
