"""The desk's aftercare: the follow-up calls of the cars delivered (the 3-day list, the
overdue ones marked, the calls nobody answered tried again) and the open complaint cases,
with their owner, reply-by time, actions and resolution."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nicegui import ui

from board.desk_common import Desk
from core.commands import AddComplaintAction, RecordFollowUp, ResolveComplaint
from core.domain.aftercare import call_due, call_overdue, reply_overdue
from core.domain.model import Job
from core.domain.vocabulary import Dissatisfaction, FollowUpOutcome


class FollowUpCalls:
    """One line per call to make: the customer, when it is due, what it came to."""

    def __init__(self, desk: Desk, changed: Callable[[], None]) -> None:
        self.desk = desk
        self.t = desk.t
        self.changed = changed

    def row(self, job: Job, now: datetime) -> None:
        t, after = self.t, self.desk.config.aftercare
        due = call_due(job) or now
        late = call_overdue(job, now)
        tried = len(job.call_attempts)
        with ui.row().classes("items-center gap-2 w-full").mark(f"call-{job.ro}"):
            line = ui.label(
                f"{job.ro} {job.vehicle.plate} · {t('job_type.' + job.job_type.value)} · "
                f"{job.customer.name} {job.customer.phone} · {due.astimezone(self.desk.zone):%m-%d}"
                f" · {t('call_time.' + job.call_time.value)}"
            ).classes("grow")
            if late:
                line.classes("text-negative font-semibold")
                ui.label(t("desk.call_overdue")).classes("text-negative").mark(f"overdue-{job.ro}")
            if tried:
                ui.label(t("desk.tried", n=tried, of=after.follow_up_tries)).mark(f"tried-{job.ro}")
            outcome = ui.select(
                {o.value: t("outcome." + o.value) for o in FollowUpOutcome},
                value=FollowUpOutcome.VERY_GOOD.value,
            ).classes("w-32")
            outcome.mark(f"outcome-{job.ro}")
            unhappy = ui.select(
                {d.value: t("dissatisfaction." + d.value) for d in Dissatisfaction},
                multiple=True,
                value=[],
                label=t("desk.unhappy_with"),
            ).classes("w-48")
            unhappy.mark(f"unhappy-{job.ro}")
            note = ui.input(t("desk.follow_up_note")).classes("w-40")
            note.mark(f"follow-up-note-{job.ro}")
            ui.button(
                t("desk.record"),
                on_click=lambda: self.record(job, outcome.value, unhappy.value, note.value or ""),
            ).props("dense").mark(f"follow-up-{job.ro}")

    def record(self, job: Job, outcome: str, unhappy: list[str] | None, note: str) -> None:
        after = self.desk.config.aftercare
        command = RecordFollowUp(
            job.ro,
            FollowUpOutcome(outcome),
            note,
            tuple(unhappy or ()),
            tries=after.follow_up_tries,
            reply_hours=after.complaint_reply_hours,
        )
        if self.desk.run(command) is not None:
            self.changed()


class Complaints:
    """The open complaint cases, the earliest answer due first: every desk sees them, the
    service manager among them."""

    def __init__(self, desk: Desk, changed: Callable[[], None]) -> None:
        self.desk = desk
        self.t = desk.t
        self.changed = changed

    def row(self, job: Job, now: datetime) -> None:
        t, case, zone = self.t, job.complaint, self.desk.zone
        if case is None:
            return
        unhappy = "、".join(t("dissatisfaction." + c) for c in case.categories)
        with ui.column().classes("w-full gap-1 border-l-4 pl-2").mark(f"complaint-{job.ro}"):
            head = ui.label(
                f"{job.ro} {job.vehicle.plate} · {job.customer.name} {job.customer.phone} · "
                f"{unhappy} · {t('desk.owner')}: {self.desk.person(case.owner)} · "
                f"{t('desk.reply_by')} {case.reply_by.astimezone(zone):%m-%d %H:%M}"
            )
            if reply_overdue(case, now):
                head.classes("text-negative font-semibold")
                ui.label(t("desk.reply_overdue")).classes("text-negative").mark(
                    f"reply-overdue-{job.ro}"
                )
            if case.note:
                ui.label(case.note).classes("text-slate-500")
            for action in case.actions:
                ui.label(
                    f"· {action.at.astimezone(zone):%m-%d %H:%M} {self.desk.person(action.by)}: "
                    f"{action.text}"
                )
            with ui.row().classes("items-center gap-2"):
                what = ui.input(t("desk.complaint_action")).classes("w-64")
                what.mark(f"action-{job.ro}")
                ui.button(
                    t("desk.add_action"),
                    on_click=lambda: self.run(AddComplaintAction(job.ro, what.value or "")),
                ).props("dense outline").mark(f"add-action-{job.ro}")
                how = ui.input(t("desk.resolution")).classes("w-64")
                how.mark(f"resolution-{job.ro}")
                ui.button(
                    t("desk.resolve"),
                    on_click=lambda: self.run(ResolveComplaint(job.ro, how.value or "")),
                ).props("dense color=positive").mark(f"resolve-{job.ro}")

    def run(self, command: AddComplaintAction | ResolveComplaint) -> None:
        if self.desk.run(command) is not None:
            self.changed()
