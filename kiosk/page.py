"""The kiosk screen: big targets for gloved hands, readable from two metres, two languages.

All state lives in the Station; this module draws it and turns taps into Station actions.
The screen redraws when the station's ``version`` moves (the MQTT thread never touches
the UI), and the running clock ticks once a second in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nicegui import ui

from core.catalogue import findings as finding_catalogue
from core.contract.views import JobCard
from kiosk.station import PAUSE_REASONS, SEVERITIES, Station
from kiosk.texts import Lang, error_text, text

BIG = "text-2xl min-h-[72px] min-w-[120px] px-6"
READINESS_COLOUR = {
    "ready": "positive",
    "in_progress": "primary",
    "paused": "grey-7",
    "waiting_parts": "warning",
    "waiting_approval": "orange-9",
}
LEVEL_CLASS = {"normal": "text-white", "near": "text-amber-400", "over": "text-red-500"}


@dataclass
class Screen:
    """What this screen has chosen: language, acting technician, selected job."""

    lang: Lang
    tech: str | None = None
    job: str | None = None
    seen_version: int = -1
    seen_problem: int = 0


def _hm(ts: datetime | None, station: Station) -> str:
    return ts.astimezone(station.config.zone).strftime("%H:%M") if ts else "—"


def _duration(seconds: float) -> str:
    m = int(seconds // 60)
    return f"{m // 60}:{m % 60:02d}"


def build(station: Station, lang: Lang | None = None) -> None:
    """Draw the kiosk for ``station`` into the current page."""
    screen = Screen(lang=lang or station.config.site.language)
    ui.query("body").classes("bg-gray-950 text-white")
    ui.add_css(
        ".q-btn { border-radius: 10px; text-transform: none } .pb-card { border: 2px solid #555 }"
    )

    def t(key: str, **params: object) -> str:
        return text(key, screen.lang, **params)

    def acting() -> str | None:
        present = [p.id for p in station.present()]
        if screen.tech not in present:
            screen.tech = present[-1] if present else None
        return screen.tech

    def selected() -> JobCard | None:
        jobs = station.jobs()
        if screen.job is not None and station.job(screen.job) is None:
            screen.job = None
        if screen.job is None and jobs:
            tech = acting()
            mine = station.active_job(tech) if tech else None
            screen.job = mine if mine and station.job(mine) else jobs[0].ro
        return station.job(screen.job) if screen.job else None

    # ---------------------------------------------------------------- dialogs
    # Built once, outside the redrawn area, so an update never closes an open dialog.
    signin_dialog = ui.dialog().props("persistent")
    pause_dialog = ui.dialog()
    finding_dialog = ui.dialog().props("persistent")
    confirm_dialog = ui.dialog()
    qc_dialog = ui.dialog().props("persistent")

    def open_signin() -> None:
        signin_dialog.clear()
        with signin_dialog, ui.card().classes("p-6 bg-gray-900 text-white"):
            ui.label(t("sign_in")).classes("text-3xl")
            code = ui.input(t("pin")).props("dark outlined type=password autofocus")
            code.classes("text-3xl w-80").mark("pin")
            with ui.grid(columns=3).classes("gap-2"):
                for key in "123456789":
                    ui.button(key, on_click=lambda k=key: code.set_value((code.value or "") + k))
                ui.button("⌫", on_click=lambda: code.set_value((code.value or "")[:-1]))
                ui.button("0", on_click=lambda: code.set_value((code.value or "") + "0"))
                ok = ui.button("OK").props("color=positive").mark("pin-ok")
            for b in signin_dialog.descendants():
                if isinstance(b, ui.button):
                    b.classes("text-3xl w-24 h-20")

            def submit() -> None:
                tech = station.identify(code.value or "")
                if tech is None:
                    ui.notify(t("unknown_badge"), type="negative", position="center")
                    code.set_value("")
                    return
                arrive(tech.id)
                signin_dialog.close()

            ok.on_click(submit)
            code.on("keydown.enter", submit)
            ui.button(t("cancel"), on_click=signin_dialog.close).props("flat").classes(BIG)
        signin_dialog.open()

    def arrive(tech: str) -> None:
        if tech not in [p.id for p in station.present()]:
            station.sign_in(tech)
            saved()
        screen.tech = tech
        redraw()

    def open_pause(card: JobCard, tech: str) -> None:
        pause_dialog.clear()
        with pause_dialog, ui.card().classes("p-6 bg-gray-900 text-white"):
            ui.label(f"{t('pause_reason')} · {card.ro}").classes("text-3xl")
            with ui.grid(columns=2).classes("gap-3"):
                for reason in PAUSE_REASONS:

                    def choose(r: str = reason) -> None:
                        station.pause(card.ro, tech, r)
                        pause_dialog.close()
                        saved()

                    ui.button(t(f"reason.{reason}"), on_click=choose).classes(BIG + " w-64").mark(
                        f"reason-{reason}"
                    )
            ui.button(t("cancel"), on_click=pause_dialog.close).props("flat").classes(BIG)
        pause_dialog.open()

    def open_finding(card: JobCard, tech: str) -> None:
        finding_dialog.clear()
        catalogue = list(finding_catalogue().values())
        chosen: dict[str, Any] = {"severity": "recommended"}
        with finding_dialog, ui.card().classes("p-6 bg-gray-900 text-white w-[960px] max-w-full"):
            ui.label(f"{t('finding')} · {card.ro}").classes("text-3xl")
            title = ui.input(t("finding_title")).props("dark outlined").classes("text-2xl w-full")
            title.mark("finding-title")
            severity_buttons: dict[str, ui.button] = {}

            def set_severity(value: str) -> None:
                chosen["severity"] = value
                for key, b in severity_buttons.items():
                    b.props(f"color={'primary' if key == value else 'grey-8'}")

            with ui.row().classes("gap-3"):
                ui.label(t("severity")).classes("text-2xl self-center")
                for sev in SEVERITIES:
                    severity_buttons[sev] = (
                        ui.button(t(f"severity.{sev}"), on_click=lambda v=sev: set_severity(v))
                        .classes(BIG)
                        .mark(f"severity-{sev}")
                    )
            set_severity("recommended")
            with ui.row().classes("gap-4"):
                hours = ui.number(t("labor_hours"), value=0.5, min=0, step=0.1, format="%.1f")
                hours.props("dark outlined").classes("text-2xl w-48").mark("labor-hours")
                parts = ui.number(t("parts_estimate"), value=0, min=0, step=10, format="%.0f")
                parts.props("dark outlined").classes("text-2xl w-48").mark("parts")
            note = ui.input(t("note")).props("dark outlined").classes("w-full").mark("note")
            with ui.grid(columns=3).classes("gap-2 w-full"):
                for item in catalogue[:12]:

                    def pick(f: Any = item) -> None:
                        title.set_value(f.title_zh if screen.lang == "zh" else f.title_en)
                        set_severity(f.default_severity)
                        hours.set_value(f.labor_hours)
                        parts.set_value(f.parts_estimate_cny)

                    label = item.title_zh if screen.lang == "zh" else item.title_en
                    ui.button(label, on_click=pick).props("no-caps outline").classes(
                        "text-xl min-h-[64px]"
                    ).mark(f"catalogue-{item.code}")

            def submit() -> None:
                if not (title.value or "").strip():
                    ui.notify(t("error.invalid_data"), type="negative", position="center")
                    return
                station.finding(
                    card.ro,
                    tech,
                    title.value,
                    str(chosen["severity"]),
                    float(hours.value or 0),
                    float(parts.value or 0),
                    note.value or "",
                )
                finding_dialog.close()
                saved()

            with ui.row().classes("gap-4"):
                ui.button(t("report"), on_click=submit).props("color=positive").classes(BIG).mark(
                    "finding-submit"
                )
                ui.button(t("cancel"), on_click=finding_dialog.close).props("flat").classes(BIG)
        finding_dialog.open()

    def open_confirm(message: str, action: Any) -> None:
        confirm_dialog.clear()
        with confirm_dialog, ui.card().classes("p-6 bg-gray-900 text-white"):
            ui.label(message).classes("text-3xl max-w-[720px]")

            def go() -> None:
                action()
                confirm_dialog.close()
                saved()

            with ui.row().classes("gap-4"):
                ui.button(t("confirm"), on_click=go).props("color=positive").classes(BIG).mark(
                    "confirm"
                )
                ui.button(t("cancel"), on_click=confirm_dialog.close).props("flat").classes(BIG)
        confirm_dialog.open()

    def open_qc_fail(card: JobCard, tech: str) -> None:
        qc_dialog.clear()
        with qc_dialog, ui.card().classes("p-6 bg-gray-900 text-white"):
            ui.label(f"{t('qc_fail')} · {card.ro}").classes("text-3xl")
            items = (
                ui.textarea(t("qc_fail_items"))
                .props("dark outlined")
                .classes("text-2xl w-[640px] max-w-full")
            )
            items.mark("qc-items")

            def submit() -> None:
                lines = [x for x in (items.value or "").splitlines() if x.strip()]
                if not lines:
                    ui.notify(t("error.invalid_data"), type="negative", position="center")
                    return
                station.qc_fail(card.ro, tech, lines)
                qc_dialog.close()
                saved()

            with ui.row().classes("gap-4"):
                ui.button(t("qc_fail_confirm"), on_click=submit).props("color=negative").classes(
                    BIG
                ).mark("qc-fail-submit")
                ui.button(t("cancel"), on_click=qc_dialog.close).props("flat").classes(BIG)
        qc_dialog.open()

    def saved() -> None:
        ui.notify(t("saved"), type="info", position="top", timeout=1200)
        redraw()

    # ---------------------------------------------------------------- scanner
    def scanned(value: str) -> None:
        value = value.strip()
        if not value:
            return
        if station.job(value.upper()) is not None:
            screen.job = value.upper()
            redraw()
            return
        tech = station.identify(value)
        if tech is not None:
            arrive(tech.id)
            return
        ui.notify(t("unknown_job_scan", ro=value), type="warning", position="center")

    # ---------------------------------------------------------------- drawing
    @ui.refreshable
    def body() -> None:
        now = datetime.now(UTC)
        with ui.row().classes("w-full items-center gap-6"):
            ui.label(f"{station.bay_name} · {station.bay}").classes("text-4xl font-bold")
            online = station.online
            ui.label(t("online") if online else t("offline")).classes(
                "text-2xl px-3 rounded " + ("bg-green-800" if online else "bg-red-700")
            ).mark("link-state")
            unsent = station.unsent()
            ui.label(t("unsent", n=len(unsent)) if unsent else t("all_sent")).classes(
                "text-2xl " + ("text-amber-400" if unsent else "text-gray-400")
            ).mark("unsent")
            ui.space()
            ui.button(t("language"), on_click=toggle_lang).props("outline").classes(
                "text-xl min-h-[64px]"
            ).mark("language")

        scan = (
            ui.input(placeholder=t("scan_hint"))
            .props('dark outlined autofocus input-style="font-size: 28px"')
            .classes("w-full")
        )
        scan.mark("scan")

        def on_scan() -> None:
            value = scan.value or ""
            scan.set_value("")
            scanned(value)

        scan.on("keydown.enter", on_scan)

        tech = acting()
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(t("signed_in")).classes("text-2xl text-gray-300")
            present = station.present()
            if not present:
                ui.label(t("nobody")).classes("text-2xl text-amber-400")
            for p in present:
                is_acting = p.id == tech
                ui.button(
                    f"{p.name}" + (" ✓" if is_acting else ""),
                    on_click=lambda pid=p.id: choose_tech(pid),
                ).props("color=" + ("primary" if is_acting else "grey-8")).classes(BIG).mark(
                    f"tech-{p.id}"
                )
            ui.button(t("sign_in"), on_click=open_signin).props("color=positive").classes(BIG).mark(
                "sign-in"
            )
            if tech is not None:
                ui.button(
                    f"{t('sign_out')} {station.technicians[tech].name}",
                    on_click=lambda: leave(tech),
                ).props("outline color=grey-4").classes(BIG).mark("sign-out")

        for problem in list(station.problems)[:3]:
            what = text(f"event.{problem.type}", screen.lang)
            ui.label(
                f"✗ {what} {problem.job or ''} {t('rejected')}: "
                f"{error_text(problem.code, screen.lang)}"
            ).classes("text-2xl text-red-400").mark("problem")

        card = selected()
        with ui.row().classes("w-full gap-6 no-wrap items-start"):
            with ui.column().classes("w-1/3 gap-3"):
                ui.label(t("queue")).classes("text-2xl text-gray-300")
                jobs = station.jobs()
                if not jobs:
                    ui.label(t("no_jobs")).classes("text-2xl text-gray-400")
                for job in jobs:
                    queue_item(job, job.ro == (card.ro if card else None))
            with ui.column().classes("w-2/3 gap-3"):
                if card is None:
                    ui.label(t("pick_job")).classes("text-3xl text-gray-400")
                else:
                    job_detail(card, tech, now)

    def queue_item(job: JobCard, is_selected: bool) -> None:
        border = "border-sky-400" if is_selected else "border-gray-700"
        with (
            ui.card()
            .classes(f"w-full bg-gray-900 text-white pb-card {border} cursor-pointer")
            .on("click", lambda ro=job.ro: choose_job(ro))
            .mark(f"job-{job.ro}")
        ):
            with ui.row().classes("items-center gap-3"):
                ui.label(job.plate).classes("text-3xl font-bold")
                ui.badge(t(job.readiness), color=READINESS_COLOUR[job.readiness]).classes(
                    "text-xl"
                ).mark("readiness")
                if job.rework_count:
                    ui.badge(f"{t('rework')} ×{job.rework_count}", color="negative").classes(
                        "text-xl"
                    )
            ui.label(f"{job.ro} · {job.model} {job.colour}").classes("text-xl text-gray-300")
            ui.label(f"{t('promised')} {_hm(job.promised_at, station)}").classes("text-xl")
            pending = station.pending_for(job.ro)
            if pending:
                ui.label(t("pending_tap", what=text(f"event.{pending}", screen.lang))).classes(
                    "text-xl text-amber-400"
                )

    def job_detail(card: JobCard, tech: str | None, now: datetime) -> None:
        with ui.card().classes("w-full bg-gray-900 text-white pb-card border-sky-400"):
            with ui.row().classes("items-center gap-4"):
                ui.label(card.plate).classes("text-5xl font-bold")
                ui.label(card.ro).classes("text-3xl").mark("card-ro")
            ui.label(f"{card.model} · {card.colour}").classes("text-2xl")
            ui.label(
                f"{t('promised')} {_hm(card.promised_at, station)} · "
                f"{t('standard')} {card.standard_hours:.1f} {t('hours')}"
            ).classes("text-2xl")
            worked = station.worked_seconds(card, now)
            clock = ui.label().classes("text-4xl font-mono").mark("elapsed")
            clock_ref["label"], clock_ref["card"] = clock, card
            paint_clock(clock, card, worked)
            if card.working_techs:
                names = ", ".join(
                    station.technicians[w].name if w in station.technicians else w
                    for w in card.working_techs
                )
                ui.label(f"{t('working')}: {names}").classes("text-2xl text-sky-300")
            ui.label(t("operations")).classes("text-xl text-gray-400")
            for op in card.operations:
                name = op.name if screen.lang == "zh" or not op.name_en else op.name_en
                ui.label(f"• {name} — {op.standard_hours:.1f} {t('hours')}").classes("text-2xl")
            if card.requests:
                ui.label(f"{t('requests')}: {card.requests}").classes("text-2xl text-amber-200")
            if card.findings:
                ui.label(t("findings")).classes("text-xl text-gray-400")
                for f in card.findings:
                    note = t(f"state.{f.state}")
                    if f.state == "declined" and f.severity == "safety":
                        note = t("declined_safety")
                    waited = datetime.now(UTC)
                    if f.escalate_at and waited >= f.escalate_at:
                        note += f" · {t('escalation.escalate')}"
                    elif f.call_at and waited >= f.call_at:
                        note += f" · {t('escalation.call')}"
                    ui.label(f"• {f.title} ({t(f'severity.{f.severity}')}) — {note}").classes(
                        "text-2xl " + ("text-amber-300" if f.state == "pending" else "")
                    ).mark("finding-line")
        actions(card, tech)

    def actions(card: JobCard, tech: str | None) -> None:
        if tech is None:
            ui.label(t("nobody")).classes("text-2xl text-amber-400")
            return
        name = station.technicians[tech].name
        ui.label(f"{t('acting')}: {name}").classes("text-xl text-gray-400")
        with ui.row().classes("gap-4"):
            if station.kind == "qc":
                if card.status == "self_checked":
                    final(
                        "leader_check",
                        "leader_check_confirm",
                        lambda: station.leader_check(card.ro, tech),
                    )
                if card.status == "leader_checked":
                    final("qc_pass", "qc_pass_confirm", lambda: station.qc_pass(card.ro, tech))
                    button(
                        "qc_fail", lambda: open_qc_fail(card, tech), colour="negative", save=False
                    )
                return
            if station.kind == "wash":
                if card.status == "wash_waiting":
                    button("wash_start", lambda: station.wash_start(card.ro, tech))
                if card.status == "washing":
                    final(
                        "wash_done", "wash_done_confirm", lambda: station.wash_done(card.ro, tech)
                    )
                return
            active = station.active_job(tech)
            if active == card.ro:
                button("pause", lambda: open_pause(card, tech), colour="warning", save=False)
            elif tech in card.paused_techs:
                button("resume", lambda: station.resume(card.ro, tech), colour="primary")
            else:
                button("start", lambda: station.start(card.ro, tech), colour="primary")
            button("finding", lambda: open_finding(card, tech), colour="orange-9", save=False)
            if card.status in ("in_progress", "paused") or active == card.ro:
                final("finish", "finish_confirm", lambda: station.self_check(card.ro, tech))

    def final(key: str, question: str, action: Any) -> None:
        """A step that cannot be taken back from the kiosk: asked once more."""
        button(key, lambda: open_confirm(t(question), action), colour="positive", save=False)

    def button(key: str, action: Any, colour: str = "primary", save: bool = True) -> None:
        def run() -> None:
            action()
            if save:
                saved()

        ui.button(t(key), on_click=run).props(f"color={colour}").classes(
            "text-3xl min-h-[96px] min-w-[200px] px-8"
        ).mark(key)

    clock_ref: dict[str, Any] = {}

    def paint_clock(label: ui.label, card: JobCard, worked: float) -> None:
        level = station.overrun_level(card, worked)
        label.set_text(
            f"{t('elapsed')} {_duration(worked)} / {t('standard')} "
            f"{_duration(card.standard_hours * 3600)}"
        )
        label.classes(replace="text-4xl font-mono " + LEVEL_CLASS[level])
        label.props(f"data-level={level}")

    def tick() -> None:
        label, card = clock_ref.get("label"), clock_ref.get("card")
        if label is not None and card is not None and not label.is_deleted:
            paint_clock(label, card, station.worked_seconds(card, datetime.now(UTC)))

    def leave(tech: str) -> None:
        station.sign_out(tech)
        saved()

    def choose_tech(tech: str) -> None:
        screen.tech = tech
        screen.job = None
        redraw()

    def choose_job(ro: str) -> None:
        screen.job = ro
        redraw()

    def toggle_lang() -> None:
        screen.lang = "en" if screen.lang == "zh" else "zh"
        redraw()

    def redraw() -> None:
        screen.seen_version = station.version
        clock_ref.clear()
        body.refresh()

    def watch() -> None:
        if station.problems and station.problems[0].seq != screen.seen_problem:
            newest = station.problems[0]
            screen.seen_problem = newest.seq
            ui.notify(
                f"{text(f'event.{newest.type}', screen.lang)}: "
                f"{error_text(newest.code, screen.lang)}",
                type="negative",
                position="center",
                timeout=6000,
            )
        if station.version != screen.seen_version:
            redraw()

    with ui.column().classes("w-full p-4 gap-4"):
        body()
    screen.seen_version = station.version
    if station.problems:
        screen.seen_problem = station.problems[0].seq
    ui.timer(0.3, watch)
    ui.timer(1.0, tick)


def register(stations: dict[str, Station], prefix: str = "/kiosk") -> None:
    """Serve one kiosk page per bay: ``{prefix}/{bay}``."""

    @ui.page(prefix + "/{bay}")
    def kiosk_page(bay: str) -> None:
        station = stations.get(bay)
        if station is None:
            ui.label(f"no kiosk for bay {bay}").classes("text-3xl")
            return
        build(station)
