"""The walk-around page (环车检查), at the desk or on a tablet by the car: marks tapped on
the car's outline, fuel and mileage, what was left in the car with the valuables reminder,
the papers received, and the customer's signature drawn on the screen. Advisors and
managers record it; saved, the customer's copy of the repair order prints."""

from __future__ import annotations

from nicegui import events, ui

from board.auth import require
from board.car_outline import HEIGHT, WIDTH, outline_url, zone_at
from board.desk_common import Desk
from board.frame import TAB_TITLE, frame, language, tab_title
from board.live import STATIC_URL
from board.source import BoardSource
from core.commands import RecordWalkAround
from core.display.texts import Texts
from core.domain.model import OPEN_STATUSES, DamageMark, Job, WalkAroundSheet
from core.domain.vocabulary import FUEL_LEVELS, CarDocument, CarZone, MarkKind, StaffRole

#: Who records a walk-around: the advisors who take cars in, and their manager.
RECORDERS = (StaffRole.ADVISOR, StaffRole.MANAGER)
PAD_WIDTH, PAD_HEIGHT = 480, 160


def walkaround_path(ro: str) -> str:
    return f"/orders/{ro}/walkaround"


class WalkAroundForm:
    """The sheet being filled in; saved as one command when the customer has signed."""

    def __init__(self, desk: Desk, job: Job) -> None:
        self.desk = desk
        self.t = desk.t
        self.ro = job.ro
        self.marks: list[DamageMark] = []
        self.signature = ""
        with ui.row().classes("w-full items-start gap-6"):
            with ui.card().classes("gap-2"):
                self._outline()
            with ui.column().classes("gap-3 w-[32rem]"):
                self._readings(job)
                self._belongings()
                self._signature_pad()
                ui.button(self.t("walk.save"), on_click=self.save).classes("w-full").mark(
                    "walk-save"
                )

    # ------------------------------------------------------------- the outline
    def _outline(self) -> None:
        t = self.t
        ui.label(t("walk.marks")).classes("font-semibold")
        ui.label(t("walk.front")).classes("text-xs text-slate-500 self-center")
        self.outline = (
            ui.interactive_image(
                outline_url(()), size=(WIDTH, HEIGHT), on_mouse=self.tap, events=["click"]
            )
            .classes(f"w-[{WIDTH}px]")
            .mark("walk-outline")
        )
        with ui.row().classes("items-end gap-2"):
            self.kind = (
                ui.select(
                    {k.value: t(f"mark.{k.value}") for k in MarkKind},
                    value=MarkKind.SCRATCH.value,
                    label=t("walk.kind"),
                )
                .classes("w-24")
                .mark("walk-kind")
            )
            self.zone = (
                ui.select({z.value: t(f"zone.{z.value}") for z in CarZone}, label=t("walk.zone"))
                .classes("w-36")
                .mark("walk-zone")
            )
            self.note = ui.input(t("walk.note")).classes("w-32").mark("walk-note")
        ui.button(t("walk.add_mark"), on_click=self.add_mark).props("outline dense").mark(
            "walk-add"
        )
        self.listed = ui.column().classes("gap-1").mark("walk-marks")
        self._list_marks()

    def tap(self, e: events.MouseEventArguments) -> None:
        """A tap on a panel picks it; the advisor then adds the mark of the kind chosen."""
        zone = zone_at(e.image_x, e.image_y)
        if zone is not None:
            self.zone.value = zone.value
            self._redraw()

    def add_mark(self) -> None:
        if not self.zone.value:
            ui.notify(self.t("walk.zone"), type="warning")
            return
        note = (self.note.value or "").strip()
        self.marks.append(DamageMark(MarkKind(self.kind.value), CarZone(self.zone.value), note))
        self.note.value = ""
        self._redraw()

    def remove(self, n: int) -> None:
        del self.marks[n]
        self._redraw()

    def _redraw(self) -> None:
        chosen = CarZone(self.zone.value) if self.zone.value else None
        self.outline.set_source(outline_url(self.marks, chosen))
        self._list_marks()

    def _list_marks(self) -> None:
        t = self.t
        self.listed.clear()
        with self.listed:
            if not self.marks:
                ui.label(t("walk.no_marks")).classes("text-slate-500").mark("walk-no-marks")
            for n, mark in enumerate(self.marks):
                with ui.row().classes("items-center gap-2"):
                    ui.label(mark_words(t, n + 1, mark)).mark(f"walk-mark-{n + 1}")
                    ui.button(t("walk.remove"), on_click=lambda n=n: self.remove(n)).props(
                        "flat dense"
                    ).mark(f"walk-remove-{n + 1}")

    # ------------------------------------------------------------- the rest of the sheet
    def _readings(self, job: Job) -> None:
        t = self.t
        with ui.row().classes("items-center gap-4"):
            ui.label(t("walk.fuel"))
            fuel = job.vehicle.fuel_level if job.vehicle.fuel_level in FUEL_LEVELS else "1/2"
            self.fuel = ui.toggle({f: t(f"fuel.{f}") for f in FUEL_LEVELS}, value=fuel).mark(
                "walk-fuel"
            )
        self.mileage = ui.number(
            t("walk.mileage"), value=job.vehicle.mileage_km, min=0, format="%d"
        ).mark("walk-mileage")

    def _belongings(self) -> None:
        t = self.t
        self.belongings = (
            ui.textarea(t("walk.belongings"), placeholder=t("walk.belongings_hint"))
            .classes("w-full")
            .props("autogrow")
            .mark("walk-belongings")
        )
        ui.label(t("walk.reminder")).classes("text-amber-700 text-sm")
        self.reminded = ui.checkbox(t("walk.reminded")).mark("walk-reminded")
        ui.label(t("walk.documents")).classes("font-semibold")
        with ui.row().classes("gap-2"):
            self.papers = {
                d: ui.checkbox(t(f"car_document.{d.value}")).mark(f"walk-doc-{d.value}")
                for d in CarDocument
            }

    def _signature_pad(self) -> None:
        t = self.t
        ui.label(t("walk.signature")).classes("font-semibold")
        self.pad = (
            ui.element("canvas")
            .props(f"width={PAD_WIDTH} height={PAD_HEIGHT}")
            .classes("signature-pad border-2 border-slate-400 rounded bg-white")
            .style(f"touch-action: none; width: {PAD_WIDTH}px; height: {PAD_HEIGHT}px")
            .mark("signature-pad")
        )
        self.pad.on("signed", self.signed, args=["detail"])
        with ui.row().classes("items-center gap-4"):
            clear = f'() => document.getElementById("c{self.pad.id}")'
            ui.button(t("walk.clear")).props("flat dense").on(
                "click", js_handler=clear + '.dispatchEvent(new Event("clear-signature"))'
            ).mark("walk-clear")
            self.signed_note = ui.label("").classes("text-positive").mark("walk-signed")

    def signed(self, e: events.GenericEventArguments) -> None:
        """What the pad shows after a stroke (or nothing, cleared)."""
        self.signature = str((e.args or {}).get("detail") or "")
        self.signed_note.text = "✓" if self.signature else ""

    def sheet(self) -> WalkAroundSheet:
        lines = (self.belongings.value or "").replace("、", "\n").splitlines()
        return WalkAroundSheet(
            marks=tuple(self.marks),
            fuel_level=str(self.fuel.value or ""),
            mileage_km=int(self.mileage.value),
            belongings=tuple(x.strip() for x in lines if x.strip()),
            valuables_reminded=bool(self.reminded.value),
            documents=tuple(d for d, box in self.papers.items() if box.value),
            signature=self.signature,
        )

    def save(self) -> None:
        t = self.t
        if self.mileage.value is None:
            ui.notify(t("walk.bad_mileage"), type="warning")
            return
        if not self.signature:
            ui.notify(t("walk.unsigned"), type="warning")
            return
        if self.desk.run(RecordWalkAround(self.ro, self.sheet())) is None:
            return
        ui.notify(t("walk.saved"), type="positive")
        ui.navigate.to(f"/orders/{self.ro}")


