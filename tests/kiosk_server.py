"""A bay's kiosk served for a real browser: Mosquitto from broker_config/, the core on
SQLite, the B03 kiosk page, one job dispatched to B03, and an advisor who relays "yes"
to every finding (the customer agrees).

    python -m tests.kiosk_server DATA_DIR WEB_PORT
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from nicegui import app, ui

from core.app import CoreService
from core.broker import MosquittoBroker
from core.commands import AnswerFinding, CheckInCar, Dispatch
from core.domain.model import FindingState
from core.mqtt import BrokerAddress
from core.store.database import sqlite_url
from kiosk.app import connect
from kiosk.page import build
from tests.helpers import demo_config, order


def main() -> None:
    data, web_port = Path(sys.argv[1]), int(sys.argv[2])
    cfg = demo_config(data_dir=str(data))
    broker = MosquittoBroker(cfg, data / "broker").start()
    core_addr = BrokerAddress("127.0.0.1", broker.port, "core", broker.passwords["core"])
    service = CoreService(cfg, core_addr, sqlite_url(data)).start()
    if not service.link.connected.wait(15):
        raise SystemExit("core did not connect")
    job = service.core.run_command(CheckInCar(order()), "advisor:SA01")
    service.core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
    station, link = connect(
        cfg,
        "B03",
        BrokerAddress("127.0.0.1", broker.port),
        broker.passwords["kiosk-b03"],
        data / "kiosks",
    )
    stop = threading.Event()

    def advisor() -> None:
        while not stop.wait(0.2):
            for j in list(service.core.ws.jobs.values()):
                for f in j.findings:
                    if f.state is FindingState.PENDING:
                        service.core.submit(
                            AnswerFinding(j.ro, f.id, approved=True), "advisor:SA01"
                        )

    threading.Thread(target=advisor, daemon=True).start()

    @ui.page("/")
    def index() -> None:
        build(station, "en")

    def shutdown() -> None:
        stop.set()
        link.stop()
        service.stop()
        broker.stop()

    app.on_shutdown(shutdown)
    print(f"READY {job.ro}", flush=True)
    ui.run(host="127.0.0.1", port=web_port, reload=False, show=False, title="kiosk test")


if __name__ == "__main__":
    main()
