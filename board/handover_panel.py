"""The desk's cars ready for pickup: where each is parked (竣工停车区), the advisor's
handover checklist (内部交车) before the customer sees the car, and the delivery with when
the customer would rather take the follow-up call, refused until the checklist is done but
by a manager, who says why, while a technician has the key, and to anyone without the car's
pickup card or plate."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from board.desk_common import Desk
from core.commands import CheckHandover, Deliver
from core.domain.handover import all_ticked, handover_gaps, handover_items
from core.domain.model import Job
from core.domain.vocabulary import CallTime, HandoverItem, StaffRole


class ReadyCars:
    """One line per car ready for pickup, with its handover and delivery."""

    def __init__(self, desk: Desk, changed: Callable[[], None]) -> None:
        self.desk = desk
        self.t = desk.t
        self.changed = changed
        self.dialog = ui.dialog()

    def row(self, job: Job) -> None:
        t = self.t
        spot = job.parking_spot or t("desk.spot_unknown")
        slot = f" · {t('key.slot', slot=job.key_slot)}" if job.key_slot else ""
        with ui.row().classes("items-center gap-2 w-full").mark(f"ready-{job.ro}"):
            ui.label(
                f"{job.ro} {job.vehicle.plate} · {t('job_type.' + job.job_type.value)} · "
                f"{job.customer.name} · {t('desk.parked_at', spot=spot)}{slot}"
            ).classes("grow")
            if job.handover is None:
                ui.button(t("desk.handover"), on_click=lambda j=job: self.open(j)).props(
                    "dense outline"
                ).mark(f"handover-{job.ro}")
            else:
                ui.label(t("desk.handed_over")).classes("text-positive").mark(
                    f"handed-over-{job.ro}"
                )
            call = ui.select(
                {c.value: t(f"call_time.{c.value}") for c in CallTime},
                value=CallTime.ANY.value,
                label=t("desk.call_time"),
            ).classes("w-28")
            call.mark(f"call-time-{job.ro}")
            # The scanner types the pickup card's QR into the field, as a keyboard does.
            card = ui.input(t("desk.presented")).classes("w-56")
            card.mark(f"presented-{job.ro}")
            ui.button(
                t("desk.deliver"),
                on_click=lambda j=job, c=call, p=card: self.deliver(j, "", c.value, p.value),
            ).props("dense").mark(f"deliver-{job.ro}")
            if job.handover is None and self.desk.user["role"] == StaffRole.MANAGER:
                reason = ui.input(t("desk.override_reason")).classes("w-48")
                reason.mark(f"override-reason-{job.ro}")
                ui.button(
                    t("desk.deliver_anyway"),
                    on_click=lambda j=job, r=reason, c=call, p=card: self.deliver(
                        j, r.value or " ", c.value, p.value
                    ),
                ).props("dense color=warning").mark(f"deliver-anyway-{job.ro}")

    def open(self, job: Job) -> None:
        """The checklist: the advisor ticks what they saw; the final inspection and the key
        are what the workshop knows, shown as such."""
        t = self.t
        job = self.desk.source.job(job.ro) or job  # as it is now, not as the row was drawn
        self.dialog.clear()
        with self.dialog, ui.card().classes("w-[32rem]"):
            ui.label(f"{t('desk.handover')} · {job.ro} {job.vehicle.plate}").classes("text-lg")
            boxes: dict[HandoverItem, ui.checkbox] = {}
            not_so = set(handover_gaps(job, all_ticked(job)))  # whatever the advisor ticks
            for item in handover_items(job):
                box = ui.checkbox(t(f"handover.{item.value}")).mark(f"item-{item.value}")
                if item in not_so:
                    box.disable()  # not so: the workshop says otherwise
                    ui.label(t(f"handover.not_yet.{item.value}")).classes("text-negative")
                boxes[item] = box
            with ui.row():
                ui.button(
                    t("desk.handover_done"),
                    on_click=lambda: self.check(
                        job, [i.value for i, b in boxes.items() if b.value]
                    ),
                ).mark("handover-submit")
                ui.button(t("kiosk.cancel"), on_click=self.dialog.close).props("flat")
        self.dialog.open()

    def check(self, job: Job, items: list[str]) -> None:
        if self.desk.run(CheckHandover(job.ro, tuple(items))) is None:
            return
        self.dialog.close()
        self.changed()

    def deliver(self, job: Job, override: str, call_time: str, presented: str) -> None:
        """The car to whoever presented its pickup card or plate: the delivery summary and
        the gate pass print."""
        cmd = Deliver(job.ro, override, CallTime(call_time), presented or "")
        if self.desk.run(cmd) is not None:
            self.changed()
