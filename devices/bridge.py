"""The devices bridge: the PC the key-cabinet readers and ticket printers hang on, speaking
MQTT to the core through the same durable outbox as the kiosks. Print commands arrive on
``dev/{printer}/cmd``; results go back as ``print.done`` / ``print.failed`` events."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from core.config import SiteConfig
from core.contract import topics
from core.contract.messages import Command
from core.contract.printing import PrintJob
from core.mqtt import BrokerAddress
from devices.keyframes import Custody
from devices.keyreader import KeyReader, ReaderSpec
from devices.link import DeviceLink
from devices.printers import open_printer
from devices.spool import PrintWorker, Spool
from devices.tickets import render

logger = logging.getLogger(__name__)


def reader_specs(config: SiteConfig) -> list[ReaderSpec]:
    return [
        ReaderSpec(
            url=r.url,
            cabinet=cab.id,
            protocol=r.protocol,
            mode=r.mode,
            slot=r.slot,
            gap_seconds=r.gap_seconds,
        )
        for cab in config.key_cabinets
        for r in cab.readers
    ]


class Bridge:
    def __init__(
        self,
        config: SiteConfig,
        address: BrokerAddress,
        password: str | None,
        state_dir: Path,
        specs: list[ReaderSpec] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        site = config.site.id
        self.printers = {
            p.device: (open_printer(p.url, Path(config.data_dir)), p.width) for p in config.printers
        }
        self.spool = Spool(state_dir / "spool.sqlite")
        self.worker = PrintWorker(self.spool, self._print, self._printed)
        self.link = DeviceLink(
            address,
            site,
            config.bridge.device,
            password,
            state_dir,
            kind="bridge",
            status_extra=self._status,
            subscriptions={
                topics.CMD.full(site, device=device): self._command for device in self.printers
            },
        )
        self.readers = [
            KeyReader(spec, self._custody, self._port)
            for spec in (reader_specs(config) if specs is None else specs)
        ]

    def _status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "readers": {
                r.spec.url: {
                    "cabinet": r.spec.cabinet,
                    "slot": r.spec.slot,
                    "open": r.port_open,
                    "garbage": r.garbage,
                }
                for r in self.readers
            },
            "print_queue": self.spool.waiting(),
        }
        if not all(r.port_open for r in self.readers):
            # Custody of the keys on a reader that is down stands still: the board says so.
            status["problem"] = "reader_down"
        return status

    # ---------------------------------------------------------------- printing
    def _command(self, payload: bytes) -> None:
        try:
            cmd = Command.model_validate_json(payload)
            if cmd.type != "print":
                logger.warning("ignored command %s of type %s", cmd.id, cmd.type)
                return
            job = PrintJob.model_validate(cmd.data)
        except ValidationError as exc:
            logger.warning("ignored an unreadable command: %s", exc.errors()[0]["msg"])
            return
        if job.printer not in self.printers:
            logger.warning("print %s names printer %s, not one of ours", job.print_id, job.printer)
            return
        if self.spool.add(job):
            self.worker.wake()

    def _print(self, job: PrintJob) -> None:
        transport, width = self.printers[job.printer]
        transport.send(render(job.doc, width, ZoneInfo(job.zone)), job.print_id)

    def _printed(self, job: PrintJob, failure: str | None) -> None:
        data = {"printer": job.printer, "print_id": job.print_id, "document": job.doc.document}
        ro = getattr(job.doc, "ro", None)
        if failure is None:
            self.link.send("print.done", job=ro, data=data)
        else:
            self.link.send("print.failed", job=ro, data={**data, "reason": failure[:500]})
        self.link.announce()

    def _custody(self, spec: ReaderSpec, change: Custody) -> None:
        logger.info("%s slot %s: %s %s", spec.cabinet, spec.slot, change.kind, change.tag)
        self.link.send(
            change.kind, data={"cabinet": spec.cabinet, "slot": spec.slot, "tag": change.tag}
        )

    def _port(self, spec: ReaderSpec, is_open: bool) -> None:
        if is_open:
            logger.info("key reader %s (%s slot %s) is back", spec.url, spec.cabinet, spec.slot)
        else:
            logger.warning(
                "key reader %s (%s slot %s) is down; its keys stay as they were until it is back",
                spec.url,
                spec.cabinet,
                spec.slot,
            )
        self.link.announce()

    def start(self) -> Bridge:
        self.link.start()
        for r in self.readers:
            r.start()
        self.worker.start()
        return self

    def stop(self) -> None:
        self.worker.stop()
        for r in self.readers:
            r.stop()
        self.link.stop()
        self.spool.close()
