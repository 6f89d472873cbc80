"""The steps at the stations that record more than a tap: the leader's notes and
recommendations for the customer, the final inspection's checklist (the job type's) with the
road test, and where the finished car is parked (竣工停车区) when it leaves the QC station or
the wash bay ready for pickup."""

from __future__ import annotations

from nicegui import ui

from core.contract.views import JobCard
from core.domain.vocabulary import CHECKLISTS, ROAD_TEST_NEEDED, Role
from kiosk.dialogs import framed, ok_or_cancel, refuse_empty
from kiosk.screen import Screen

_FIELD = "text-2xl w-[640px] max-w-full"


def leader_check(screen: Screen, card: JobCard, tech: str | None) -> None:
    """The leader check OK, with what the leader noted and recommends (one a line). With no
    ``tech`` (nobody acting here is a leader) the leader who came over scans their badge:
    they need not sign in here, and so leave their own bay, to check a car."""
    t = screen.t
    with framed(screen.form, f"{t('kiosk.leader_check')} · {card.ro}"):
        badge = None
        if tech is None:  # a badge reader types into the field with the focus
            badge = ui.input(t("kiosk.leader_badge")).props("dark outlined autofocus type=password")
            badge.classes(_FIELD).mark("leader-badge")
        notes = ui.input(t("kiosk.leader_notes")).props("dark outlined").classes(_FIELD)
        notes.mark("leader-notes")
        advice = ui.textarea(t("kiosk.leader_recommendations")).props("dark outlined")
        advice.classes(_FIELD).mark("leader-recommendations")

        def submit() -> bool:
            who = tech if badge is None else _leader(screen, card, badge.value or "")
            if who is None:
                return False
            lines = [x.strip() for x in (advice.value or "").splitlines() if x.strip()]
            sent = screen.act(lambda s: s.leader_check(card.ro, who, notes.value or "", lines))
            return sent is not None

        label = t("kiosk.leader_check_confirm")
        ok_or_cancel(screen, screen.form, label, submit, "leader-check-submit")


def _leader(screen: Screen, card: JobCard, code: str) -> str | None:
    """The team leader whose badge this is; else said why not, and None. The badge is tried
    as at sign-in (a code of nobody counts as a wrong try at this kiosk, a run of them
    makes it wait, and the core hears of it): the badge alone stands for the leader here.
    The leader who did the car's self-check is told at once that another leader checks it."""
    verdict = screen.act(lambda s: s.try_code(code))
    if verdict is None:
        return None
    if not (verdict.ok and verdict.tech):
        screen.code_refused(verdict.wait)
        return None
    if Role.LEADER not in screen.station.technicians[verdict.tech].roles:
        ui.notify(screen.t("kiosk.not_leader"), type="negative", position="center")
        return None
    if not may_leader_check(screen, card, verdict.tech):
        ui.notify(screen.t("kiosk.own_self_check"), type="negative", position="center")
        return None
    return verdict.tech


def may_leader_check(screen: Screen, card: JobCard, tech: str) -> bool:
    """Whether ``tech``, a team leader, may do this car's leader check: not the one who did
    its self-check, unless the manager allowed it on this order or the site lets this person
    check twice (the core holds the same rule, inspection.py)."""
    checker = card.self_checked_by or _self_check_unsent(screen, card.ro)
    if tech != checker or card.checks_override:
        return True
    return screen.station.technicians[tech].may_check_twice


def _self_check_unsent(screen: Screen, ro: str) -> str | None:
    """Who tapped the car's self-check here, while that tap is not yet answered (the card
    does not say it yet)."""
    taps = [u for u in screen.station.unsent() if u.job == ro and u.type == "job.self_checked"]
    return taps[-1].tech if taps else None


def final_inspection(screen: Screen, card: JobCard, tech: str) -> None:
    """Final inspection passed: every item of the job type's checklist ticked, and the road
    test done (or, where the job type needs none, why not)."""
    t = screen.t
    items = CHECKLISTS[card.job_type]
    with framed(screen.form, f"{t('kiosk.qc_pass')} · {card.ro}"):
        ui.label(t(f"job_type.{card.job_type.value}")).classes("text-xl text-gray-400")
        boxes = {
            item: ui.checkbox(t(f"inspection.{item}")).classes("text-2xl").mark(f"check-{item}")
            for item in items
        }
        road = ui.checkbox(t("kiosk.road_test")).classes("text-2xl").mark("road-test")
        if card.job_type in ROAD_TEST_NEEDED:
            ui.label(t("kiosk.road_test_needed")).classes("text-lg text-amber-400")
        note = ui.input(t("kiosk.road_test_note")).props("dark outlined").classes(_FIELD)
        note.mark("road-test-note")
        spot = None if card.wash_requested else _spot_field(screen)

        def submit() -> bool:
            ticked = [i for i, box in boxes.items() if box.value]
            if len(ticked) < len(items):
                ui.notify(t("kiosk.checklist_open"), type="negative", position="center")
                return False
            if not road.value and not (note.value or "").strip():
                return refuse_empty(screen)
            parked = "" if spot is None else (spot.value or "").strip()
            if spot is not None and not parked:
                return refuse_empty(screen)
            sent = screen.act(
                lambda s: s.qc_pass(
                    card.ro, tech, ticked, bool(road.value), note.value or "", parked
                )
            )
            return sent is not None

        label = t("kiosk.qc_pass_confirm")
        ok_or_cancel(screen, screen.form, label, submit, "qc-pass-submit")


def _spot_field(screen: Screen) -> ui.input:
    spot = ui.input(screen.t("kiosk.parking_spot")).props("dark outlined").classes(_FIELD)
    return spot.mark("parking-spot")


def wash_done(screen: Screen, card: JobCard, tech: str) -> None:
    """Washed: the car is parked in the finished cars' area, and the advisor is told where."""
    t = screen.t
    with framed(screen.form, f"{t('kiosk.wash_done')} · {card.ro}"):
        spot = _spot_field(screen)

        def submit() -> bool:
            parked = (spot.value or "").strip()
            if not parked:
                return refuse_empty(screen)
            return screen.act(lambda s: s.wash_done(card.ro, tech, parked)) is not None

        ok_or_cancel(screen, screen.form, t("kiosk.wash_done_confirm"), submit, "wash-done-submit")
