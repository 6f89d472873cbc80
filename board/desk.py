"""The service advisor's reception desk: check-in (a walk-in, or a booked car from today's
bookings), findings relayed, hand-over, follow-up; booking a car by phone; preparing the
next day's bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

from nicegui import ui

from board.aftercare_panel import Complaints, FollowUpCalls
from board.appointment_lists import TodayBookings
from board.auth import require
from board.booking_form import BookingForm
from board.check_in_form import CheckInForm
from board.desk_common import Desk
from board.frame import TAB_TITLE, frame, language, roles_of
from board.handover_panel import ReadyCars
from board.live import follow
from board.preparation import Preparation
from board.source import BoardSource
from core.commands import AnswerFinding
from core.contract.views import DispatchView
from core.display.rules import escalation, finding_due, yuan
from core.domain.aftercare import call_overdue, reply_overdue
from core.domain.appointment import Appointment
from core.domain.model import Finding, Job, JobStatus

#: How far back the desk lists calls still to be made: a car delivered longer ago is taken
#: as called elsewhere (a site may keep its calls in another system).
FOLLOW_UP_WINDOW = timedelta(days=14)


class DeskLists:
    """The findings to relay, the cars ready to hand over and the follow-up calls due:
    redrawn only when what they list changes (or the minute does)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.t
        #: What each list was last drawn from (none: each is drawn at the next look).
        self._shown: dict[str, object] = {}
        self._seen_view: tuple[object, ...] | None = None
        #: The findings' lines, with what they are made of: their waiting minutes move.
        self._waiting: list[tuple[ui.label, Job, Finding]] = []
        self.ready_cars = ReadyCars(desk, changed=self.redraw)
        self.calls = FollowUpCalls(desk, changed=self.redraw)
        self.complaints = Complaints(desk, changed=self.redraw)
        with ui.column().classes("w-full gap-4"):
            self.findings_box = self._card("desk.findings", "findings")
            self.ready_box = self._card("desk.ready", "ready")
            self.follow_box = self._card("desk.follow_up", "follow-up")
            self.complaint_box = self._card("desk.complaints", "complaints")

    def _card(self, title: str, marker: str) -> ui.column:
        with ui.card().classes("w-full"):
            ui.label(self.t(title)).classes("text-lg font-semibold")
            return ui.column().classes("w-full gap-2").mark(marker)

    def job_type(self, job: Job) -> str:
        return self.t(f"job_type.{job.job_type.value}")

    def _none_if(self, empty: bool, marker: str) -> None:
        """An empty list says so, as the dispatch board's panels do: not a bare title."""
        if empty:
            ui.label(self.t("dispatch.none")).classes("text-slate-400").mark(f"{marker}-none")

    def answer(self, job: Job, finding_id: str, approved: bool, note: str) -> None:
        self.desk.run(AnswerFinding(job.ro, finding_id, approved, note))
        self.refresh()

    def on_board(self, view: DispatchView) -> bool:
        """Whether the lists were read again: the board changes with every tap, the desk's
        lists only when its findings, its cars ready for pickup, the cars in or the minute
        do. Only then are the jobs read."""
        key = (
            tuple(view.pending_findings),
            tuple(view.ready),
            len(view.jobs),
            view.updated_at.replace(second=0, microsecond=0),
        )
        if key == self._seen_view:
            return False
        self._seen_view = key
        self.refresh()
        return True

    def refresh(self) -> None:
        """Each list drawn again only when what it lists changes, or a line's flag (call,
        escalated, overdue) turns with the clock: drawn again, a list loses what is being
        typed into it (a note, the customer's words, a plate). The minutes a finding has
        waited are set in place."""
        source = self.desk.source
        jobs = source.live_jobs()
        now = source.now()
        pending = [(j, f) for j in jobs for f in j.pending_findings()]
        ready = [j for j in jobs if j.status is JobStatus.READY]
        # Delivered cars have left the live workshop: their calls come from storage.
        calls = source.awaiting_follow_up(now - FOLLOW_UP_WINDOW)
        cases = source.open_complaints()
        lists: dict[str, object] = {
            # A finding's waiting minutes and its call or escalation are set in place.
            "findings": [(j.ro, f.id) for j, f in pending],
            # A car's spot, handover and key change while it stays ready: part of what is shown.
            "ready": [(j.ro, j.parking_spot, j.handover is not None, j.key.state) for j in ready],
            "calls": [(j.ro, len(j.call_attempts), call_overdue(j, now)) for j in calls],
            "complaints": [
                (j.ro, len(j.complaint.actions), reply_overdue(j.complaint, now))
                for j in cases
                if j.complaint
            ],
        }
        shown, self._shown = self._shown, lists
        if shown.get("findings") != lists["findings"]:
            self._findings(pending, now)
        if shown.get("ready") != lists["ready"]:
            self._ready(ready)
        if shown.get("calls") != lists["calls"]:
            self._calls(calls, now)
        if shown.get("complaints") != lists["complaints"]:
            self._complaints(cases, now)
        self._waited_now(now)

    def _findings(self, pending: list[tuple[Job, Finding]], now: datetime) -> None:
        self.findings_box.clear()
        self._waiting.clear()
        with self.findings_box:
            self._none_if(not pending, "findings")
            for job, f in sorted(pending, key=lambda jf: jf[1].reported_at):
                self._finding_row(job, f, now)

    def _finding_line(self, job: Job, f: Finding, now: datetime) -> str:
        t = self.t
        waited = int((now - f.reported_at).total_seconds() // 60)
        urgency = escalation(now, *finding_due(f.reported_at, self.desk.config.alerts))
        level = "" if urgency == "none" else f" · {t('escalation.' + urgency)}"
        who = f"{job.customer.name} {job.customer.phone}".strip()
        parts = [f"{job.ro} {job.vehicle.plate}", self.job_type(job), who, f.title]
        parts += [f"{f.labor_hours:g} h", yuan(f.parts_estimate), t("minutes", n=waited)]
        return " · ".join(p for p in parts if p) + level

    def _waited_now(self, now: datetime) -> None:
        for label, job, f in self._waiting:
            line = self._finding_line(job, f, now)
            if label.text != line:
                label.set_text(line)

    def _finding_row(self, job: Job, f: Finding, now: datetime) -> None:
        t = self.t
        with ui.row().classes("items-center gap-2 w-full").mark(f"finding-{job.ro}-{f.id}"):
            line = ui.label(self._finding_line(job, f, now)).classes("grow")
            self._waiting.append((line, job, f))
            note = ui.input(t("desk.answer_note")).classes("w-48").mark(f"note-{job.ro}-{f.id}")
            ui.button(
                t("desk.approve"),
                on_click=lambda j=job, i=f.id, n=note: self.answer(j, i, True, n.value or ""),
            ).props("color=positive dense").mark(f"approve-{job.ro}-{f.id}")
            ui.button(
                t("desk.decline"),
                on_click=lambda j=job, i=f.id, n=note: self.answer(j, i, False, n.value or ""),
            ).props("color=negative dense").mark(f"decline-{job.ro}-{f.id}")

    def redraw(self) -> None:
        """After a step of the desk's own: the lists drawn again, whatever they hold."""
        self._shown = {}
        self.refresh()

    def _ready(self, ready: list[Job]) -> None:
        self.ready_box.clear()
        with self.ready_box:
            self._none_if(not ready, "ready")
            for job in ready:
                self.ready_cars.row(job)

    def _calls(self, calls: list[Job], now: datetime) -> None:
        self.follow_box.clear()
        with self.follow_box:
            self._none_if(not calls, "follow-up")
            for job in sorted(calls, key=lambda j: j.delivered_at or now):
                self.calls.row(job, now)

    def _complaints(self, cases: list[Job], now: datetime) -> None:
        self.complaint_box.clear()
        with self.complaint_box:
            self._none_if(not cases, "complaints")
            for job in cases:
                self.complaints.row(job, now)


class DeskPage:
    """The desk's three tabs: reception (the check-in card beside today's bookings and the
    lists of the day), booking by phone, and preparing the next day's bookings."""

    def __init__(self, desk: Desk) -> None:
        t = desk.t
        with ui.tabs().classes("w-full") as self.tabs:
            self.reception = ui.tab(t("desk.tab_reception")).mark("tab-reception")
            self.booking = ui.tab(t("desk.tab_booking")).mark("tab-booking")
            self.preparing = ui.tab(t("desk.tab_preparing")).mark("tab-preparing")
        with ui.tab_panels(self.tabs, value=self.reception).classes("w-full"):
            with ui.tab_panel(self.reception):
                self._reception(desk)
            with ui.tab_panel(self.booking):
                self.booking_form = BookingForm(desk, booked=self.refresh)
            with ui.tab_panel(self.preparing):
                self.preparation = Preparation(desk, reschedule=self.change)
        self.refresh()

    def _reception(self, desk: Desk) -> None:
        with ui.row().classes("w-full no-wrap items-start gap-6"):
            self.check_in_form = CheckInForm(desk, checked_in=self.refresh)
            with ui.column().classes("grow gap-4"):
                self.today = TodayBookings(desk, check_in=self.check_in, change=self.change)
                self.lists = DeskLists(desk)

    def refresh(self) -> None:
        self.today.refresh()
        self.lists.refresh()
        self.preparation.refresh()

    def check_in(self, appointment: str) -> None:
        """The check-in card filled from the booking."""
        self.check_in_form.fill_from_booking(appointment)
        self.tabs.value = self.reception

    def change(self, appt: Appointment) -> None:
        """The booking card opened on the booking."""
        self.booking_form.load(appt)
        self.tabs.value = self.booking

    def on_board(self, view: DispatchView) -> None:
        if self.lists.on_board(view):  # a car checked in elsewhere, or the minute turned
            self.today.refresh()


def register_desk(source: BoardSource) -> None:
    @ui.page("/desk", title=TAB_TITLE)
    def desk_page() -> None:
        user = require("/desk", *roles_of("/desk"))
        if user is None:
            return
        t = frame(source.config, user, "desk.title")
        page = DeskPage(Desk(source, user, t, language(source.config)))
        follow(source, source.dispatch, page.on_board)
        # Follow-ups come due, and bookings change at other desks, with time.
        ui.timer(30.0, page.refresh, immediate=False)
