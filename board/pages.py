"""The pages the core serves: index, lounge and dispatch (read through the core's views)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from nicegui import ui

from core.contract.views import DispatchView, LoungeCar, LoungeView

STAGE_ZH = {
    "checked_in": "已接车",
    "waiting": "等待维修",
    "in_progress": "维修中",
    "quality_check": "质检中",
    "wash": "洗车中",
    "ready": "可提车",
}
STAGE_EN = {
    "checked_in": "Checked in",
    "waiting": "Waiting",
    "in_progress": "In progress",
    "quality_check": "Quality check",
    "wash": "Washing",
    "ready": "Ready",
}


PAUSE_ZH = {
    "waiting_parts": "待料",
    "waiting_approval": "待确认",
    "tool": "设备",
    "break": "休息",
    "shift_end": "下班",
    "signed_out": "签退",
    "other": "其他",
}


def _hm(ts: datetime | None, zone: ZoneInfo) -> str:
    return ts.astimezone(zone).strftime("%H:%M") if ts else "—"


V = TypeVar("V", LoungeView, DispatchView)


def follow(source: Callable[[], V | None], render: Callable[[V], None]) -> None:
    """Render the view now and again whenever the core has built a newer one."""
    seen: list[datetime] = []

    def refresh() -> None:
        view = source()
        if view is None or (seen and view.updated_at == seen[0]):
            return
        seen[:] = [view.updated_at]
        render(view)

    refresh()
    ui.timer(2.0, refresh)


def register(
    lounge: Callable[[], LoungeView | None],
    dispatch: Callable[[], DispatchView | None],
    zone: ZoneInfo,
    site_name: str,
    kiosk_bays: list[str] | None = None,
    recent_prints: Callable[[], list[tuple[str, str, str, str | None]]] | None = None,
    car_status: Callable[[str], LoungeCar | None] | None = None,
) -> None:
    """Add the pages; each keeps one table and updates its rows in place."""

    @ui.page("/status/{token}")
    def status_page(token: str) -> None:
        """The customer's own page, from the QR on the pickup card: the lounge's privacy
        rules (masked plate, no names), for a phone."""
        ui.query("body").classes("bg-gray-900 text-white")
        ui.label(site_name).classes("text-xl")
        box = ui.column().classes("gap-2 w-full")

        def show() -> None:
            try:
                car = car_status(token) if car_status is not None and len(token) >= 8 else None
            except (RuntimeError, TimeoutError):
                return  # the core is restarting: keep what the page shows
            box.clear()
            with box:
                if car is None:
                    ui.label("未找到该车辆 No such car").classes("text-2xl").mark("no-car")
                    return
                ui.label(f"{car.plate} · {car.model} {car.colour}").classes("text-3xl")
                ui.label(f"{STAGE_ZH[car.stage]} {STAGE_EN[car.stage]}").classes("text-3xl").mark(
                    "stage"
                )
                ui.linear_progress(value=car.progress / 100, show_value=False).classes("h-4")
                ui.label(f"预计交车 Promised {_hm(car.promised_at, zone)}").classes("text-xl")
                if car.notice == "ready":
                    ui.label("请到前台提车 Please come to the front desk").classes(
                        "text-2xl text-green-400"
                    )
                elif car.notice == "at_risk":
                    ui.label("服务顾问将与您联系 Your advisor will contact you").classes(
                        "text-2xl text-amber-400"
                    )

        show()
        ui.timer(10.0, show)

    @ui.page("/")
    def index() -> None:
        ui.label(site_name).classes("text-2xl")
        ui.link("客户休息区 Lounge", "/lounge")
        ui.link("派工看板 Dispatch", "/dispatch")
        for bay in kiosk_bays or []:
            ui.link(f"工位终端 Kiosk {bay}", f"/kiosk/{bay}")

    @ui.page("/lounge")
    def lounge_page() -> None:
        ui.query("body").classes("bg-gray-900 text-white")
        ui.label(f"{site_name} · 车辆维修进度 Service progress").classes("text-4xl")
        columns = [
            {"name": "plate", "label": "车牌 Plate", "field": "plate"},
            {"name": "model", "label": "车型 Model", "field": "model"},
            {"name": "stage", "label": "进度 Stage", "field": "stage"},
            {"name": "progress", "label": "%", "field": "progress"},
            {"name": "promised", "label": "预计交车 Promised", "field": "promised"},
            {"name": "notice", "label": "", "field": "notice"},
        ]
        table = ui.table(columns=columns, rows=[], row_key="plate").classes("w-full text-2xl")

        def render(view: LoungeView) -> None:
            table.rows = [
                {
                    "plate": c.plate,
                    "model": f"{c.model} {c.colour}",
                    "stage": f"{STAGE_ZH[c.stage]} {STAGE_EN[c.stage]}",
                    "progress": c.progress,
                    "promised": _hm(c.promised_at, zone),
                    "notice": {
                        "ready": "请到前台提车 Please come to the front desk",
                        "at_risk": "服务顾问将与您联系 Your advisor will contact you",
                        None: "",
                    }[c.notice],
                }
                for c in view.cars
            ]
            table.update()

        follow(lounge, render)

    @ui.page("/dispatch")
    def dispatch_page() -> None:
        ui.label(f"{site_name} · 派工看板 Dispatch board").classes("text-2xl")
        columns = [
            {"name": k, "label": label, "field": k}
            for k, label in [
                ("bay", "工位 Bay"),
                ("techs", "技师 Technicians"),
                ("current", "在修 Current"),
                ("queue", "排队 Queue"),
            ]
        ]
        bays = ui.table(columns=columns, rows=[], row_key="bay").classes("w-full")
        waiting = ui.label()
        devices = ui.label().mark("devices")
        ui.label("最近打印 Recent prints").classes("text-lg")
        prints = ui.row().classes("gap-4")
        shown: list[str] = []

        def show_prints() -> None:
            latest = recent_prints() if recent_prints else []
            ids = [p[0] for p in latest]
            if ids == shown:
                return
            shown[:] = ids
            prints.clear()
            with prints:
                for _id, document, state, preview in latest:
                    with ui.column().classes("items-center"):
                        ui.label(f"{document} {state}").mark("print")
                        if preview:
                            ui.image(preview).classes("w-40")

        def render(view: DispatchView) -> None:
            cards = {j.ro: j for j in view.jobs}

            def with_pause(ro: str) -> str:
                card = cards.get(ro)
                reason = card.pause_reason if card else None
                return f"{ro} ⏸{PAUSE_ZH.get(reason, reason)}" if reason else ro

            bays.rows = [
                {
                    "bay": f"{b.id} {b.name}",
                    "techs": ", ".join(t.name for t in b.techs),
                    "current": b.current or "",
                    "queue": " ".join(with_pause(ro) for ro in b.queue),
                }
                for b in view.bays
            ]
            bays.update()
            waiting.text = "待派工 Waiting dispatch: " + (" ".join(view.waiting_dispatch) or "—")
            devices.text = "设备 Devices: " + " ".join(
                f"{d.device}{'✓' if d.online else '✗'}{f' ({d.problem})' if d.problem else ''}"
                for d in view.devices
            )
            show_prints()

        follow(dispatch, render)
