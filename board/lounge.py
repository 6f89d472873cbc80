"""The customer lounge TV and the customer's own status page: no names, masked plates."""

from __future__ import annotations

import html
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from nicegui import ui

from board.frame import TAB_TITLE, tab_title
from board.live import LiveBoard, Parts, boards_by_screen_size
from board.source import BoardSource
from core.contract import site_clock
from core.contract.views import LoungeCar, LoungeView
from core.display.rules import clock_text
from core.display.texts import Lang, both, texts_for

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
.lounge-row:empty { border-bottom: none; }
/* A plate is read as one word: never broken over two lines, on any screen. */
.lounge-plate { font-family: monospace; font-size: 3.8vh; letter-spacing: .06em;
  white-space: nowrap; }
/* A line's columns keep their widths, under their heads; its notice takes what is left. */
.lounge-row > div { flex: none; }
.lounge-row > .lounge-notice { font-size: 2.8vh; line-height: 1.2; flex: 1 1 0; min-width: 0; }
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


def _hm(ts: datetime | None, zone: ZoneInfo, day: date) -> str:
    """A time the customer reads: with its date when it is not today's (a car that will
    be ready after tomorrow's opening must not read as ready this morning)."""
    return clock_text(ts, zone, day) if ts else "—"


def row_html(car: LoungeCar, zone: ZoneInfo, day: date) -> str:
    """One car's line on ``day``. A single element per line: every element on a page costs
    each open screen time on every update, so the lounge keeps few."""
    e = html.escape
    notice = ""
    if car.notice == "ready":
        notice = f'<div class="lounge-notice lounge-notice-ready">{e(both("notice.ready"))}</div>'
    elif car.notice == "at_risk":
        notice = f'<div class="lounge-notice lounge-notice-risk">{e(both("notice.at_risk"))}</div>'
    colour = _STAGE_COLOUR[car.stage]
    return (
        f'<div class="lounge-plate" style="width:16%">{e(car.plate)}</div>'
        f'<div class="truncate" style="width:16%">{e(f"{car.model} {car.colour}".strip())}</div>'
        f'<div style="width:24%"><div class="lounge-stage">{e(both(f"stage.{car.stage}"))}</div>'
        f'<div class="lounge-bar"><div style="width:{car.progress}%;background:{colour}">'
        f"</div></div></div>"
        f'<div class="text-center" style="width:14%;white-space:nowrap">'
        f"{_hm(car.promised_at, zone, day)}</div>"
        f"{notice}"
    )


