"""A small ESC/POS reader: turns printer bytes back into what a person would read on the
paper (text lines with their style, QR contents, barcodes, cuts). The virtual printer draws
its previews from it and the tests check documents with it. It refuses any command it does
not know, so a stray byte is an error, not a smudge."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    text: str
    bold: bool
    big: bool
    align: int


@dataclass
class Paper:
    lines: list[Line] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    cuts: int = 0

    @property
    def text(self) -> list[str]:
        return [line.text for line in self.lines]


def decode(data: bytes) -> Paper:
    paper = Paper()
    i = 0
    bold = big = False
    align = 0
    chinese = False
    buf = bytearray()

    def flush_line() -> None:
        paper.lines.append(Line(bytes(buf).decode("gb18030"), bold, big, align))
        buf.clear()

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            flush_line()
            i += 1
        elif b == 0x1B:  # ESC
            cmd = data[i + 1]
            if cmd == 0x40:  # ESC @ init
                bold = big = False
                align = 0
                i += 2
            elif cmd == 0x21:  # ESC ! n print mode
                n = data[i + 2]
                bold = bool(n & 0x08)
                big = bool(n & 0x30)
                i += 3
            elif cmd == 0x45:  # ESC E n emphasis
                bold = bool(data[i + 2])
                i += 3
            elif cmd == 0x61:  # ESC a n alignment
                align = data[i + 2]
                i += 3
            elif cmd in (0x74, 0x64, 0x4D):  # code table, feed n lines, font
                i += 3
            else:
                raise ValueError(f"unknown ESC {cmd:#04x} at {i}")
        elif b == 0x1D:  # GS
            cmd = data[i + 1]
            if cmd == 0x21:  # GS ! n size
                big = data[i + 2] != 0
                i += 3
            elif cmd == 0x28 and data[i + 2] == 0x6B:  # GS ( k: 2D code
                size = data[i + 3] + 256 * data[i + 4]
                params = data[i + 5 : i + 5 + size]
                if params[:3] == b"1P0":  # store the QR data
                    paper.qr.append(params[3:].decode("utf-8"))
                i += 5 + size
            elif cmd == 0x6B:  # GS k m n data: barcode
                m = data[i + 2]
                if m < 65:
                    raise ValueError("only function type B barcodes are expected")
                n = data[i + 3]
                code = data[i + 4 : i + 4 + n].decode("ascii")
                paper.barcodes.append(code[2:] if code.startswith("{") else code)
                i += 4 + n
            elif cmd in (0x68, 0x77, 0x66, 0x48):  # barcode height, width, font, text position
                i += 3
            elif cmd == 0x56:  # GS V: cut
                paper.cuts += 1
                i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
            else:
                raise ValueError(f"unknown GS {cmd:#04x} at {i}")
        elif b == 0x1C:  # FS & / FS . : Chinese mode on / off
            if data[i + 1] not in (0x26, 0x2E):
                raise ValueError(f"unknown FS {data[i + 1]:#04x} at {i}")
            chinese = data[i + 1] == 0x26
            i += 2
        elif b < 0x20:
            raise ValueError(f"unexpected control byte {b:#04x} at {i}")
        else:
            if b >= 0x80 and not chinese:
                raise ValueError(f"a non-ASCII byte outside Chinese mode at {i}")
            buf.append(b)
            i += 1
    if buf:
        flush_line()
    return paper
