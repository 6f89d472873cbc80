"""One repair order's whole story, for settling disputes, and the foreman's clock corrections."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from nicegui import ui

from board.auth import actor, require
from board.frame import TAB_TITLE, frame, language, tab_title
from board.order_checks import checks_section
from board.source import BoardSource
from board.table_words import worded
from board.walkaround_view import walkaround_section
from board.words import Words
from core.commands import AdjustClock, Command, InsertPause, MoveClock
from core.display.rules import stage_of
from core.display.texts import Lang, Texts, refusal
from core.domain.errors import DomainError
from core.domain.model import Job, PauseReason, Segment
from core.domain.vocabulary import StaffRole


def _at(day: datetime, hhmm: str) -> datetime:
    """A local HH:MM on the day of ``day`` (the correction dialog's time fields)."""
    hour, minute = (int(x) for x in hhmm.strip().split(":"))
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def correction(
    ro: str,
    mode: str,
    seg: Segment,
    day: datetime,
    start: str,
    end: str,
    pause_reason: str,
    to_ro: str,
    reason: str,
) -> Command:
    """The command for what the foreman filled in; ValueError for a time that is not HH:MM."""
    if mode == "move":
        return MoveClock(ro, seg.tech, seg.start, (to_ro or "").strip(), reason or "")
    first, last = _at(day, start), _at(day, end)
    if last < first:
        last += timedelta(days=1)  # a stretch over midnight
    if mode == "pause":
        return InsertPause(
            ro, seg.tech, seg.start, first, last, PauseReason(pause_reason), reason or ""
        )
    return AdjustClock(ro, seg.tech, seg.start, first, last if seg.end else None, reason or "")


def register_orders(source: BoardSource) -> None:
    config = source.config

    @ui.page("/orders/{ro}", title=TAB_TITLE)
    def order_page(ro: str) -> None:
        user = require(f"/orders/{ro}", *StaffRole)  # every signed-in role
        if user is None:
            return
        t = frame(config, user, "order.timeline")
        job = source.job(ro)
        if job is None:
            ui.label(t("order.unknown")).mark("unknown-order")
            return
        ui.page_title(tab_title(t("order.title", ro=ro)))
        page = OrderPage(source, user, t, language(config), job)
        page.header()
        walkaround_section(page)
        checks_section(page)
        page.timeline()
        page.clocks()


class OrderPage:
    """One repair order: the car and its stage, the audit log of everything that happened
    to it, and its clock record, which the foreman and the manager may correct."""

    def __init__(
        self, source: BoardSource, user: dict[str, Any], t: Texts, lang: Lang, job: Job
    ) -> None:
        self.source = source
        self.zone = source.config.zone
        self.user = user
        self.t = t
        self.lang = lang
        self.job = job
        self.ro = job.ro
        self.words = Words(source.config, lang)

    def header(self) -> None:
        t, job = self.t, self.job
        ui.label(t("order.title", ro=self.ro)).classes("text-2xl")
        ui.label(f"{job.vehicle.plate} · {job.vehicle.model} {job.vehicle.colour}")
        stage = stage_of(job.status.value)
        if stage is not None:
            ui.label(f"{t('order.stage')}: {t('stage.' + stage)}").mark("order-stage")

    def timeline(self) -> None:
        ui.label(self.t("order.timeline")).classes("text-lg mt-4")
        rows = [
            {
                "at": e["at"].astimezone(self.zone).strftime("%m-%d %H:%M:%S"),
                "type": e["type"],
                "what": self.event_name(e["type"]),
                "source": self.words.source(e["source"]),
                "bay": self.words.bay(e["bay"]),
                "detail": self.words.detail(e["type"], e["payload"], e["at"]),
            }
            for e in self.source.timeline(self.ro)
        ]
        worded(
            ui.table(
                columns=[
                    {
                        "name": k,
                        "label": self.t(f"order.{k}"),
                        "field": "what" if k == "type" else k,
                        "align": "left",
                    }
                    for k in ("at", "type", "source", "bay", "detail")
                ],
                rows=rows,
                pagination=50,
            ),
            self.t,
        ).classes("w-full").mark("timeline")

    def event_name(self, type_: str) -> str:
        """A line of the timeline in words: the event's name, a print's document; a type
        with no words of its own shows as itself."""
        kind, _, what = type_.partition(".")
        if kind == "print" and what not in ("done", "failed"):
            return self.t("order.print", document=self.t(f"document.{what}"))
        key = f"event.{type_}"
        name = self.t(key)
        return type_ if name == key else name

    def clocks(self) -> None:
        t, zone = self.t, self.zone
        ui.label(t("order.clocks")).classes("text-lg mt-4")
        may_correct = self.user["role"] in (StaffRole.FOREMAN, StaffRole.MANAGER)
        for seg in self.job.segments:
            end = seg.end.astimezone(zone).strftime("%H:%M") if seg.end else "…"
            with ui.row().classes("items-center gap-4"):
                kind = t(f"order.segment.{seg.kind}")
                label = f"{seg.tech} · {kind} · {seg.start.astimezone(zone):%H:%M}–{end}"
                if seg.reason:
                    label += f" · {t('pause.' + seg.reason)}"
                ui.label(label).classes("font-mono")
                if may_correct and seg.kind == "work":
                    ui.button(t("correct.title"), on_click=lambda s=seg: self.correct(s)).props(
                        "dense flat"
                    ).mark(f"correct-{seg.tech}-{seg.start.astimezone(zone):%H%M}")

    def correct(self, seg: Segment) -> None:
        CorrectionDialog(self, seg)


class CorrectionDialog:
    """The foreman's correction of one stretch of work: new times, a forgotten pause put
    in, or the stretch moved to the right repair order; always with a reason."""

    def __init__(self, page: OrderPage, seg: Segment) -> None:
        self.page = page
        self.seg = seg
        self.day = seg.start.astimezone(page.zone)
        with ui.dialog() as self.dialog, ui.card().classes("w-[28rem]"):
            self._fields()
            ui.button(page.t("correct.title"), on_click=self.apply).mark("correct-apply")
        self.dialog.open()

    def _fields(self) -> None:
        t, seg, zone = self.page.t, self.seg, self.page.zone
        ui.label(t("correct.title")).classes("text-lg")
        self.mode = ui.toggle(
            {
                "adjust": t("correct.adjust"),
                "pause": t("correct.pause"),
                "move": t("correct.move"),
            },
            value="adjust",
        ).mark("correct-mode")
        self.start = ui.input(t("correct.start"), value=f"{self.day:%H:%M}").mark("correct-start")
        end_default = (
            seg.end.astimezone(zone) if seg.end else self.page.source.now().astimezone(zone)
        )
        self.end = ui.input(t("correct.end"), value=f"{end_default:%H:%M}").mark("correct-end")
        self.pause_reason = ui.select(
            {r.value: t("pause." + r.value) for r in PauseReason},
            value=PauseReason.BREAK.value,
        ).mark("correct-pause-reason")
        self.to_ro = ui.input(t("correct.to_ro")).mark("correct-to")
        self.reason = ui.input(t("correct.reason")).mark("correct-reason")
        self.pause_reason.bind_visibility_from(self.mode, "value", value="pause")
        self.to_ro.bind_visibility_from(self.mode, "value", value="move")

    def apply(self) -> None:
        page = self.page
        try:
            command = correction(
                page.ro,
                self.mode.value,
                self.seg,
                self.day,
                self.start.value,
                self.end.value,
                self.pause_reason.value,
                self.to_ro.value,
                self.reason.value,
            )
            page.source.run(command, actor(page.user))
        except DomainError as err:
            ui.notify(refusal(err.code, err.message, page.lang), type="negative")
            return
        except ValueError:  # a time that is not HH:MM
            ui.notify(page.t("correct.bad_time"), type="negative")
            return
        ui.notify(page.t("correct.done"), type="positive")
        self.dialog.close()
        ui.navigate.reload()
