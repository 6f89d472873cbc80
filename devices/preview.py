"""A PNG a person can look at, drawn from the ESC/POS bytes a virtual printer received."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from devices.escpos_read import decode

WIDTH = 576  # 80 mm at 203 dpi


@cache
def _font_path() -> str | None:
    """A font with Chinese glyphs, if the system has one (fontconfig knows)."""
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(
        ["fc-match", "-f", "%{file}", "sans:lang=zh-cn"], capture_output=True, text=True
    )
    return out.stdout.strip() or None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default()


def render_png(data: bytes, target: Path) -> None:
    paper = decode(data)
    blocks: list[Image.Image] = []
    for line in paper.lines:
        font = _font(44 if line.big else 24)
        img = Image.new("L", (WIDTH, 56 if line.big else 32), 255)
        draw = ImageDraw.Draw(img)
        text_w = draw.textlength(line.text, font=font)
        x = {0: 8, 1: (WIDTH - text_w) / 2, 2: WIDTH - text_w - 8}.get(line.align, 8)
        draw.text((x, 2), line.text, font=font, fill=0)
        blocks.append(img)
    for data_ in paper.qr:
        code = qrcode.make(data_).get_image().convert("L").resize((240, 240))
        block = Image.new("L", (WIDTH, 250), 255)
        block.paste(code, ((WIDTH - 240) // 2, 5))
        blocks.append(block)
    for code in paper.barcodes:
        img = Image.new("L", (WIDTH, 40), 255)
        ImageDraw.Draw(img).text((8, 8), f"||||| {code} |||||", font=_font(24), fill=0)
        blocks.append(img)
    height = sum(b.height for b in blocks) + 20
    sheet = Image.new("L", (WIDTH, max(height, 40)), 255)
    y = 10
    for b in blocks:
        sheet.paste(b, (0, y))
        y += b.height
    sheet.save(target)
