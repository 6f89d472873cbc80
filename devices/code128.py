"""CODE128 as ESC/POS printers take it (``GS k 73``): the data names its code sets inline
(``{B`` letters, ``{C`` digit pairs sent as one byte each), so the printer encodes exactly
the symbols we choose. Code set B carries every printable ASCII character; runs of digits go
in code set C, two digits a symbol, which keeps an RO number narrow enough for 58 mm paper.

The bar patterns come from python-barcode's CODE128 table."""

from __future__ import annotations

import re
from dataclasses import dataclass

from barcode.charsets.code128 import CODES, STOP

START = {"A": 103, "B": 104, "C": 105}
# The symbol that switches from one code set (key) to another.
SWITCH = {
    "A": {"B": 100, "C": 99},
    "B": {"A": 101, "C": 99},
    "C": {"A": 101, "B": 100},
}
PATTERNS: tuple[str, ...] = tuple(CODES)  # by symbol value
STOP_PATTERN: str = STOP + "11"  # the stop symbol is 13 modules: 11 and a final bar
QUIET_MODULES = 10  # the blank the standard asks for on each side


def escpos_data(text: str) -> bytes:
    """The ``GS k 73`` data for ``text``: code set B, with C for long runs of digits."""
    if not text or any(not 32 <= ord(c) < 127 for c in text):
        raise ValueError(f"CODE128 here takes printable ASCII only: {text!r}")
    out = bytearray()
    current = ""
    for m in re.finditer(r"\d+|\D+", text):
        run = m.group()
        at_edge = m.start() == 0 or m.end() == len(text)
        # Code set C pays off for 4 digits at an end (one switch) and 6 in the middle (two).
        if run.isdigit() and len(run) >= (4 if at_edge else 6):
            if len(run) % 2:  # the odd digit stays in code set B
                current = _to("B", current, out)
                out += run[0].encode()
                run = run[1:]
            current = _to("C", current, out)
            out += bytes(int(run[i : i + 2]) for i in range(0, len(run), 2))
        else:
            current = _to("B", current, out)
            out += run.replace("{", "{{").encode()
    return bytes(out)


def _to(code_set: str, current: str, out: bytearray) -> str:
    if current != code_set:
        out += b"{" + code_set.encode()
    return code_set


@dataclass(frozen=True)
class Symbols:
    """What a CODE128 data string prints: its symbol values (start code first, check and
    stop left out) and the text a scanner reads from it."""

    values: tuple[int, ...]
    text: str

    @property
    def check(self) -> int:
        return (self.values[0] + sum(i * v for i, v in enumerate(self.values[1:], 1))) % 103

    @property
    def modules(self) -> int:
        """Width in modules: 11 per symbol and the check, 13 for the stop."""
        return 11 * (len(self.values) + 1) + 13

    def bars(self) -> str:
        """One character a module: ``1`` a bar, ``0`` a space."""
        return "".join(PATTERNS[v] for v in (*self.values, self.check)) + STOP_PATTERN


def read(data: bytes) -> Symbols:
    """The symbols and text of ``GS k 73`` data; anything we would not send is an error."""
    values: list[int] = []
    text: list[str] = []
    code_set = ""
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x7B and data[i + 1 : i + 2] in (b"A", b"B", b"C"):
            new = chr(data[i + 1])
            values.append(SWITCH[code_set][new] if code_set else START[new])
            code_set, i = new, i + 2
            continue
        if b == 0x7B and data[i + 1 : i + 2] == b"{":
            i += 1  # "{{" is the character "{"
        elif b == 0x7B or not code_set:
            raise ValueError(f"CODE128 data {data!r}: no code set, or an unknown {{ at {i}")
        if code_set == "C":
            if b > 99:
                raise ValueError(f"code set C takes 0..99, not {b}")
            values.append(b)
            text.append(f"{b:02d}")
        else:
            values.append(b - 32 if b >= 32 else b + 64)
            text.append(chr(b))
        i += 1
    if not values:
        raise ValueError("empty CODE128 data")
    return Symbols(tuple(values), "".join(text))
