"""The devices bridge: the PC the key-cabinet readers and ticket printers hang on, speaking
MQTT to the core through the same durable outbox as the kiosks. Print commands arrive on
``dev/{printer}/cmd``; results go back as ``print.done`` / ``print.failed`` events."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from core.config import SiteConfig
from core.contract import topics
from core.contract.messages import Command
from core.contract.printing import PrintJob
from core.mqtt import BrokerAddress
from devices.custody_file import CustodyFile
from devices.keyframes import Custody
from devices.keyreader import KeyReader, ReaderSpec
from devices.link import DeviceLink
from devices.printers import Transport, open_printer
from devices.reprint import marked_reprint
from devices.spool import PrintWorker, Spool, Spooled
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


@dataclass(frozen=True)
class Printer:
    transport: Transport
    width: int


class Bridge:
    def __init__(
        self,
        config: SiteConfig,
        address: BrokerAddress,
        password: str | None,
        state_dir: Path,
        specs: list[ReaderSpec] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.Lock()
        self._opened: set[str] = set()  # the readers opened once: another open is a return
        site = config.site.id
        data_dir = Path(config.data_dir)
        self.printers = {
            p.device: Printer(open_printer(p.url, data_dir, p.confirms, p.timeout_seconds), p.width)
            for p in config.printers
        }
        self.spool = Spool(state_dir / "spool.sqlite")
        self.worker = PrintWorker(self.spool, self._render, self._send, self._printed, clock=clock)
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
        wanted = reader_specs(config) if specs is None else specs
        self.custody = CustodyFile(state_dir / "custody.json", wanted)
        self.readers = [
            KeyReader(spec, self._custody, self._port, held=self.custody.held(spec))
            for spec in wanted
        ]
        self._reader_of = {r.spec: r for r in self.readers}

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

    def _render(self, item: Spooled) -> bytes:
        job = item.job
        ticket = render(job.doc, self.printers[job.printer].width, ZoneInfo(job.zone))
        return marked_reprint(ticket) if item.maybe_printed else ticket

    def _send(self, job: PrintJob, data: bytes) -> None:
        self.printers[job.printer].transport.send(data, job.print_id)

    def _printed(self, job: PrintJob, failure: str | None, attempts: int) -> None:
        data: dict[str, Any] = {
            "printer": job.printer,
            "print_id": job.print_id,
            "document": job.doc.document,
            "attempts": attempts,
        }
        ro = getattr(job.doc, "ro", None)
        if failure is not None:
            self.link.send("print.failed", job=ro, data={**data, "reason": failure[:500]})
        elif self.printers[job.printer].transport.confirms:
            self.link.send("print.done", job=ro, data={**data, "reason": ""})
        else:
            # Handed to a printer that cannot say whether it printed: done, and no more.
            self.link.send("print.done", job=ro, data={**data, "reason": "unconfirmed"})
        self.link.announce()

    def _custody(self, spec: ReaderSpec, change: Custody) -> None:
        logger.info("%s slot %s: %s %s", spec.cabinet, spec.slot, change.kind, change.tag)
        self.link.send(
            change.kind, data={"cabinet": spec.cabinet, "slot": spec.slot, "tag": change.tag}
        )
        # Kept once the event is in the outbox: a crash between the two sends it again after
        # the restart (the core answers a repeat), never loses it.
        reader = self._reader_of.get(spec)
        if reader is not None:
            self.custody.keep(spec, reader.custody.held())

    def _port(self, spec: ReaderSpec, is_open: bool) -> None:
        if is_open:
            again = spec.url in self._opened
            self._opened.add(spec.url)
            said = "is back" if again else "open"
            logger.info("key reader %s (%s slot %s) %s", spec.url, spec.cabinet, spec.slot, said)
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
