"""The service advisor's reception desk: check-in, findings relayed, hand-over, follow-up."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nicegui import ui

from board.auth import actor, require
from board.frame import TAB_TITLE, frame, language, roles_of
from board.live import follow
from board.source import BoardSource
from core.catalogue import operations as operation_catalogue
from core.commands import AnswerFinding, CheckInCar, Command, Deliver, RecordFollowUp
from core.config import key_slots
from core.contract.views import DispatchView
from core.display.rules import escalation, finding_due
from core.display.texts import Lang, Texts, refusal
from core.domain.errors import DomainError
from core.domain.eta import suggest_promise
from core.domain.model import (
    Customer,
    Finding,
    FindingState,
    FollowUpOutcome,
    Job,
    JobStatus,
    Vehicle,
)
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


class Desk:
    """What the desk's parts share: the signed-in person, the page's words, and the way to
    run a command and tell a refusal in those words."""

    def __init__(self, source: BoardSource, user: dict[str, Any], t: Texts, lang: Lang) -> None:
        self.source = source
        self.config = source.config
        self.zone = source.config.zone
        self.user = user
        self.who = actor(user)
        self.t = t
        self.lang = lang

    def run(self, command: Command) -> Any:
        """The command's answer; None when it was refused (the refusal is told)."""
        try:
            return self.source.run(command, self.who)
        except DomainError as err:
            why = refusal(err.code, err.message, self.lang)
            ui.notify(self.t("desk.refused", why=why), type="negative")
            return None


