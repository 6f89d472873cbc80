"""The line at the top of a print that may be the second copy on paper: an earlier attempt
sent the ticket and never heard back (the printer took it and went silent, ran out of paper
or hung up half-way, or the bridge stopped while waiting), so a person holding two copies
knows the second is the same ticket, not a second order."""

from __future__ import annotations

from escpos.printer import Dummy

from devices.tickets import CHINESE_OFF, CHINESE_ON

REPRINT = "重印 / REPRINT"


def marked_reprint(ticket: bytes) -> bytes:
    """``ticket`` with the reprint line above it (the ticket then sets its own styles)."""
    p = Dummy()
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True)
    p._raw(CHINESE_ON + REPRINT.encode("gb18030") + CHINESE_OFF + b"\n")
    p.set(align="left", bold=False, normal_textsize=True)
    return bytes(p.output) + ticket
