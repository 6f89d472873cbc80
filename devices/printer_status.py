"""The two ESC/POS status requests a print is framed by, and how their answers read.

Before a ticket: DLE EOT 4, the real-time paper roll sensor status. A printer answers a
real-time request as soon as it receives it, ahead of anything still in its buffer, even
while offline or in error — the right question for "is there paper, before I send?".

After a ticket: GS r 1, the paper sensor status transmitted *in order*. The printer
processes it like any other command, only once everything received before it has been
processed, so its answer is the printer's word that the ticket was processed. A real-time
request after the ticket would not say that: it would be answered on arrival, while the
ticket may still wait in the buffer (or never leave it). Automatic status back (GS a)
reports changes of state, not the end of a particular job.

Each answer is one byte with fixed bits, which tells it apart from anything else a printer
may send (XON/XOFF on a serial line, say): see ``answers_paper_status`` and
``answers_transmit_status``.
"""

from __future__ import annotations

PAPER_STATUS = b"\x10\x04\x04"  # DLE EOT 4
TRANSMIT_PAPER_STATUS = b"\x1d\x72\x01"  # GS r 1

# DLE EOT answers: bits 0 and 7 clear, bits 1 and 4 set; bits 5-6 set = roll paper end.
_REAL_TIME_FIXED_MASK, _REAL_TIME_FIXED = 0x93, 0x12
_REAL_TIME_PAPER_END = 0x60
# GS r 1 answers: bits 4 and 7 clear; bits 2-3 set = roll paper end (0-1: near its end).
_TRANSMIT_FIXED_MASK = 0x90
_TRANSMIT_PAPER_END = 0x0C


def answers_paper_status(byte: int) -> bool:
    """Whether ``byte`` is an answer to DLE EOT 4."""
    return byte & _REAL_TIME_FIXED_MASK == _REAL_TIME_FIXED


def answers_transmit_status(byte: int) -> bool:
    """Whether ``byte`` is an answer to GS r 1."""
    return byte & _TRANSMIT_FIXED_MASK == 0


def paper_end_before(byte: int) -> bool:
    """A DLE EOT 4 answer saying the roll is empty."""
    return byte & _REAL_TIME_PAPER_END == _REAL_TIME_PAPER_END


def paper_end_after(byte: int) -> bool:
    """A GS r 1 answer saying the roll ran out (so the ticket may be cut short)."""
    return byte & _TRANSMIT_PAPER_END == _TRANSMIT_PAPER_END
