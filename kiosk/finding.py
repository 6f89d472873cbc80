"""Reporting an add-on finding: typed, or picked from the catalogue with its severity,
hours and parts estimate filled in."""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import ui

from core.catalogue import CatalogueFinding
from core.catalogue import findings as finding_catalogue
from core.contract.views import JobCard
from core.domain.vocabulary import Severity
from kiosk.dialogs import framed, ok_or_cancel, refuse_empty
from kiosk.screen import BIG, Screen
from kiosk.station import SEVERITIES

CHOICES = 12  # catalogue buttons on one screen


@dataclass
class FindingForm:
    title: ui.input
    severity: dict[str, ui.button]
    hours: ui.number
    parts: ui.number
    note: ui.input
    chosen: str = Severity.RECOMMENDED

    def set_severity(self, value: str) -> None:
        self.chosen = value
        for key, b in self.severity.items():
            b.props(f"color={'primary' if key == value else 'grey-8'}")

    def pick(self, item: CatalogueFinding, lang: str) -> None:
        self.title.set_value(item.title_zh if lang == "zh" else item.title_en)
        self.set_severity(item.default_severity)
        self.hours.set_value(item.labor_hours)
        self.parts.set_value(item.parts_estimate_cny)
        # On a short screen the fields are below the presets: what the tap filled in (the
        # severity above all) comes into sight before it is reported.
        into_sight = "{block: 'start', behavior: 'smooth'}"
        ui.run_javascript(f"getHtmlElement({self.title.id}).scrollIntoView({into_sight})")


def report_finding(screen: Screen, card: JobCard, tech: str) -> None:
    dialog = screen.form
    with framed(dialog, f"{screen.t('kiosk.finding')} · {card.ro}", "w-[960px] max-w-full"):
        # The usual findings first, one tap each for a gloved hand; they fill the fields.
        presets = ui.grid(columns=3).classes("gap-2 w-full")
        form = _fields(screen)
        _catalogue(screen, form, presets)

        def submit() -> bool:
            if not (form.title.value or "").strip():
                return refuse_empty(screen)
            sent = screen.act(
                lambda s: s.finding(
                    card.ro,
                    tech,
                    form.title.value,
                    form.chosen,
                    float(form.hours.value or 0),
                    float(form.parts.value or 0),
                    form.note.value or "",
                )
            )
            return sent is not None

        ok_or_cancel(screen, dialog, screen.t("kiosk.report"), submit, "finding-submit")


def _fields(screen: Screen) -> FindingForm:
    t = screen.t
    title = ui.input(t("kiosk.finding_title")).props("dark outlined").classes("text-2xl w-full")
    title.mark("finding-title")
    severity: dict[str, ui.button] = {}
    with ui.row().classes("gap-3"):
        ui.label(t("kiosk.severity")).classes("text-2xl self-center")
        for sev in SEVERITIES:
            severity[sev] = ui.button(t(f"severity.{sev}")).classes(BIG).mark(f"severity-{sev}")
    with ui.row().classes("gap-4"):
        hours = ui.number(t("kiosk.labor_hours"), value=0.5, min=0, step=0.1, format="%.1f")
        hours.props("dark outlined").classes("text-2xl w-48").mark("labor-hours")
        parts = ui.number(t("kiosk.parts_estimate"), value=0, min=0, step=10, format="%.0f")
        parts.props("dark outlined").classes("text-2xl w-48").mark("parts")
    note = ui.input(t("kiosk.note")).props("dark outlined").classes("w-full").mark("note")
    form = FindingForm(title, severity, hours, parts, note)
    for sev, b in severity.items():
        b.on_click(lambda v=sev: form.set_severity(v))
    form.set_severity(form.chosen)
    return form


def _catalogue(screen: Screen, form: FindingForm, presets: ui.grid) -> None:
    """The usual findings, one tap each, in ``presets``."""
    with presets:
        for item in list(finding_catalogue().values())[:CHOICES]:
            label = item.title_zh if screen.lang == "zh" else item.title_en
            ui.button(label, on_click=lambda f=item: form.pick(f, screen.lang)).props(
                "no-caps outline"
            ).classes("text-xl min-h-[72px]").mark(f"catalogue-{item.code}")
