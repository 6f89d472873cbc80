"""One repair order's whole story, for settling disputes, and the foreman's clock corrections."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from nicegui import ui

from board.auth import actor, require
from board.frame import frame, language
from board.source import BoardSource
from core.commands import AdjustClock, Command, InsertPause, MoveClock
from core.display.rules import stage_of
from core.display.texts import refusal
from core.domain.errors import DomainError
from core.domain.model import PauseReason, Segment
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
    zone = config.zone

    @ui.page("/orders/{ro}", title="Pitboard · Repair order")
    def order_page(ro: str) -> None:
        user = require(f"/orders/{ro}", *StaffRole)  # every signed-in role
        if user is None:
            return
        t = frame(config, user, "order.timeline")
        lang = language(config)
        job = source.job(ro)
        if job is None:
            ui.label(t("order.unknown")).mark("unknown-order")
            return
        ui.label(t("order.title", ro=ro)).classes("text-2xl")
        ui.label(f"{job.vehicle.plate} · {job.vehicle.model} {job.vehicle.colour}")
        stage = stage_of(job.status.value)
        if stage is not None:
            ui.label(f"{t('order.stage')}: {t('stage.' + stage)}").mark("order-stage")

        ui.label(t("order.timeline")).classes("text-lg mt-4")
        rows = [
            {
                "at": e["at"].astimezone(zone).strftime("%m-%d %H:%M:%S"),
                "type": e["type"],
                "source": e["source"],
                "bay": e["bay"] or "",
                "detail": json.dumps(e["payload"], ensure_ascii=False)[:160],
            }
            for e in source.timeline(ro)
        ]
        ui.table(
            columns=[
                {"name": k, "label": k, "field": k, "align": "left"}
                for k in ("at", "type", "source", "bay", "detail")
            ],
            rows=rows,
            pagination=50,
        ).classes("w-full").mark("timeline")

        ui.label(t("order.clocks")).classes("text-lg mt-4")
        may_correct = user["role"] in (StaffRole.FOREMAN, StaffRole.MANAGER)
        for seg in job.segments:
            end = seg.end.astimezone(zone).strftime("%H:%M") if seg.end else "…"
            with ui.row().classes("items-center gap-4"):
                label = f"{seg.tech} · {seg.kind} · {seg.start.astimezone(zone):%H:%M}–{end}"
                if seg.reason:
                    label += f" · {t('pause.' + seg.reason)}"
                ui.label(label).classes("font-mono")
                if may_correct and seg.kind == "work":
                    ui.button(t("correct.title"), on_click=lambda s=seg: correct(s)).props(
                        "dense flat"
                    ).mark(f"correct-{seg.tech}-{seg.start.astimezone(zone):%H%M}")

        def correct(seg: Segment) -> None:
            day = seg.start.astimezone(zone)
            with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
                ui.label(t("correct.title")).classes("text-lg")
                mode = ui.toggle(
                    {
                        "adjust": t("correct.adjust"),
                        "pause": t("correct.pause"),
                        "move": t("correct.move"),
                    },
                    value="adjust",
                ).mark("correct-mode")
                start = ui.input(t("correct.start"), value=f"{day:%H:%M}").mark("correct-start")
                end_default = seg.end.astimezone(zone) if seg.end else source.now().astimezone(zone)
                end = ui.input(t("correct.end"), value=f"{end_default:%H:%M}").mark("correct-end")
                pause_reason = ui.select(
                    {r.value: t("pause." + r.value) for r in PauseReason},
                    value=PauseReason.BREAK.value,
                ).mark("correct-pause-reason")
                to_ro = ui.input(t("correct.to_ro")).mark("correct-to")
                reason = ui.input(t("correct.reason")).mark("correct-reason")
                pause_reason.bind_visibility_from(mode, "value", value="pause")
                to_ro.bind_visibility_from(mode, "value", value="move")

                def apply() -> None:
                    try:
                        command = correction(
                            ro,
                            mode.value,
                            seg,
                            day,
                            start.value,
                            end.value,
                            pause_reason.value,
                            to_ro.value,
                            reason.value,
                        )
                        source.run(command, actor(user))
                    except DomainError as err:
                        ui.notify(refusal(err.code, err.message, lang), type="negative")
                        return
                    except ValueError:  # a time that is not HH:MM
                        ui.notify(t("correct.bad_time"), type="negative")
                        return
                    ui.notify(t("correct.done"), type="positive")
                    dialog.close()
                    ui.navigate.reload()

                ui.button(t("correct.title"), on_click=apply).mark("correct-apply")
            dialog.open()
