"""The boards served for a real browser on a planned morning: the busy workshop (12 bays,
30 cars in every stage) at 10:30 on a Tuesday by the site's clock, with cars booked for the
rest of the day (some already here), so the dispatch board's Gantt shows planned and actual
bars and the booked cars' reserved time, and the welcome board a day of arrivals.

    python -m tests.schedule_server DATA_DIR WEB_PORT
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nicegui import app, ui

from board.pages import register
from core.board_source import CoreBoardSource
from core.contract import site_clock
from core.demo.busy import MODELS, busy_config, fill
from core.domain.appointment import Booking
from core.domain.model import Customer, Operation, Vehicle
from core.domain.workshop import Workshop
from core.engine import Core
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from tests.board_server import Nowhere
from tests.helpers import demo_config

SITE_NOW = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
BOOKED = 10  # cars booked for the rest of the day, two advisors taking turns
ARRIVED = 3  # the first of them already at reception
PLATES = ["沪A", "苏E", "浙A", "京N", "粤B"]


def book_the_day(ws: Workshop, now: datetime) -> None:
    """Cars booked in the advisors' next free slots of today; the first few arrived."""
    day = ws.hours.day_of(now)
    booked = []
    for i in range(BOOKED):
        advisor = "SA01" if i % 2 == 0 else "SA02"
        slot = ws.free_slots(advisor, day, after=now)[i // 2]
        model, _ = MODELS[i % len(MODELS)]
        booking = Booking(
            customer=Customer(name=f"预约客户{i:02d}", phone=f"137{i:08d}"),
            vehicle=Vehicle(
                plate=f"{PLATES[i % len(PLATES)]}{(53 * i + 20011) % 100000:05d}", model=model
            ),
            operations=(Operation("M010", "小保养", 1.0 + (i % 3) * 0.5, "Minor service"),),
            start=slot,
            advisor=advisor,
        )
        booked.append(ws.book(booking, now, force=True, reason="示范"))
    for appt in sorted(booked, key=lambda a: a.start)[:ARRIVED]:
        ws.mark_arrived(appt.id, now)
    ahead(ws, now)


def ahead(ws: Workshop, now: datetime) -> None:
    """The next days filling up: tomorrow nearly full, the day after half."""
    for days, cars in ((1, 14), (2, 7)):
        day = ws.hours.day_of(now) + timedelta(days=days)
        for i in range(cars):
            advisor = "SA01" if i % 2 == 0 else "SA02"
            booking = Booking(
                customer=Customer(name=f"预约客户{i:02d}", phone=f"137{i:08d}"),
                vehicle=Vehicle(plate=f"川A{30001 + 7 * i + days}", model="日产 轩逸"),
                operations=(Operation("R010", "更换正时皮带", 8.0, "Timing belt"),),
                start=ws.free_slots(advisor, day)[i // 2],
                advisor=advisor,
            )
            ws.book(booking, now, force=True, reason="示范")


def main() -> None:
    data, web_port = Path(sys.argv[1]), int(sys.argv[2])
    real = datetime.now(UTC)
    site_clock.install(site_clock.SiteClock(SITE_NOW.astimezone(UTC), real, 1.0))
    cfg = busy_config(demo_config(data_dir=str(data)), bays=12)
    engine = make_engine(sqlite_url(data))
    migrate(engine)
    core = Core(cfg, Store(engine, cfg.site.id), Nowhere(), lambda: site_clock.now())
    core.start()
    now = site_clock.now()
    fill(core, 30, now - timedelta(minutes=30))
    core.query(book_the_day)
    register(CoreBoardSource(core))
    app.on_shutdown(core.stop)
    print("READY", flush=True)
    ui.run(
        host="127.0.0.1",
        port=web_port,
        reload=False,
        show=False,
        title="schedule test",
        storage_secret="schedule-test-secret",
    )


if __name__ == "__main__":
    main()
