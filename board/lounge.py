"""The customer lounge TV and the customer's own status page: no names, masked plates."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from nicegui import ui

from board.live import InPlace, follow
from board.source import BoardSource
from board.texts import Lang, both, texts_for
from core.contract.views import LoungeCar, LoungeView

ROWS = 8  # cars on one screen, read from 3 m away (``/lounge?rows=N`` for a bigger wall)
ROWS_SPACE_VH = 69  # of the screen's height, for the rows
PAGE_SECONDS = 10.0

# Sizes in viewport units: the same page fills a 1080p and a 4K TV alike.
_CSS = """
body { background: #0b1020; color: #e8ecf5; overflow: hidden; }
.nicegui-content { padding: 0; }
.lounge-head { font-size: 4vh; font-weight: 600; }
.lounge-clock { font-size: 4vh; font-variant-numeric: tabular-nums; }
.lounge-cols { font-size: 2vh; color: #8b95b0; }
.lounge-row { border-bottom: 1px solid #1e2a48; }
.lounge-plate { font-family: monospace; font-size: 3.8vh; letter-spacing: .06em; }
.lounge-notice { font-size: 2.8vh; line-height: 1.2; flex-grow: 1; }
.lounge-bar { height: 1.2vh; background: #1e2a48; border-radius: .6vh; overflow: hidden;
  margin-top: .5vh; }
.lounge-bar > div { height: 100%; }
.lounge-notice-ready { color: #4ade80; }
.lounge-notice-risk { color: #fbbf24; }
.lounge-foot { font-size: 2vh; color: #8b95b0; }
"""

_STAGE_COLOUR = {
    "checked_in": "#64748b",
    "waiting": "#94a3b8",
    "in_progress": "#38bdf8",
    "quality_check": "#a78bfa",
    "wash": "#22d3ee",
    "ready": "#4ade80",
}


def _hm(ts: datetime | None, zone: ZoneInfo) -> str:
    return ts.astimezone(zone).strftime("%H:%M") if ts else "—"


def row_html(car: LoungeCar, zone: ZoneInfo) -> str:
    """One car's line. A single element per line: every element on a page costs each open
    screen time on every update, so the lounge keeps few."""
    e = html.escape
    notice = ""
    if car.notice == "ready":
        notice = f'<div class="lounge-notice lounge-notice-ready">{e(both("notice.ready"))}</div>'
    elif car.notice == "at_risk":
        notice = f'<div class="lounge-notice lounge-notice-risk">{e(both("notice.at_risk"))}</div>'
    colour = _STAGE_COLOUR[car.stage]
    return (
        f'<div class="lounge-plate" style="width:14%">{e(car.plate)}</div>'
        f'<div class="truncate" style="width:18%">{e(f"{car.model} {car.colour}".strip())}</div>'
        f'<div style="width:24%"><div class="lounge-stage">{e(both(f"stage.{car.stage}"))}</div>'
        f'<div class="lounge-bar"><div style="width:{car.progress}%;background:{colour}">'
        f"</div></div></div>"
        f'<div class="text-center" style="width:9%">{_hm(car.promised_at, zone)}</div>'
        f"{notice}"
    )


class _Row:
    """One line of the board, built once and filled in place."""

    def __init__(self, index: int, rows: int, fill: InPlace) -> None:
        self.fill = fill
        self.shown: LoungeCar | None = None
        self.box = (
            ui.html("", sanitize=False)
            .classes("lounge-row w-full flex items-center gap-4 px-8 no-wrap")
            .style(f"height: {ROWS_SPACE_VH / rows:.2f}vh; font-size: {min(3.3, 26 / rows):.2f}vh")
            .mark(f"row-{index}")
        )

    def show(self, car: LoungeCar | None, zone: ZoneInfo) -> None:
        if car is self.shown and car is not None:
            return  # the core hands out the same object while the car is unchanged
        self.shown = car
        self.box.visible = car is not None
        if car is not None:
            self.fill.set(self.box, row_html(car, zone))


def register_lounge(source: BoardSource) -> None:
    zone = source.config.zone
    site_name = source.config.site.name

    @ui.page("/lounge", title="Pitboard · Lounge")
    def lounge_page(rows: int = ROWS) -> None:
        rows = max(4, min(60, rows))
        ui.add_css(_CSS)
        with ui.row().classes("w-full items-center justify-between px-8 pt-4"):
            ui.label(f"{site_name} · {both('lounge.title')}").classes("lounge-head")
            clock = ui.label().classes("lounge-clock").mark("clock")
        with ui.row().classes("lounge-cols w-full gap-4 px-8 pt-2 no-wrap"):
            for key, width in [
                ("lounge.plate", "14%"),
                ("lounge.car", "18%"),
                ("lounge.stage", "24%"),
                ("lounge.promised", "9%"),
            ]:
                ui.label(both(key)).classes(f"w-[{width}] whitespace-nowrap")
        fill = InPlace()
        lines = [_Row(i, rows, fill) for i in range(rows)]
        empty = ui.label(both("lounge.empty")).classes("lounge-row px-8").mark("empty")
        footer = ui.label().classes("lounge-foot px-8").mark("page")
        state: dict[str, object] = {"cars": [], "page": 0}

        def paint() -> None:
            cars: list[LoungeCar] = state["cars"]  # type: ignore[assignment]
            pages = max(1, -(-len(cars) // rows))
            page = int(state["page"]) % pages  # type: ignore[call-overload]
            state["page"] = page
            shown = cars[page * rows : (page + 1) * rows]
            for i, row in enumerate(lines):
                row.show(shown[i] if i < len(shown) else None, zone)
            empty.visible = not cars
            footer.text = both("lounge.page", n=page + 1, of=pages) if pages > 1 else ""

        def render(view: LoungeView) -> None:
            state["cars"] = view.cars
            paint()

        def turn() -> None:
            state["page"] = int(state["page"]) + 1  # type: ignore[call-overload]
            paint()

        def tick() -> None:
            clock.text = datetime.now(zone).strftime("%H:%M")

        tick()
        ui.timer(1.0, tick)
        ui.timer(PAGE_SECONDS, turn, immediate=False)
        follow(source, source.lounge, render)

    @ui.page("/status/{token}", title="Pitboard")
    def status_page(token: str, lang: str = "") -> None:
        """The customer's own page, from the QR on the pickup card: the lounge's privacy
        rules (masked plate, no names), laid out for a phone."""
        shown: Lang = "en" if (lang or source.config.site.language) == "en" else "zh"
        t = texts_for(shown)
        ui.add_css("body { background: #0b1020; color: #e8ecf5; }")
        ui.add_head_html('<meta name="viewport" content="width=device-width, initial-scale=1">')
        with ui.column().classes("w-full max-w-md mx-auto p-4 gap-3"):
            with ui.row().classes("w-full justify-between items-center"):
                ui.label(site_name).classes("text-lg")
                other = "zh" if shown == "en" else "en"
                ui.link(t("language"), f"/status/{token}?lang={other}").classes("text-sky-300")
            box = ui.column().classes("w-full gap-3")

        def show() -> None:
            try:
                car = source.car_status(token) if len(token) >= 8 else None
            except (RuntimeError, TimeoutError):
                return  # the core is restarting: keep what the page shows
            box.clear()
            with box:
                if car is None:
                    ui.label(t("status.none")).classes("text-2xl").mark("no-car")
                    return
                ui.label(car.plate).classes("text-4xl font-mono").mark("plate")
                ui.label(f"{car.model} {car.colour}").classes("text-xl")
                ui.label(t(f"stage.{car.stage}")).classes("text-3xl").mark("stage")
                ui.linear_progress(value=car.progress / 100, show_value=False, size="16px")
                ui.label(f"{t('lounge.promised')} {_hm(car.promised_at, zone)}").classes("text-xl")
                if car.predicted_at and car.stage != "ready":
                    ui.label(f"{t('status.predicted')} {_hm(car.predicted_at, zone)}").classes(
                        "text-lg text-slate-400"
                    )
                if car.notice == "ready":
                    ui.label(t("notice.ready")).classes("text-2xl text-green-400").mark("notice")
                elif car.notice == "at_risk":
                    ui.label(t("notice.at_risk")).classes("text-2xl text-amber-400").mark("notice")

        show()
        ui.timer(10.0, show)
