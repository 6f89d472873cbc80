"""A small ESC/POS reader: turns printer bytes back into what comes out of the printer, in
the order it comes out — text lines with each character's size, QR codes, barcodes, feeds,
cuts. The virtual printer draws its previews from it and the tests check documents with it.
It refuses any command it does not know, so a stray byte is an error, not a smudge.

Sizes follow the printer, not the intent: ``ESC !`` enlarges single-byte characters only,
``GS !`` every character, so a line mixing the two shows which characters came out small.
In Chinese mode a multi-byte GB18030 character is one full-width glyph: two columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from devices import code128

DEFAULT_AREA_DOTS = 576  # 80 mm paper at 203 dpi, where a document does not say (GS W)
EC_LEVELS = "LMQH"


@dataclass(frozen=True)
class Glyph:
    char: str
    columns: int  # in normal-size single-byte columns (a CJK glyph: 2)
    height: int  # 1 normal, 2 double


@dataclass
class Line:
    glyphs: list[Glyph]
    bold: bool
    align: int

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def columns(self) -> int:
        return sum(g.columns for g in self.glyphs)

    @property
    def big(self) -> bool:
        """Every character printed at double width and height."""
        return bool(self.glyphs) and all(
            g.columns == 2 * _base(g.char) and g.height == 2 for g in self.glyphs
        )


@dataclass
class QrCode:
    data: str
    module: int  # dots per module
    ec: str  # L, M, Q or H
    align: int


@dataclass
class Barcode:
    data: str  # what a scanner reads
    symbols: code128.Symbols
    module: int  # dots per narrow bar
    height: int  # dots
    hri: int  # human-readable text: 0 none, 1 above, 2 below, 3 both
    align: int

    @property
    def dots(self) -> int:
        return self.symbols.modules * self.module


@dataclass
class Feed:
    lines: int


Block = Line | QrCode | Barcode | Feed


@dataclass
class Paper:
    blocks: list[Block] = field(default_factory=list)
    cuts: int = 0
    area_dots: int = DEFAULT_AREA_DOTS

    @property
    def lines(self) -> list[Line]:
        return [b for b in self.blocks if isinstance(b, Line)]

    @property
    def text(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def qr_codes(self) -> list[QrCode]:
        return [b for b in self.blocks if isinstance(b, QrCode)]

    @property
    def qr(self) -> list[str]:
        return [q.data for q in self.qr_codes]

    @property
    def barcode_blocks(self) -> list[Barcode]:
        return [b for b in self.blocks if isinstance(b, Barcode)]

    @property
    def barcodes(self) -> list[str]:
        return [b.data for b in self.barcode_blocks]


def _base(char: str) -> int:
    return 1 if char.isascii() else 2


def decode(data: bytes) -> Paper:
    return _Reader(data).run()


class _Reader:
    """Walks the bytes once, keeping the printer's modes as it goes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.i = 0
        self.paper = Paper()
        self.glyphs: list[Glyph] = []
        self.chinese = False
        self._init()

    def _init(self) -> None:
        """ESC @: the modes a printer has when it is switched on."""
        self.bold = False
        self.align = 0
        self.single = (1, 1)  # width and height of single-byte characters
        self.double = (1, 1)  # … of multi-byte (Chinese) characters
        self.qr_module, self.qr_ec, self.qr_data = 3, "L", ""
        self.bar_module, self.bar_height, self.hri = 3, 162, 0
        self.paper.area_dots = DEFAULT_AREA_DOTS

    def run(self) -> Paper:
        while self.i < len(self.data):
            b = self.data[self.i]
            if b == 0x0A:
                self._flush()
                self.i += 1
            elif b == 0x1B:
                self._esc(self._arg(1))
            elif b == 0x1D:
                self._gs(self._arg(1))
            elif b == 0x1C:
                self._fs(self._arg(1))
            elif b < 0x20:
                raise ValueError(f"unexpected control byte {b:#04x} at {self.i}")
            else:
                self._char(b)
        if self.glyphs:
            self._flush()
        return self.paper

    def _arg(self, k: int) -> int:
        if self.i + k >= len(self.data):
            raise ValueError(f"a command cut short at {self.i}")
        return self.data[self.i + k]

    def _flush(self) -> None:
        self.paper.blocks.append(Line(self.glyphs, self.bold, self.align))
        self.glyphs = []

    def _char(self, b: int) -> None:
        if b < 0x80:
            w, h = self.single
            self.glyphs.append(Glyph(chr(b), w, h))
            self.i += 1
            return
        if not self.chinese:
            raise ValueError(f"a non-ASCII byte outside Chinese mode at {self.i}")
        size = 4 if 0x30 <= self._arg(1) <= 0x39 else 2  # GB18030's four-byte form
        if self.i + size > len(self.data):
            raise ValueError(f"a Chinese character cut short at {self.i}")
        char = self.data[self.i : self.i + size].decode("gb18030")
        w, h = self.double
        self.glyphs.append(Glyph(char, 2 * w, h))
        self.i += size

    def _esc(self, cmd: int) -> None:
        if cmd == 0x40:  # ESC @ init
            self._init()
            self.i += 2
            return
        n = self._arg(2)
        if cmd == 0x21:  # ESC ! n: print mode; its sizes reach single-byte characters only
            self.bold = bool(n & 0x08)
            self.single = (2 if n & 0x20 else 1, 2 if n & 0x10 else 1)
        elif cmd == 0x45:  # ESC E n emphasis
            self.bold = bool(n)
        elif cmd == 0x61:  # ESC a n alignment
            self.align = n % 48 if n >= 48 else n
        elif cmd == 0x64:  # ESC d n: print the buffer and feed n lines
            if self.glyphs:
                self._flush()
                n -= 1
            if n > 0:
                self.paper.blocks.append(Feed(n))
        elif cmd not in (0x74, 0x4D):  # code table, font
            raise ValueError(f"unknown ESC {cmd:#04x} at {self.i}")
        self.i += 3

    def _gs(self, cmd: int) -> None:
        if cmd == 0x28 and self._arg(2) == 0x6B:  # GS ( k: 2D code
            self._qr()
        elif cmd == 0x6B:  # GS k m n data: barcode
            self._barcode()
        elif cmd == 0x57:  # GS W nL nH: print area width
            self.paper.area_dots = self._arg(2) + 256 * self._arg(3)
            self.i += 4
        elif cmd == 0x56:  # GS V: cut
            self.paper.cuts += 1
            self.i += 3 if self._arg(2) in (0, 1, 48, 49) else 4
        else:
            self._gs_setting(cmd, self._arg(2))
            self.i += 3

    def _gs_setting(self, cmd: int, n: int) -> None:
        if cmd == 0x21:  # GS ! n: character size, every character
            size = ((n >> 4) + 1, (n & 0x0F) + 1)
            self.single = self.double = size
        elif cmd == 0x68:  # GS h n: barcode height
            self.bar_height = n
        elif cmd == 0x77:  # GS w n: barcode module width
            self.bar_module = n
        elif cmd == 0x48:  # GS H n: where the barcode's text goes
            self.hri = n % 48 if n >= 48 else n
        elif cmd != 0x66:  # GS f: barcode text font
            raise ValueError(f"unknown GS {cmd:#04x} at {self.i}")

    def _qr(self) -> None:
        size = self._arg(3) + 256 * self._arg(4)
        params = self.data[self.i + 5 : self.i + 5 + size]
        if len(params) < size or params[:1] != b"1":
            raise ValueError(f"not a QR code command at {self.i}")
        fn, rest = params[1], params[2:]
        if fn == 0x43:  # module size
            self.qr_module = rest[0]
        elif fn == 0x45:  # error correction
            self.qr_ec = EC_LEVELS[rest[0] - 48]
        elif fn == 0x50:  # store the data
            self.qr_data = rest[1:].decode("utf-8")
        elif fn == 0x51:  # print it
            self._block(QrCode(self.qr_data, self.qr_module, self.qr_ec, self.align))
        elif fn != 0x41:  # model
            raise ValueError(f"unknown QR function {fn:#04x} at {self.i}")
        self.i += 5 + size

    def _barcode(self) -> None:
        if self._arg(2) != 73:
            raise ValueError("only CODE128 barcodes (GS k 73) are expected")
        n = self._arg(3)
        data = self.data[self.i + 4 : self.i + 4 + n]
        if len(data) < n:
            raise ValueError(f"barcode data cut short at {self.i}")
        symbols = code128.read(data)
        self._block(
            Barcode(symbols.text, symbols, self.bar_module, self.bar_height, self.hri, self.align)
        )
        self.i += 4 + n

    def _block(self, block: Block) -> None:
        if self.glyphs:
            raise ValueError(f"a code in the middle of a line at {self.i}")
        self.paper.blocks.append(block)

    def _fs(self, cmd: int) -> None:
        """FS & / FS . : Chinese mode on / off."""
        if cmd not in (0x26, 0x2E):
            raise ValueError(f"unknown FS {cmd:#04x} at {self.i}")
        self.chinese = cmd == 0x26
        self.i += 2
