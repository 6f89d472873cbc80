"""The welcome board at reception (预约欢迎看板): today's booked cars by time, for anyone
walking in. Public like the lounge TV, and under its rules: dark, both languages at once,
sized in screen units (a 1080p and a 4K TV alike), turning its pages by itself, masked
plates and the advisor's name, never the customer's name or phone number."""

from __future__ import annotations

import html
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from nicegui import ui

from board.frame import TAB_TITLE, tab_title
from board.live import LiveBoard, Parts, boards_by_screen_size
from board.source import BoardSource
from core.contract import site_clock
from core.contract.views import WelcomeArrival, WelcomeView
from core.display.texts import both

ROWS = 8  # cars on one screen (``/welcome?rows=N`` for a bigger wall)
ROWS_SPACE_VH = 64  # of the screen's height, for the rows
PAGE_SECONDS = 10.0

_CSS = """
body { background: #0b1020; color: #e8ecf5; overflow: hidden; }
.nicegui-content { padding: 0; }
.welcome-head { font-size: 4vh; font-weight: 600; }
.welcome-greeting { font-size: 2.6vh; color: #93c5fd; }
.welcome-clock { font-size: 4vh; font-variant-numeric: tabular-nums; }
.welcome-cols { font-size: 2vh; color: #8b95b0; }
.welcome-row { border-bottom: 1px solid #1e2a48; }
.welcome-row:empty { border-bottom: none; }
.welcome-time { font-size: 3.8vh; font-variant-numeric: tabular-nums; color: #fbbf24; }
.welcome-plate { font-family: monospace; font-size: 3.8vh; letter-spacing: .06em; }
.welcome-state { font-size: 2.8vh; line-height: 1.2; }
.welcome-arrived { color: #4ade80; }
.welcome-expected { color: #94a3b8; }
.welcome-foot { font-size: 2vh; color: #8b95b0; }
"""

#: The columns: the text's key and its share of the width (the rest is the state).
COLUMNS = [
    ("welcome.time", "12%"),
    ("welcome.plate", "18%"),
    ("welcome.car", "24%"),
    ("welcome.advisor", "20%"),
]


def _hm(ts: datetime, zone: ZoneInfo) -> str:
    return ts.astimezone(zone).strftime("%H:%M")


def row_html(car: WelcomeArrival, zone: ZoneInfo) -> str:
    """One car's line, a single element (every element costs each open screen time)."""
    e = html.escape
    state = "arrived" if car.arrived else "expected"
    return (
        f'<div class="welcome-time" style="width:12%">{_hm(car.at, zone)}</div>'
        f'<div class="welcome-plate" style="width:18%">{e(car.plate)}</div>'
        f'<div class="truncate" style="width:24%">{e(car.model)}</div>'
        f'<div class="truncate" style="width:20%">{e(car.advisor)}</div>'
        f'<div class="welcome-state welcome-{state}">{e(both("welcome." + state))}</div>'
    )


class WelcomeScreen:
    """What a welcome screen of ``rows`` lines shows: the page of cars due now (all screens
    of one size turn their pages together), the line for a day without bookings, the page."""

    def __init__(self, rows: int, zone: ZoneInfo) -> None:
        self.rows = rows
        self.zone = zone

    def parts(self, view: WelcomeView) -> Parts:
        cars = view.arrivals
        pages = max(1, -(-len(cars) // self.rows))
        page = int(time.time() // PAGE_SECONDS) % pages
        shown = cars[page * self.rows : (page + 1) * self.rows]
        parts: Parts = {}
        for i in range(self.rows):
            parts[f"row-{i}"] = row_html(shown[i], self.zone) if i < len(shown) else ""
        parts["empty"] = "" if cars else html.escape(both("welcome.empty"))
        parts["page"] = html.escape(both("lounge.page", n=page + 1, of=pages)) if pages > 1 else ""
        return parts


def register_welcome(source: BoardSource) -> None:
    zone = source.config.zone
    site_name = source.config.site.name
    board = boards_by_screen_size(
        "welcome",
        source,
        source.welcome,
        lambda rows: WelcomeScreen(rows, zone).parts,
        lambda: PAGE_SECONDS,
    )

    @ui.page("/welcome", title=TAB_TITLE)
    def welcome_page(rows: int = ROWS) -> None:
        rows = max(4, min(60, rows))
        welcome_screen(board(rows), rows, site_name, zone)


def welcome_screen(live: LiveBoard[WelcomeView], rows: int, site_name: str, zone: ZoneInfo) -> None:
    """Title, greeting and clock, the column heads, and ``rows`` lines the board fills."""
    ui.page_title(tab_title(both("welcome.title")))
    ui.add_css(_CSS)
    with ui.row().classes("w-full items-center justify-between px-8 pt-4 no-wrap"):
        with ui.column().classes("gap-0"):
            ui.label(f"{site_name} · {both('welcome.title')}").classes("welcome-head")
            ui.label(both("welcome.greeting")).classes("welcome-greeting")
        clock = ui.label().classes("welcome-clock").mark("clock")
    with ui.row().classes("welcome-cols w-full gap-4 px-8 pt-2 no-wrap"):
        for key, width in [*COLUMNS, ("welcome.state", "auto")]:
            ui.label(both(key)).classes(f"w-[{width}] whitespace-nowrap")
    for i in range(rows):
        line = ui.html("", sanitize=False).classes(
            "welcome-row w-full flex items-center gap-4 px-8 no-wrap"
        )
        line.style(f"height: {ROWS_SPACE_VH / rows:.2f}vh; font-size: {min(3.3, 26 / rows):.2f}vh")
        live.show(f"row-{i}", line.mark(f"row-{i}"))
    live.show("empty", ui.html("", sanitize=False).classes("welcome-row px-8").mark("empty"))
    live.show("page", ui.html("", sanitize=False).classes("welcome-foot px-8").mark("page"))

    def tick() -> None:
        clock.text = site_clock.now(zone).strftime("%H:%M")

    tick()
    ui.timer(1.0, tick)
