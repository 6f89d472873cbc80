"""A PNG a person can look at, drawn from the ESC/POS bytes a virtual printer received: one
pixel a printer dot, as wide as the print area the document sets (58 mm: 384 dots, 80 mm:
576), every block where the printer puts it. Text sits in the printer's character cells
(12 × 24 dots, a Chinese character 24 × 24, scaled as the size commands say); the QR code
and the barcode are drawn for real, module for module, so a scanner reads the preview."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from devices.escpos_read import Barcode, Block, Feed, Glyph, Line, Paper, QrCode, decode

CELL_W, CELL_H = 12, 24  # font A: a single-byte character; a Chinese one is two cells wide
LINE_GAP = 6  # the default 30-dot line feed less the 24-dot character
# Every character of a line stands on one baseline, whichever font draws it: centred each
# in its cell, the Latin face's capitals rode higher than the Chinese beside them.
BASELINE = 19
FEED = CELL_H + LINE_GAP
MARGIN = 8  # white above the first line and below the last
QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font_path(pattern: str) -> str | None:
    """A font for ``pattern`` if the system has one (fontconfig knows)."""
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True)
    return out.stdout.strip() or None


@cache
def _font(chinese: bool) -> Font:
    # A monospaced face keeps Latin letters inside their 12-dot cells.
    path = _font_path("sans:lang=zh-cn" if chinese else "monospace")
    size = 22 if chinese else 20
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size)


@cache
def _glyph(char: str, bold: bool) -> Image.Image:
    """One character at normal size, black on white, in its cell."""
    cells = 1 if char.isascii() else 2
    img = Image.new("L", (CELL_W * cells, CELL_H), 255)
    draw = ImageDraw.Draw(img)
    middle = CELL_W * cells / 2
    for dx in (0, 1) if bold else (0,):  # emphasis: the printer strikes twice, one dot over
        draw.text(
            (middle + dx, BASELINE), char, font=_font(not char.isascii()), fill=0, anchor="ms"
        )
    return img


def _rows(glyphs: list[Glyph], area: int) -> list[list[Glyph]]:
    """Characters past the print area go on to the next line, as on the printer."""
    rows: list[list[Glyph]] = [[]]
    used = 0
    for g in glyphs:
        if rows[-1] and used + g.columns * CELL_W > area:
            rows.append([])
            used = 0
        rows[-1].append(g)
        used += g.columns * CELL_W
    return rows


def _x(align: int, used: int, area: int) -> int:
    return {1: (area - used) // 2, 2: area - used}.get(align, 0)


def _line(line: Line, area: int) -> list[Image.Image]:
    images = []
    for row in _rows(line.glyphs, area):
        tall = max((g.height for g in row), default=1)
        img = Image.new("L", (area, CELL_H * tall + LINE_GAP), 255)
        x = _x(line.align, sum(g.columns for g in row) * CELL_W, area)
        for g in row:
            size = (g.columns * CELL_W, g.height * CELL_H)
            img.paste(_glyph(g.char, line.bold).resize(size), (x, CELL_H * (tall - g.height)))
            x += size[0]
        images.append(img)
    return images


def _qr(code: QrCode, area: int) -> Image.Image:
    symbol = qrcode.QRCode(error_correction=QR_EC[code.ec], box_size=code.module, border=0)
    symbol.add_data(code.data)
    symbol.make(fit=True)
    drawn = symbol.make_image().get_image().convert("L")
    img = Image.new("L", (area, drawn.height), 255)
    img.paste(drawn, (_x(code.align, drawn.width, area), 0))
    return img


def _hri(text: str, area: int) -> Image.Image:
    glyphs = [Glyph(c, 1, 1) for c in text]
    return _line(Line(glyphs, False, 1), area)[0]


def _barcode(bar: Barcode, area: int) -> list[Image.Image]:
    if bar.dots > area:  # the printer leaves out a barcode wider than its print area
        note = Image.new("L", (area, FEED), 255)
        ImageDraw.Draw(note).text((4, 4), f"[barcode wider than the paper: {bar.data}]", fill=160)
        return [note]
    img = Image.new("L", (area, bar.height), 255)
    draw = ImageDraw.Draw(img)
    x0 = _x(bar.align, bar.dots, area)
    for i, module in enumerate(bar.symbols.bars()):
        if module == "1":
            draw.rectangle(
                (x0 + i * bar.module, 0, x0 + (i + 1) * bar.module - 1, bar.height), fill=0
            )
    above = [_hri(bar.data, area)] if bar.hri in (1, 3) else []
    below = [_hri(bar.data, area)] if bar.hri in (2, 3) else []
    return [*above, img, *below]


def _block(block: Block, area: int) -> list[Image.Image]:
    match block:
        case Line():
            return _line(block, area)
        case QrCode():
            return [_qr(block, area)]
        case Barcode():
            return _barcode(block, area)
        case Feed():
            return [Image.new("L", (area, FEED * block.lines), 255)]
    raise TypeError(block)  # pragma: no cover


def draw(paper: Paper) -> Image.Image:
    area = paper.area_dots
    parts = [img for block in paper.blocks for img in _block(block, area)]
    sheet = Image.new("L", (area, 2 * MARGIN + sum(p.height for p in parts)), 255)
    y = MARGIN
    for part in parts:
        sheet.paste(part, (0, y))
        y += part.height
    if paper.cuts:  # where the knife comes down
        ImageDraw.Draw(sheet).line((0, y + MARGIN - 1, area, y + MARGIN - 1), fill=160)
    return sheet


def render_png(data: bytes, target: Path) -> None:
    draw(decode(data)).save(target)
