"""Prints ordered with a step, their results from the bridge, and sending them (again)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from core.commands import Command
from core.config import SiteConfig
from core.contract import topics
from core.contract.messages import Command as DeviceCommand
from core.contract.messages import dump
from core.contract.printing import PrintJob
from core.domain.events import DomainEvent
from core.domain.workshop import Workshop
from core.prints import prints_for, prints_of_facts
from core.store.repository import Batch

from .device_health import DeviceHealth
from .items import Publisher


class PrintDesk:
    def __init__(
        self,
        config: SiteConfig,
        publisher: Publisher,
        health: DeviceHealth,
        clock: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.publisher = publisher
        self.health = health
        self.clock = clock

    def order(self, cmd: Command, value: Any, now: datetime, batch: Batch) -> None:
        """The prints a step asks for, stored with the step (sent after the commit)."""
        self._keep(prints_for(self.config, cmd, value, now), batch)

    @staticmethod
    def _keep(printings: list[PrintJob], batch: Batch) -> None:
        for printing in printings:
            batch.prints.append(
                (
                    printing.print_id,
                    printing.printer,
                    getattr(printing.doc, "ro", None),
                    printing.doc.document,
                    printing.model_dump(mode="json"),
                )
            )

    def order_for_facts(
        self, ws: Workshop, facts: Iterable[DomainEvent], now: datetime, batch: Batch
    ) -> None:
        """The prints a device's step asks for (a bay's pick slip), stored with the step."""
        printings = prints_of_facts(self.config, ws, facts, now)
        if printings:  # seldom: a step of a kiosk that asks for parts
            self._keep(printings, batch)

    def result(self, type_: str, data: dict[str, Any], batch: Batch, at: datetime) -> None:
        """``print.done`` / ``print.failed`` from the bridge: the print's state and the
        printer's health."""
        failed = type_ == "print.failed"
        reason = str(data.get("reason") or "failed") if failed else None
        batch.print_results.append((str(data["print_id"]), "failed" if failed else "done", reason))
        self.health.printer_result(str(data["printer"]), reason, at)

    def send(self, jobs: list[dict[str, Any]]) -> None:
        site = self.config.site.id
        for job in jobs:
            cmd = DeviceCommand(id=job["print_id"], type="print", ts=self.clock(), data=job)
            topic = topics.CMD.full(site, device=job["printer"])
            self.publisher.publish(topic, dump(cmd), 1, False)
