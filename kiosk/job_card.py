"""The job shown: car, promise, the work clock against standard time, operations,
requests and findings with how far the customer's answer has got."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from core.contract import site_clock
from core.contract.views import FindingLine, JobCard
from core.display.rules import escalation, overrun_level
from core.domain.vocabulary import FindingState, Severity
from kiosk.screen import Screen, duration

LEVEL_CLASS = {"normal": "text-white", "near": "text-amber-400", "over": "text-red-500"}
# The clock shows minutes; while one runs on the shown job it is painted again this
# often, so a minute turns over at most this late. Nothing else on the kiosk runs on time:
# the rest changes only when the link brings news.
CLOCK_EVERY = 5.0


def job_card(screen: Screen, card: JobCard) -> None:
    """The car and its clock: what a technician checks before a tap, above the buttons."""
    t = screen.t
    with ui.card().classes("w-full bg-gray-900 text-white pb-card border-sky-400"):
        with ui.row().classes("items-center gap-4"):
            ui.label(card.plate).classes("text-5xl font-bold")
            ui.label(card.ro).classes("text-3xl").mark("card-ro")
        car = (card.model, card.colour, t(f"job_type.{card.job_type}"))  # a colour not noted
        ui.label(" · ".join(p for p in car if p)).classes("text-2xl").mark("card-car")
        ui.label(
            f"{t('kiosk.promised')} {screen.hm(card.promised_at)} · "
            f"{t('kiosk.standard')} {card.standard_hours:.1f} {t('kiosk.hours')}"
        ).classes("text-2xl")
        pinned = screen.pinned(card)
        if pinned is not None:
            ui.label(pinned).classes("text-2xl text-amber-400").mark("card-pinned")
        _clock(screen, card)
        if card.working_techs:
            names = ", ".join(
                screen.station.technicians[w].name if w in screen.station.technicians else w
                for w in card.working_techs
            )
            ui.label(f"{t('kiosk.working')}: {names}").classes("text-2xl text-sky-300")


def job_details(screen: Screen, card: JobCard) -> None:
    """The work ordered, the customer's requests and the findings, below the buttons: read
    while working, not needed for a tap."""
    t = screen.t
    with ui.card().classes("w-full bg-gray-900 text-white pb-card border-gray-700"):
        ui.label(t("kiosk.operations")).classes("text-xl text-gray-400")
        for op in card.operations:
            name = op.name if screen.lang == "zh" or not op.name_en else op.name_en
            ui.label(f"• {name} — {op.standard_hours:.1f} {t('kiosk.hours')}").classes("text-2xl")
        if card.requests:
            ui.label(f"{t('kiosk.requests')}: {card.requests}").classes("text-2xl text-amber-200")
        if card.findings:
            ui.label(t("kiosk.findings")).classes("text-xl text-gray-400")
            now = site_clock.now()
            for f in card.findings:
                ui.label(finding_line(screen, f, now)).classes(
                    "text-2xl " + ("text-amber-300" if f.state == FindingState.PENDING else "")
                ).mark("finding-line")


def finding_line(screen: Screen, f: FindingLine, now: datetime) -> str:
    t = screen.t
    note = t(f"finding_state.{f.state}")
    if f.state == FindingState.DECLINED and f.severity == Severity.SAFETY:
        note = t("kiosk.declined_safety")
    urgency = escalation(now, f.call_at, f.escalate_at)
    if urgency != "none":
        note += f" · {t('kiosk.escalation.' + urgency)}"
    return f"• {f.title} ({t(f'severity.{f.severity}')}) — {note}"


def _clock(screen: Screen, card: JobCard) -> None:
    label = ui.label().mark("elapsed")

    def paint() -> None:
        worked = screen.station.worked_seconds(card, site_clock.now())
        level = overrun_level(worked, card.standard_hours)
        shown = (
            f"{screen.t('kiosk.elapsed')} {duration(worked)} / {screen.t('kiosk.standard')} "
            f"{duration(card.standard_hours * 3600)}"
        )
        if label.text != shown or label.props.get("data-level") != level:
            label.set_text(shown)
            label.classes(replace="text-4xl font-mono " + LEVEL_CLASS[level])
            label.props(f"data-level={level}")

    paint()
    if card.working_techs:
        ui.timer(CLOCK_EVERY, paint)
