"""Which devices are online, from their retained status and the printers' results."""

from __future__ import annotations

import logging
from datetime import datetime

from core.config import SiteConfig
from core.contract.messages import DeviceStatus
from core.contract.views import DeviceRow

logger = logging.getLogger(__name__)


class DeviceHealth:
    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.rows: dict[str, DeviceRow] = {}

    def online(self, device: str) -> bool:
        row = self.rows.get(device)
        return row is not None and row.online

    def sorted_rows(self) -> list[DeviceRow]:
        return sorted(self.rows.values(), key=lambda d: d.device)

    def forget_status(self, now: datetime) -> None:
        """After a new broker connection every device counts offline until it speaks again."""
        for device, row in list(self.rows.items()):
            if row.online:
                self.rows[device] = row.model_copy(update={"online": False, "since": now})

    def status(self, device: str, payload: bytes, now: datetime) -> bool:
        """A retained status (an empty one clears it); True when what is shown changed."""
        if not payload:
            return self.rows.pop(device, None) is not None
        try:
            status = DeviceStatus.model_validate_json(payload)
        except ValueError:
            logger.warning("ignored malformed status from %s", device)
            return False
        kind = self.config.device_kind(device) or status.kind or "unknown"
        row = DeviceRow(
            device=device,
            kind=kind,
            online=status.online,
            outbox=status.outbox,
            since=now,
            problem=status.problem if status.online else None,
        )
        return self._keep(row)

    def printer_result(self, printer: str, reason: str | None, at: datetime) -> None:
        """A print result is the printer's health: offline or timed out, or answering."""
        row = self.rows.get(printer)
        self._keep(
            DeviceRow(
                device=printer,
                kind="printer",
                online=reason not in ("offline", "timeout"),
                outbox=row.outbox if row else None,
                since=at,
                problem=reason,
            )
        )

    def printers_as_last_heard(self, results: dict[str, tuple[str, str | None, datetime]]) -> None:
        """At start: each of the site's printers as its newest answered print left it (a
        printer says nothing of itself; only its prints' results do)."""
        for printer in self.config.printers:
            heard = results.get(printer.device)
            if heard is not None and printer.device not in self.rows:
                state, reason, at = heard
                self.printer_result(printer.device, reason if state == "failed" else None, at)

    def _keep(self, row: DeviceRow) -> bool:
        """True when the row changed. ``since`` is since when the device is as it is: a
        device saying again what it said (a kiosk after every answered tap) changes nothing,
        and nothing is sent to the boards for it."""
        old = self.rows.get(row.device)
        if old is not None and (old.online, old.problem) == (row.online, row.problem):
            row = row.model_copy(update={"since": old.since})
        if row == old:
            return False
        self.rows[row.device] = row
        return True