def mark_words(t: Texts, n: int, mark: DamageMark) -> str:
    """ "1 左前门 划痕 约10厘米": the number the outline shows, where, what, the note."""
    parts = (str(n), t(f"zone.{mark.zone.value}"), t(f"mark.{mark.kind.value}"), mark.note)
    return " ".join(p for p in parts if p)


def register_walkaround(source: BoardSource) -> None:
    config = source.config

    @ui.page("/orders/{ro}/walkaround", title=TAB_TITLE)
    def walkaround_page(ro: str) -> None:
        user = require(walkaround_path(ro), *RECORDERS)
        if user is None:
            return
        t = frame(config, user, "walk.open")
        job = source.job(ro)
        if job is None or job.status not in OPEN_STATUSES:
            ui.label(t("order.unknown")).mark("unknown-order")
            return
        ui.page_title(tab_title(t("walk.title", ro=ro)))
        ui.add_head_html(f'<script src="{STATIC_URL}/signature.js"></script>')
        ui.label(t("walk.title", ro=ro)).classes("text-2xl")
        car = f"{job.vehicle.plate} · {job.vehicle.model} {job.vehicle.colour}".strip()
        with ui.row().classes("items-center gap-4"):
            ui.label(car)
            ui.link(t("walk.back"), f"/orders/{ro}").mark("walk-back")
        WalkAroundForm(Desk(source, user, t, language(config)), job)
