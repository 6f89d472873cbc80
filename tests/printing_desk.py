"""For the page server of the browser tests: the core's print commands printed on the site's
virtual printers, as the devices bridge prints them (its ESC/POS, its PNG preview), and each
reported back to the core as ``print.done`` from the bridge; no broker between them."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.config import SiteConfig
from core.contract import topics
from core.contract.messages import Command
from core.contract.printing import PrintJob
from devices.printers import open_printer
from devices.tickets import render


class PrintingDesk:
    """The core's publisher: a print command is printed at once; everything else goes
    nowhere (the pages read the core, not the broker)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        data = Path(config.data_dir)
        self.printers = {p.device: (open_printer(p.url, data), p.width) for p in config.printers}
        self.seq = itertools.count(1)
        self.core: Any = None  # the core that publishes here, told after it is made

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        site = self.config.site.id
        device = topic.rsplit("/", 2)[-2]
        if device in self.printers and topic == topics.CMD.full(site, device=device):
            self._print(PrintJob.model_validate(Command.model_validate_json(payload).data))

    def puback(self, token: object) -> None:
        pass

    def send_now(self) -> None:
        pass

    def _print(self, job: PrintJob) -> None:
        transport, width = self.printers[job.printer]
        transport.send(render(job.doc, width, ZoneInfo(job.zone)), job.print_id)
        bridge = self.config.bridge.device
        said = {
            "v": 1,
            "source": bridge,
            "seq": next(self.seq),
            "ts": datetime.now(UTC).isoformat(),
            "type": "print.done",
            "job": getattr(job.doc, "ro", None),
            "data": {
                "printer": job.printer,
                "print_id": job.print_id,
                "document": job.doc.document,
                "attempts": 1,
                "reason": "unconfirmed",
            },
        }
        topic = topics.EVENT.full(self.config.site.id, device=bridge)
        self.core.on_message(topic, json.dumps(said).encode(), None)
