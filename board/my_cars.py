"""The service advisor's live board (我的车辆): their notices as they come, with a sound, each
acknowledged; their cars with stage, predicted against promised, findings waiting for the
customer and how urgent each has become, at risk or not; and the changes to an order made
from here. The service manager picks an advisor and sees the promises at risk nobody
answered in time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from board.auth import require
from board.desk_common import Desk
from board.frame import TAB_TITLE, frame, language, roles_of
from board.live import STATIC_URL, follow
from board.order_dialogs import TAKES_WORK, OrderDialogs
from board.source import BoardSource
from core.commands import AcknowledgeNotice
from core.contract.advisor_board import AdvisorBoard, AdvisorCar, NoticeLine
from core.display.rules import yuan
from core.domain.model import JobStatus
from core.domain.vocabulary import NoticeKind, StaffRole

_CHIME = f'<script src="{STATIC_URL}/chime.js"></script>'


class MyCarsPage:
    """One advisor's board on one screen, redrawn when the core's advisors' board changes."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.t
        self.source = desk.source
        self.manager = desk.user["role"] == StaffRole.MANAGER
        self.advisor = desk.my_advisor() or ""
        self.board: AdvisorBoard | None = None
        self.seen: set[str] | None = None  # notice ids already shown (None: first drawing)
        self.chimes = 0
        self.dialogs = OrderDialogs(desk, changed=self.redraw)
        ui.add_head_html(_CHIME)
        # What the sound was asked for, readable without a browser (the tests read it).
        self.chime_mark = ui.element("span").classes("hidden").mark("chime")
        if self.manager:
            ui.select(
                desk.advisors(),
                value=self.advisor,
                label=self.t("mycars.advisor"),
                on_change=lambda e: self.pick(str(e.value)),
            ).classes("w-64").mark("advisor-pick")
            self.escalated_box = self._card("mycars.escalated", "escalated")
        self.notice_box = self._card("mycars.notices", "notices")
        self.car_box = self._card("mycars.cars", "cars")

    def _card(self, title: str, marker: str) -> ui.column:
        with ui.card().classes("w-full"):
            ui.label(self.t(title)).classes("text-lg font-semibold")
            return ui.column().classes("w-full gap-2").mark(marker)

    def pick(self, advisor: str) -> None:
        """The manager looks at another advisor's board."""
        self.advisor = advisor
        self.seen = None  # their notices are not new to the manager
        self.redraw()

    def redraw(self) -> None:
        board = self.source.advisors()
        if board is not None:
            self.render(board)

    def render(self, board: AdvisorBoard) -> None:
        self.board = board
        notices = board.notices_of(self.advisor)
        # What sounds: a notice new to this screen; on the manager's, an escalation too.
        heard = {n.id for n in notices}
        if self.manager:
            heard |= {f"escalated:{n.id}" for n in board.escalated}
        if self.seen is not None and heard - self.seen:
            self.chime()
        self.seen = (self.seen or set()) | heard
        self._notices(notices, board.at)
        self._cars(board.cars_of(self.advisor))
        if self.manager:
            self._escalated(board.escalated, board.at)

    def chime(self) -> None:
        self.chimes += 1
        self.chime_mark.props["data-chimes"] = str(self.chimes)
        self.chime_mark.update()
        ui.run_javascript("window.pitboardChime && window.pitboardChime()")

    # ----------------------------------------------------------------- notices
    def _notices(self, notices: list[NoticeLine], now: datetime) -> None:
        self.notice_box.clear()
        with self.notice_box:
            self._none_if(not notices, "notices")
            cars = {c.ro: c for c in self.board.cars} if self.board else {}
            for notice in notices:
                self._notice_row(notice, cars.get(notice.ro), now)

    def _notice_row(self, notice: NoticeLine, car: AdvisorCar | None, now: datetime) -> None:
        t = self.t
        urgent = notice.kind in (NoticeKind.AT_RISK, NoticeKind.PARTS_SHORT)
        colour = "bg-red-50" if urgent else "bg-amber-50"
        row = ui.row().classes(f"items-center gap-2 w-full p-2 rounded {colour}")
        with row.mark(f"notice-{notice.id}"):
            ui.icon("notifications_active").classes("text-amber-700")
            ui.label(f"{self.desk.hhmm(notice.at)} · {t('mycars.kind.' + notice.kind.value)}")
            ui.label(self._notice_words(notice, car)).classes("grow")
            if urgent and car is not None:
                ui.button(
                    t("mycars.record_call"), on_click=lambda c=car: self.dialogs.promise(c)
                ).props("dense color=negative").mark(f"call-{notice.id}")
            ui.button(t("mycars.ack"), on_click=lambda n=notice: self.acknowledge(n)).props(
                "dense outline"
            ).mark(f"ack-{notice.id}")

    def _notice_words(self, notice: NoticeLine, car: AdvisorCar | None) -> str:
        t = self.t
        head = f"{notice.ro} {car.plate} {car.customer}" if car else notice.ro
        if notice.kind is NoticeKind.FINDING:
            return f"{head} · {notice.detail}"
        if notice.kind is NoticeKind.READY:
            spot = notice.detail or t("desk.spot_unknown")
            return f"{head} · {t('mycars.parked', spot=spot)}"
        if notice.kind is NoticeKind.AT_RISK and car is not None:
            return f"{head} · {self._times(car)}"
        if notice.kind is NoticeKind.PARTS_SHORT and notice.detail:
            day = datetime.fromisoformat(notice.detail).astimezone(self.desk.zone)
            return f"{head} · {t('mycars.expected', day=f'{day:%m-%d}')}"
        return head

    def acknowledge(self, notice: NoticeLine) -> None:
        if self.desk.run(AcknowledgeNotice(notice.ro, notice.id)) is not None:
            self.redraw()

    # ----------------------------------------------------------------- cars
    def _cars(self, cars: list[AdvisorCar]) -> None:
        self.car_box.clear()
        with self.car_box:
            self._none_if(not cars, "cars")
            for car in cars:
                self._car_row(car)

    def _times(self, car: AdvisorCar) -> str:
        t, moment = self.t, self.desk.moment
        promised = t("mycars.promised", at=moment(car.promised_at))
        if car.predicted_at is None:
            return promised
        return f"{promised} · {t('mycars.predicted', at=moment(car.predicted_at))}"

    def _car_row(self, car: AdvisorCar) -> None:
        t = self.t
        stage = t("stage." + car.stage) if car.stage else ""
        with ui.column().classes("w-full gap-1 border-b pb-2").mark(f"car-{car.ro}"):
            with ui.row().classes("items-center gap-2 w-full"):
                ui.label(f"{car.ro} {car.plate} {car.model} · {car.customer} {car.phone}")
                ui.label(stage).classes("font-semibold").mark(f"stage-{car.ro}")
                ui.label(self._times(car)).classes("grow")
                if car.at_risk:
                    ui.badge(t("mycars.at_risk"), color="negative").mark(f"at-risk-{car.ro}")
                if car.status is JobStatus.READY:
                    spot = car.parking_spot or t("desk.spot_unknown")
                    ui.label(t("mycars.parked", spot=spot)).classes("text-positive")
                self._car_actions(car)
            for f in car.findings:
                level = "" if f.level == "none" else f" · {t('escalation.' + f.level)}"
                ui.label(
                    f"{t('mycars.waiting', title=f.title)} · {f.labor_hours:g} h · "
                    f"{yuan(f.parts_estimate)} · {self.desk.hhmm(f.reported_at)}{level}"
                ).classes("text-amber-800 pl-4").mark(f"waiting-{car.ro}-{f.id}")

    def _car_actions(self, car: AdvisorCar) -> None:
        t, dialogs = self.t, self.dialogs
        if car.status is JobStatus.READY:
            return  # handed over at the desk; nothing to promise or cancel any more
        ui.button(t("mycars.new_promise"), on_click=lambda: dialogs.promise(car)).props(
            "dense flat"
        ).mark(f"promise-{car.ro}")
        if car.approved and car.status in TAKES_WORK:  # past its bay no work goes on it
            ui.button(t("mycars.add_work"), on_click=lambda: dialogs.add_work(car)).props(
                "dense flat"
            ).mark(f"add-work-{car.ro}")
        if car.status in TAKES_WORK:
            ui.button(t("mycars.more_work"), on_click=lambda: dialogs.more_work(car)).props(
                "dense flat"
            ).mark(f"more-work-{car.ro}")
        ui.button(t("mycars.cancel"), on_click=lambda: dialogs.cancel(car)).props(
            "dense flat color=negative"
        ).mark(f"cancel-{car.ro}")

    # ----------------------------------------------------------------- the manager's
    def _escalated(self, notices: tuple[NoticeLine, ...], now: datetime) -> None:
        self.escalated_box.clear()
        with self.escalated_box:
            self._none_if(not notices, "escalated")
            for n in notices:
                waited = int((now - n.at).total_seconds() // 60)
                with ui.row().classes("items-center gap-2 w-full").mark(f"escalated-{n.id}"):
                    ui.label(
                        f"{self.desk.person(n.advisor)} · {n.ro} · "
                        f"{self.t('mycars.kind.at_risk')} · {self.t('minutes', n=waited)}"
                    ).classes("grow text-negative")
                    ui.button(self.t("mycars.ack"), on_click=lambda x=n: self.acknowledge(x)).props(
                        "dense outline"
                    ).mark(f"ack-escalated-{n.id}")

    def _none_if(self, empty: bool, marker: str) -> None:
        if empty:
            ui.label(self.t("dispatch.none")).classes("text-slate-400").mark(f"{marker}-none")


def register_my_cars(source: BoardSource) -> None:
    @ui.page("/mycars", title=TAB_TITLE)
    def my_cars_page() -> None:
        user: dict[str, Any] | None = require("/mycars", *roles_of("/mycars"))
        if user is None:
            return
        t = frame(source.config, user, "mycars.title")
        page = MyCarsPage(Desk(source, user, t, language(source.config)))
        follow(source, source.advisors, page.render)