class CheckInForm:
    """The check-in card: the car and its customer, the operations with a promise worked
    out from them, the customer's wishes and the key tag."""

    def __init__(self, desk: Desk, checked_in: Callable[[], None]) -> None:
        self.desk = desk
        self.t = desk.t
        self.catalogue = operation_catalogue()
        self.checked_in = checked_in
        with ui.card().classes("w-[36rem]"):
            ui.label(self.t("desk.check_in")).classes("text-lg font-semibold")
            self._car_and_customer()
            self._operations()
            self._wishes()
            ui.button(self.t("desk.submit"), on_click=self.submit).classes("w-full").mark(
                "check-in"
            )
        self.ops.on_value_change(self.suggest)
        self.wash.on_value_change(self.suggest)
        self.plate.on("blur", self.look_up)
        self.suggest()

    def _car_and_customer(self) -> None:
        t = self.t
        with ui.grid(columns=2).classes("w-full gap-2"):
            self.customer = ui.input(t("desk.customer")).mark("customer")
            self.phone = ui.input(t("desk.phone")).mark("phone")
            self.plate = ui.input(t("desk.plate")).mark("plate")
            self.vin = ui.input(t("desk.vin")).mark("vin")
            self.model = ui.input(t("desk.model")).mark("model")
            self.colour = ui.input(t("desk.colour")).mark("colour")
            self.mileage = ui.number(t("desk.mileage"), min=0, format="%d").mark("mileage")
            self.fuel = ui.select(
                {f: t(f"fuel.{f}") if f in ("E", "F") else f for f in FUEL_LEVELS},
                label=t("desk.fuel"),
                value="1/2",
            ).mark("fuel")

    def _operations(self) -> None:
        lang_en = self.desk.lang == "en"
        self.ops = (
            ui.select(
                {
                    code: f"{code} {op.name_en if lang_en else op.name_zh} "
                    f"({op.standard_hours:g} h)"
                    for code, op in self.catalogue.items()
                },
                label=self.t("desk.operations"),
                multiple=True,
                with_input=True,
            )
            .classes("w-full")
            .props("use-chips")
            .mark("operations")
        )

    def _wishes(self) -> None:
        t = self.t
        self.requests = ui.textarea(t("desk.requests")).classes("w-full").mark("requests")
        self.history = ui.label().classes("text-amber-700 text-sm").mark("history")
        with ui.row().classes("items-center gap-4"):
            self.waiting = ui.checkbox(t("desk.waiting")).mark("waiting")
            self.wash = ui.checkbox(t("desk.wash"), value=True).mark("wash")
            self.old_parts = ui.checkbox(t("desk.old_parts")).mark("old-parts")
        with ui.row().classes("items-center gap-4 w-full"):
            self.promised = ui.input(t("desk.promised")).mark("promised")
            self.key_tag = ui.input(t("desk.key_tag")).mark("key-tag")

    def suggest(self) -> None:
        """A promise from the operations' standard hours and the wash."""
        hours = sum(self.catalogue[c].standard_hours for c in self.ops.value or [])
        when = suggest_promise(self.desk.source.now(), hours, bool(self.wash.value))
        self.promised.value = when.astimezone(self.desk.zone).strftime("%Y-%m-%d %H:%M")

    def look_up(self) -> None:
        """What the customer declined on earlier visits of this plate."""
        number = (self.plate.value or "").strip().upper()
        if not number:
            self.history.text = ""
            return
        declined = declined_before(self.desk.source.vehicle_history(number))
        self.history.text = (
            f"{self.t('desk.history')}: {'; '.join(declined[:5])}" if declined else ""
        )

    def _missing(self) -> list[str]:
        required = [
            ("desk.plate", self.plate.value),
            ("desk.operations", self.ops.value),
            ("desk.promised", self.promised.value),
        ]
        return [self.t(key) for key, field in required if not field]

    def _order(self, promised_at: datetime) -> CheckIn:
        desk = self.desk
        return CheckIn(
            vehicle=Vehicle(
                plate=self.plate.value.strip().upper(),
                model=(self.model.value or "").strip(),
                colour=(self.colour.value or "").strip(),
                vin=(self.vin.value or "").strip().upper(),
                mileage_km=int(self.mileage.value) if self.mileage.value is not None else None,
                fuel_level=self.fuel.value or "",
            ),
            customer=Customer(
                name=(self.customer.value or "").strip(), phone=(self.phone.value or "").strip()
            ),
            operations=tuple(self.catalogue[c].to_operation() for c in self.ops.value),
            promised_at=promised_at.replace(tzinfo=desk.zone),
            advisor=desk.user["id"],
            requests=(self.requests.value or "").strip(),
            customer_waiting=bool(self.waiting.value),
            wash_requested=bool(self.wash.value),
            keep_old_parts=bool(self.old_parts.value),
            key_tag=(self.key_tag.value or "").strip() or None,
            # The pickup card's QR leads here: unguessable.
            public_token=secrets.token_urlsafe(16),
        )

    def submit(self) -> None:
        t = self.t
        missing = self._missing()
        if missing:
            ui.notify(t("desk.missing", what=", ".join(missing)), type="warning")
            return
        try:
            when = datetime.strptime(self.promised.value.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            ui.notify(t("desk.missing", what=t("desk.promised")), type="warning")
            return
        job = self.desk.run(CheckInCar(self._order(when), key_slots(self.desk.config)))
        if job is None:
            return
        ui.notify(t("desk.checked_in", ro=job.ro, slot=job.key_slot or "—"), type="positive")
        self._clear()
        self.checked_in()

    def _clear(self) -> None:
        fields = (
            self.customer,
            self.phone,
            self.plate,
            self.vin,
            self.model,
            self.colour,
            self.requests,
            self.key_tag,
        )
        for field in fields:
            field.value = ""
        self.ops.value = []
        self.mileage.value = None
        self.history.text = ""


class DeskLists:
    """The findings to relay, the cars ready to hand over and the follow-up calls due:
    redrawn only when what they list changes (or the minute does)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.t
        self._shown: object = None
        self._seen_view: tuple[object, ...] | None = None
        with ui.column().classes("grow gap-4"):
            self.findings_box = self._card("desk.findings", "findings")
            self.ready_box = self._card("desk.ready", "ready")
            self.follow_box = self._card("desk.follow_up", "follow-up")

    def _card(self, title: str, marker: str) -> ui.column:
        with ui.card().classes("w-full"):
            ui.label(self.t(title)).classes("text-lg font-semibold")
            return ui.column().classes("w-full gap-2").mark(marker)

    def _none_if(self, empty: bool, marker: str) -> None:
        """An empty list says so, as the dispatch board's panels do: not a bare title."""
        if empty:
            ui.label(self.t("dispatch.none")).classes("text-slate-400").mark(f"{marker}-none")

    def answer(self, job: Job, finding_id: str, approved: bool, note: str) -> None:
        self.desk.run(AnswerFinding(job.ro, finding_id, approved, note))
        self.refresh()

    def deliver(self, job: Job) -> None:
        self.desk.run(Deliver(job.ro))
        self.refresh()

    def follow_up(self, job: Job, outcome: str, note: str) -> None:
        self.desk.run(RecordFollowUp(job.ro, FollowUpOutcome(outcome), note))
        self.refresh()

    def on_board(self, view: DispatchView) -> None:
        # The board changes with every tap; the desk's lists only when its findings,
        # its cars ready for pickup or the minute do. Only then are the jobs read.
        key = (
            tuple(view.pending_findings),
            tuple(view.ready),
            len(view.jobs),
            view.updated_at.replace(second=0, microsecond=0),
        )
        if key != self._seen_view:
            self._seen_view = key
            self.refresh()

    def refresh(self) -> None:
        source = self.desk.source
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
        if signature == self._shown:
            return  # nothing to redraw: the lists stay as they are
        self._shown = signature
        self._findings(pending, now)
        self._ready(ready)
        self._calls(calls, now)

    def _findings(self, pending: list[tuple[Job, Finding]], now: datetime) -> None:
        self.findings_box.clear()
        with self.findings_box:
            self._none_if(not pending, "findings")
            for job, f in sorted(pending, key=lambda jf: jf[1].reported_at):
                self._finding_row(job, f, now)

    def _finding_row(self, job: Job, f: Finding, now: datetime) -> None:
        t = self.t
        waited = int((now - f.reported_at).total_seconds() // 60)
        urgency = escalation(now, *finding_due(f.reported_at, self.desk.config.alerts))
        level = "" if urgency == "none" else f" · {t('escalation.' + urgency)}"
        with ui.row().classes("items-center gap-2 w-full").mark(f"finding-{job.ro}-{f.id}"):
            ui.label(
                f"{job.ro} {job.vehicle.plate} · {job.customer.name} "
                f"{job.customer.phone} · {f.title} · {f.labor_hours:g} h · "
                f"¥{f.parts_estimate:,.0f}"
                f" · {t('minutes', n=waited)}{level}"
            ).classes("grow")
            note = ui.input(t("desk.answer_note")).classes("w-48")
            ui.button(
                t("desk.approve"),
                on_click=lambda j=job, i=f.id, n=note: self.answer(j, i, True, n.value or ""),
            ).props("color=positive dense").mark(f"approve-{job.ro}-{f.id}")
            ui.button(
                t("desk.decline"),
                on_click=lambda j=job, i=f.id, n=note: self.answer(j, i, False, n.value or ""),
            ).props("color=negative dense").mark(f"decline-{job.ro}-{f.id}")

    def _ready(self, ready: list[Job]) -> None:
        t = self.t
        self.ready_box.clear()
        with self.ready_box:
            self._none_if(not ready, "ready")
            for job in ready:
                with ui.row().classes("items-center gap-2 w-full"):
                    slot = f" · {t('key.slot', slot=job.key_slot)}" if job.key_slot else ""
                    ui.label(f"{job.ro} {job.vehicle.plate} · {job.customer.name}{slot}").classes(
                        "grow"
                    )
                    ui.button(t("desk.deliver"), on_click=lambda j=job: self.deliver(j)).props(
                        "dense"
                    ).mark(f"deliver-{job.ro}")

    def _calls(self, calls: list[Job], now: datetime) -> None:
        self.follow_box.clear()
        with self.follow_box:
            self._none_if(not calls, "follow-up")
            for job in sorted(calls, key=lambda j: j.delivered_at or now):
                self._call_row(job, (job.delivered_at or now) + FOLLOW_UP_AFTER)

    def _call_row(self, job: Job, due: datetime) -> None:
        t = self.t
        with ui.row().classes("items-center gap-2 w-full"):
            ui.label(
                f"{job.ro} {job.vehicle.plate} · {job.customer.name} "
                f"{job.customer.phone} · {due.astimezone(self.desk.zone):%m-%d}"
            ).classes("grow")
            outcome = ui.select(
                {o.value: t("outcome." + o.value) for o in FollowUpOutcome},
                value=FollowUpOutcome.VERY_GOOD.value,
            ).classes("w-32")
            note = ui.input().classes("w-40")
            ui.button(
                t("desk.record"),
                on_click=lambda j=job, o=outcome, n=note: self.follow_up(j, o.value, n.value or ""),
            ).props("dense").mark(f"follow-up-{job.ro}")


def register_desk(source: BoardSource) -> None:
    @ui.page("/desk", title=TAB_TITLE)
    def desk_page() -> None:
        user = require("/desk", *roles_of("/desk"))
        if user is None:
            return
        t = frame(source.config, user, "desk.title")
        desk = Desk(source, user, t, language(source.config))
        lists: list[DeskLists] = []
        with ui.row().classes("w-full no-wrap items-start gap-6"):
            CheckInForm(desk, checked_in=lambda: lists[0].refresh())
            lists.append(DeskLists(desk))
        follow(source, source.dispatch, lists[0].on_board)
        ui.timer(60.0, lists[0].refresh, immediate=False)  # follow-ups come due with time