class LoungeScreen:
    """What a lounge screen of ``rows`` lines shows: the page of cars due now (all screens
    of one size turn their pages together), the empty-workshop line and the page count."""

    def __init__(self, rows: int, zone: ZoneInfo) -> None:
        self.rows = rows
        self.zone = zone
        self._lines: dict[int, tuple[LoungeCar, date, str]] = {}

    def parts(self, view: LoungeView) -> Parts:
        cars = view.cars
        pages = max(1, -(-len(cars) // self.rows))
        page = int(time.time() // PAGE_SECONDS) % pages
        shown = cars[page * self.rows : (page + 1) * self.rows]
        day = site_clock.now(self.zone).date()
        parts: Parts = {}
        for i in range(self.rows):
            car = shown[i] if i < len(shown) else None
            parts[f"row-{i}"] = self._line(i, car, day) if car is not None else ""
        parts["empty"] = "" if cars else html.escape(both("lounge.empty"))
        parts["page"] = html.escape(both("lounge.page", n=page + 1, of=pages)) if pages > 1 else ""
        return parts

    def _line(self, i: int, car: LoungeCar, day: date) -> str:
        last = self._lines.get(i)
        if last is not None and last[0] is car and last[1] == day:
            return last[2]  # the core hands out the same car while it is unchanged
        line = row_html(car, self.zone, day)
        self._lines[i] = (car, day, line)
        return line


def register_lounge(source: BoardSource) -> None:
    zone = source.config.zone
    site_name = source.config.site.name
    board = boards_by_screen_size(
        "lounge",
        source,
        source.lounge,
        lambda rows: LoungeScreen(rows, zone).parts,
        lambda: PAGE_SECONDS,
    )

    @ui.page("/lounge", title=TAB_TITLE)
    def lounge_page(rows: int = ROWS) -> None:
        rows = max(4, min(60, rows))
        lounge_screen(board(rows), rows, site_name, zone)

    @ui.page("/status/{token}", title=TAB_TITLE)
    def status_page(token: str, lang: str = "") -> None:
        """The customer's own page, from the QR on the pickup card: the lounge's privacy
        rules (masked plate, no names), laid out for a phone."""
        shown: Lang = "en" if (lang or source.config.site.language) == "en" else "zh"
        StatusPage(source, token, shown)


def lounge_screen(live: LiveBoard[LoungeView], rows: int, site_name: str, zone: ZoneInfo) -> None:
    """The lounge TV: title and clock, the column heads, and ``rows`` lines the shared
    board fills."""
    ui.page_title(tab_title(both("lounge.title")))
    ui.add_css(_CSS)
    with ui.row().classes("w-full items-center justify-between px-8 pt-4"):
        ui.label(f"{site_name} · {both('lounge.title')}").classes("lounge-head")
        clock = ui.label().classes("lounge-clock").mark("clock")
    with ui.row().classes("lounge-cols w-full gap-4 px-8 pt-2 no-wrap"):
        for key, width in [
            ("lounge.plate", "16%"),
            ("lounge.car", "16%"),
            ("lounge.stage", "24%"),
            ("lounge.promised", "14%"),  # room for a date: "12-08 10:30" on one line
        ]:
            ui.label(both(key)).classes(f"w-[{width}] whitespace-nowrap")
    # Built once, filled in place: one element per line, as every element on a page
    # costs each open screen time on every update.
    for i in range(rows):
        line = ui.html("", sanitize=False).classes(
            "lounge-row w-full flex items-center gap-4 px-8 no-wrap"
        )
        line.style(f"height: {ROWS_SPACE_VH / rows:.2f}vh; font-size: {min(3.3, 26 / rows):.2f}vh")
        live.show(f"row-{i}", line.mark(f"row-{i}"))
    live.show("empty", ui.html("", sanitize=False).classes("lounge-row px-8").mark("empty"))
    live.show("page", ui.html("", sanitize=False).classes("lounge-foot px-8").mark("page"))

    def tick() -> None:
        clock.text = site_clock.now(zone).strftime("%H:%M")

    tick()
    ui.timer(1.0, tick)


class StatusPage:
    """The customer's phone page of one car, in the language asked for, every 10 s."""

    def __init__(self, source: BoardSource, token: str, lang: Lang) -> None:
        self.source = source
        self.token = token
        self.zone = source.config.zone
        self.t = texts_for(lang)
        ui.page_title(tab_title(self.t("lounge.title")))
        ui.add_css("body { background: #0b1020; color: #e8ecf5; }")
        ui.add_head_html('<meta name="viewport" content="width=device-width, initial-scale=1">')
        with ui.column().classes("w-full max-w-md mx-auto p-4 gap-3"):
            with ui.row().classes("w-full justify-between items-center"):
                ui.label(source.config.site.name).classes("text-lg")
                other = "zh" if lang == "en" else "en"
                ui.link(self.t("language"), f"/status/{token}?lang={other}").classes("text-sky-300")
            self.box = ui.column().classes("w-full gap-3")
        self.show()
        ui.timer(10.0, self.show)

    def show(self) -> None:
        try:
            car = self.source.car_status(self.token) if len(self.token) >= 8 else None
        except (RuntimeError, TimeoutError):
            return  # the core is restarting: keep what the page shows
        self.box.clear()
        with self.box:
            if car is None and self._delivered():
                ui.label(self.t("status.delivered")).classes("text-2xl").mark("delivered")
            elif car is None:
                ui.label(self.t("status.none")).classes("text-2xl").mark("no-car")
            else:
                self._car(car)

    def _delivered(self) -> bool:
        return len(self.token) >= 8 and self.source.delivered(self.token)

    def _car(self, car: LoungeCar) -> None:
        t, zone = self.t, self.zone
        day = site_clock.now(zone).date()
        ui.label(car.plate).classes("text-4xl font-mono").mark("plate")
        ui.label(f"{car.model} {car.colour}").classes("text-xl")
        ui.label(t(f"stage.{car.stage}")).classes("text-3xl").mark("stage")
        ui.linear_progress(value=car.progress / 100, show_value=False, size="16px")
        ui.label(f"{t('lounge.promised')} {_hm(car.promised_at, zone, day)}").classes("text-xl")
        if car.predicted_at and car.stage != "ready":
            ui.label(f"{t('status.predicted')} {_hm(car.predicted_at, zone, day)}").classes(
                "text-lg text-slate-400"
            )
        if car.notice == "ready":
            ui.label(t("notice.ready")).classes("text-2xl text-green-400").mark("notice")
        elif car.notice == "at_risk":
            ui.label(t("notice.at_risk")).classes("text-2xl text-amber-400").mark("notice")
