"""The service advisor's reception desk: check-in, findings relayed, hand-over, follow-up."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from nicegui import ui

from board.auth import actor, require
from board.frame import frame, language
from board.live import follow
from board.source import BoardSource
from core.catalogue import operations as operation_catalogue
from core.commands import AnswerFinding, CheckInCar, Deliver, RecordFollowUp
from core.config import key_slots
from core.contract.views import DispatchView
from core.display.rules import escalation, finding_due
from core.display.texts import refusal
from core.domain.errors import DomainError
from core.domain.eta import suggest_promise
from core.domain.model import (
    Customer,
    FindingState,
    FollowUpOutcome,
    Job,
    JobStatus,
    Vehicle,
)
from core.domain.vocabulary import StaffRole
from core.domain.workshop import CheckIn

FUEL_LEVELS = ["E", "1/4", "1/2", "3/4", "F"]
FOLLOW_UP_AFTER = timedelta(days=3)
#: How far back the desk lists calls still to be made: a car delivered longer ago is taken
#: as called elsewhere (a site may keep its calls in another system).
FOLLOW_UP_WINDOW = timedelta(days=14)


def declined_before(history: list[Job]) -> list[str]:
    """Recommendations the customer declined on earlier visits, newest first."""
    return [
        f"{job.checked_in_at:%Y-%m-%d} {f.title}"
        for job in history
        for f in job.findings
        if f.state is FindingState.DECLINED
    ]


def register_desk(source: BoardSource) -> None:
    config = source.config
    zone = config.zone
    catalogue = operation_catalogue()

    @ui.page("/desk", title="Pitboard · Desk")
    def desk_page() -> None:
        user = require("/desk", StaffRole.ADVISOR, StaffRole.MANAGER, StaffRole.FOREMAN)
        if user is None:
            return
        t = frame(config, user, "desk.title")
        who = actor(user)
        lang = language(config)
        lang_en = lang == "en"

        def refused(err: DomainError) -> None:
            why = refusal(err.code, err.message, lang)
            ui.notify(t("desk.refused", why=why), type="negative")

        with ui.row().classes("w-full no-wrap items-start gap-6"):
            # ------------------------------------------------ check-in
            with ui.card().classes("w-[36rem]"):
                ui.label(t("desk.check_in")).classes("text-lg font-semibold")
                with ui.grid(columns=2).classes("w-full gap-2"):
                    customer = ui.input(t("desk.customer")).mark("customer")
                    phone = ui.input(t("desk.phone")).mark("phone")
                    plate = ui.input(t("desk.plate")).mark("plate")
                    vin = ui.input(t("desk.vin")).mark("vin")
                    model = ui.input(t("desk.model")).mark("model")
                    colour = ui.input(t("desk.colour")).mark("colour")
                    mileage = ui.number(t("desk.mileage"), min=0, format="%d").mark("mileage")
                    fuel = ui.select(FUEL_LEVELS, label=t("desk.fuel"), value="1/2").mark("fuel")
                ops = (
                    ui.select(
                        {
                            code: f"{code} {op.name_en if lang_en else op.name_zh} "
                            f"({op.standard_hours:g} h)"
                            for code, op in catalogue.items()
                        },
                        label=t("desk.operations"),
                        multiple=True,
                        with_input=True,
                    )
                    .classes("w-full")
                    .props("use-chips")
                    .mark("operations")
                )
                requests = ui.textarea(t("desk.requests")).classes("w-full").mark("requests")
                history = ui.label().classes("text-amber-700 text-sm").mark("history")
                with ui.row().classes("items-center gap-4"):
                    waiting = ui.checkbox(t("desk.waiting")).mark("waiting")
                    wash = ui.checkbox(t("desk.wash"), value=True).mark("wash")
                    old_parts = ui.checkbox(t("desk.old_parts")).mark("old-parts")
                with ui.row().classes("items-center gap-4 w-full"):
                    promised = ui.input(t("desk.promised")).mark("promised")
                    key_tag = ui.input(t("desk.key_tag")).mark("key-tag")

                def suggest() -> None:
                    hours = sum(catalogue[c].standard_hours for c in ops.value or [])
                    when = suggest_promise(source.now(), hours, bool(wash.value))
                    promised.value = when.astimezone(zone).strftime("%Y-%m-%d %H:%M")

                def look_up() -> None:
                    number = (plate.value or "").strip().upper()
                    if not number:
                        history.text = ""
                        return
                    declined = declined_before(source.vehicle_history(number))
                    history.text = (
                        f"{t('desk.history')}: {'; '.join(declined[:5])}" if declined else ""
                    )

                ops.on_value_change(suggest)
                wash.on_value_change(suggest)
                plate.on("blur", look_up)
                suggest()

                def check_in() -> None:
                    missing = [
                        t(key)
                        for key, field in [
                            ("desk.plate", plate.value),
                            ("desk.operations", ops.value),
                            ("desk.promised", promised.value),
                        ]
                        if not field
                    ]
                    if missing:
                        ui.notify(t("desk.missing", what=", ".join(missing)), type="warning")
                        return
                    try:
                        when = datetime.strptime(promised.value.strip(), "%Y-%m-%d %H:%M")
                    except ValueError:
                        ui.notify(t("desk.missing", what=t("desk.promised")), type="warning")
                        return
                    order = CheckIn(
                        vehicle=Vehicle(
                            plate=plate.value.strip().upper(),
                            model=(model.value or "").strip(),
                            colour=(colour.value or "").strip(),
                            vin=(vin.value or "").strip().upper(),
                            mileage_km=int(mileage.value) if mileage.value is not None else None,
                            fuel_level=fuel.value or "",
                        ),
                        customer=Customer(
                            name=(customer.value or "").strip(), phone=(phone.value or "").strip()
                        ),
                        operations=tuple(catalogue[c].to_operation() for c in ops.value),
                        promised_at=when.replace(tzinfo=zone),
                        advisor=user["id"],
                        requests=(requests.value or "").strip(),
                        customer_waiting=bool(waiting.value),
                        wash_requested=bool(wash.value),
                        keep_old_parts=bool(old_parts.value),
                        key_tag=(key_tag.value or "").strip() or None,
                        # The pickup card's QR leads here: unguessable.
                        public_token=secrets.token_urlsafe(16),
                    )
                    try:
                        job = source.run(CheckInCar(order, key_slots(config)), who)
                    except DomainError as err:
                        refused(err)
                        return
                    ui.notify(
                        t("desk.checked_in", ro=job.ro, slot=job.key_slot or "—"), type="positive"
                    )
                    for field in (customer, phone, plate, vin, model, colour, requests, key_tag):
                        field.value = ""
                    ops.value = []
                    mileage.value = None
                    history.text = ""
                    refresh_lists()

                ui.button(t("desk.submit"), on_click=check_in).classes("w-full").mark("check-in")

            # ------------------------------------------------ relay, hand over, follow up
            with ui.column().classes("grow gap-4"):
                with ui.card().classes("w-full"):
                    ui.label(t("desk.findings")).classes("text-lg font-semibold")
                    findings_box = ui.column().classes("w-full gap-2").mark("findings")
                with ui.card().classes("w-full"):
                    ui.label(t("desk.ready")).classes("text-lg font-semibold")
                    ready_box = ui.column().classes("w-full gap-2").mark("ready")
                with ui.card().classes("w-full"):
                    ui.label(t("desk.follow_up")).classes("text-lg font-semibold")
                    follow_box = ui.column().classes("w-full gap-2").mark("follow-up")

        shown: list[Any] = [None]

        def answer(job: Job, finding_id: str, approved: bool, note: str) -> None:
            try:
                source.run(AnswerFinding(job.ro, finding_id, approved, note), who)
            except DomainError as err:
                refused(err)
            refresh_lists()

        def deliver(job: Job) -> None:
            try:
                source.run(Deliver(job.ro), who)
            except DomainError as err:
                refused(err)
            refresh_lists()

        def follow_up(job: Job, outcome: str, note: str) -> None:
            try:
                source.run(RecordFollowUp(job.ro, FollowUpOutcome(outcome), note), who)
            except DomainError as err:
                refused(err)
            refresh_lists()

        seen_view: list[tuple[object, ...] | None] = [None]

        def on_board(view: DispatchView) -> None:
            # The board changes with every tap; the desk's lists only when its findings,
            # its cars ready for pickup or the minute do. Only then are the jobs read.
            key = (
                tuple(view.pending_findings),
                tuple(view.ready),
                len(view.jobs),
                view.updated_at.replace(second=0, microsecond=0),
            )
            if key != seen_view[0]:
                seen_view[0] = key
                refresh_lists()

        def refresh_lists() -> None:
            jobs = source.live_jobs()
            now = source.now()
            pending = [(j, f) for j in jobs for f in j.pending_findings()]
            ready = [j for j in jobs if j.status is JobStatus.READY]
            # Delivered cars have left the live workshop: their calls come from storage.
            calls = source.awaiting_follow_up(now - FOLLOW_UP_WINDOW)
            signature = (
                [(j.ro, f.id) for j, f in pending],
                [j.ro for j in ready],
                [j.ro for j in calls],
                now.replace(second=0, microsecond=0),
            )
            if signature == shown[0]:
                return  # nothing to redraw: the lists stay as they are
            shown[0] = signature
            findings_box.clear()
            with findings_box:
                for job, f in sorted(pending, key=lambda jf: jf[1].reported_at):
                    waited = int((now - f.reported_at).total_seconds() // 60)
                    urgency = escalation(now, *finding_due(f.reported_at, config.alerts))
                    level = "" if urgency == "none" else f" · {t('escalation.' + urgency)}"
                    with (
                        ui.row()
                        .classes("items-center gap-2 w-full")
                        .mark(f"finding-{job.ro}-{f.id}")
                    ):
                        ui.label(
                            f"{job.ro} {job.vehicle.plate} · {job.customer.name} "
                            f"{job.customer.phone} · {f.title} · {f.labor_hours:g} h · "
                            f"¥{f.parts_estimate:,.0f}"
                            f" · {t('minutes', n=waited)}{level}"
                        ).classes("grow")
                        note = ui.input(t("desk.answer_note")).classes("w-48")
                        ui.button(
                            t("desk.approve"),
                            on_click=lambda j=job, i=f.id, n=note: answer(
                                j, i, True, n.value or ""
                            ),
                        ).props("color=positive dense").mark(f"approve-{job.ro}-{f.id}")
                        ui.button(
                            t("desk.decline"),
                            on_click=lambda j=job, i=f.id, n=note: answer(
                                j, i, False, n.value or ""
                            ),
                        ).props("color=negative dense").mark(f"decline-{job.ro}-{f.id}")
            ready_box.clear()
            with ready_box:
                for job in ready:
                    with ui.row().classes("items-center gap-2 w-full"):
                        slot = f" · {t('key.slot', slot=job.key_slot)}" if job.key_slot else ""
                        ui.label(
                            f"{job.ro} {job.vehicle.plate} · {job.customer.name}{slot}"
                        ).classes("grow")
                        ui.button(t("desk.deliver"), on_click=lambda j=job: deliver(j)).props(
                            "dense"
                        ).mark(f"deliver-{job.ro}")
            follow_box.clear()
            with follow_box:
                for job in sorted(calls, key=lambda j: j.delivered_at or now):
                    due = (job.delivered_at or now) + FOLLOW_UP_AFTER
                    with ui.row().classes("items-center gap-2 w-full"):
                        ui.label(
                            f"{job.ro} {job.vehicle.plate} · {job.customer.name} "
                            f"{job.customer.phone} · {due.astimezone(zone):%m-%d}"
                        ).classes("grow")
                        outcome = ui.select(
                            {o.value: t("outcome." + o.value) for o in FollowUpOutcome},
                            value=FollowUpOutcome.VERY_GOOD.value,
                        ).classes("w-32")
                        note = ui.input().classes("w-40")
                        ui.button(
                            t("desk.record"),
                            on_click=lambda j=job, o=outcome, n=note: follow_up(
                                j, o.value, n.value or ""
                            ),
                        ).props("dense").mark(f"follow-up-{job.ro}")

        follow(source, source.dispatch, on_board)
        ui.timer(60.0, refresh_lists, immediate=False)  # follow-ups come due with time
