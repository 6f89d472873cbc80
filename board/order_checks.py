"""The order page's three checks: who did each, the leader's notes and recommendations, the
final inspection's checklist and road test; and the manager's leave for one person to do
two of them (a small shop), always with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from board.auth import actor
from core.commands import AllowSameChecker
from core.display.texts import refusal
from core.domain.errors import DomainError
from core.domain.model import OPEN_STATUSES, Check
from core.domain.vocabulary import StaffRole

if TYPE_CHECKING:
    from board.orders import OrderPage


def check_line(page: OrderPage, check: Check) -> str:
    """One check in words: level, who, when, and what it recorded."""
    t, words = page.t, page.words
    parts = [
        t(f"check.{check.level}"),
        words.person(check.by),
        f"{check.at.astimezone(page.zone):%m-%d %H:%M}",
    ]
    if not check.passed:
        parts.append(t("check.failed", items="、".join(check.items)))
    if check.notes:
        parts.append(check.notes)
    if check.recommendations:
        parts.append(t("check.recommendations", advice="；".join(check.recommendations)))
    if check.level == "qc" and check.passed:
        parts.append(t("check.checklist", n=len(check.checklist)))
        road = "detail.road_test.done" if check.road_test else "detail.road_test.not_done"
        parts.append(words.because(t(road), check.road_test_note))
    if check.override:
        why = t("detail.site_allows") if check.override == "site" else check.override
        parts.append(t("detail.same_checker", why=why))
    return " · ".join(parts)


def checks_section(page: OrderPage) -> None:
    t, job = page.t, page.job
    ui.label(t("order.checks")).classes("text-lg mt-4")
    with ui.column().classes("gap-1").mark("checks"):
        for check in job.checks:
            ui.label(check_line(page, check))
        if not job.checks:
            ui.label(t("dispatch.none")).classes("text-slate-400")
    if job.checks_override:
        ui.label(t("detail.checks.override_allowed", reason=job.checks_override)).mark(
            "checks-override"
        )
    elif page.user["role"] == StaffRole.MANAGER and job.status in OPEN_STATUSES:
        with ui.row().classes("items-center gap-2"):
            reason = ui.input(t("order.same_checker_reason")).classes("w-80")
            reason.mark("same-checker-reason")
            ui.button(
                t("order.allow_same_checker"), on_click=lambda: allow(page, reason.value or "")
            ).props("dense").mark("allow-same-checker")


def allow(page: OrderPage, reason: str) -> None:
    try:
        page.source.run(AllowSameChecker(page.ro, reason), actor(page.user))
    except DomainError as err:
        ui.notify(refusal(err.code, err.message, page.lang), type="negative")
        return
    ui.notify(page.t("order.same_checker_allowed"), type="positive")
    ui.navigate.reload()
