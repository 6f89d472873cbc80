"""The demo's walk-arounds (环车检查): a mark or two where cars get them, the gauge, what
customers leave in their cars, the papers, and a signature scrawled as a customer's finger
would — a real PNG, made here without an image library."""

from __future__ import annotations

import base64
import random
import struct
import zlib
from itertools import pairwise

from core.domain.model import DamageMark, WalkAroundSheet
from core.domain.vocabulary import FUEL_LEVELS, CarDocument, CarZone, MarkKind

#: Where cars come in marked: bumpers and doors far more often than the roof.
USUAL_PLACES = (
    CarZone.FRONT_BUMPER,
    CarZone.REAR_BUMPER,
    CarZone.LEFT_FRONT_DOOR,
    CarZone.RIGHT_REAR_DOOR,
    CarZone.LEFT_FRONT_WHEEL,
    CarZone.BONNET,
    CarZone.WINDSCREEN,
)
THINGS_LEFT = ("雨伞", "儿童座椅", "行车记录仪", "充电线", "纸巾", "备用眼镜")
PAD = (240, 80)


def _png(width: int, height: int, ink: set[tuple[int, int]]) -> bytes:
    """A grey-scale PNG, white with the inked pixels black."""
    rows = b"".join(
        b"\x00" + bytes(0 if (x, y) in ink else 255 for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _stroke(points: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The pixels of a polyline two pixels thick."""
    ink: set[tuple[int, int]] = set()
    for (x0, y0), (x1, y1) in pairwise(points):
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            x = x0 + (x1 - x0) * i // steps
            y = y0 + (y1 - y0) * i // steps
            ink.update({(x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)})
    return ink


def scrawl(rnd: random.Random) -> str:
    """A signature as the pad sends it: a PNG data URL of a few zigzags and a tail."""
    width, height = PAD
    x, points = 12, []
    while x < width - 40:
        points.append((x, rnd.randint(12, height - 14)))
        x += rnd.randint(10, 22)
    ink = _stroke(points) | _stroke([(x, height - 24), (width - 10, height - 28)])
    return "data:image/png;base64," + base64.b64encode(_png(width, height, ink)).decode()


def demo_sheet(rnd: random.Random, mileage_km: int | None) -> WalkAroundSheet:
    """A car walked around with its customer, who was reminded of their valuables and
    signed."""
    marks = tuple(
        DamageMark(rnd.choice(list(MarkKind)), rnd.choice(USUAL_PLACES))
        for _ in range(rnd.choice((0, 0, 1, 1, 2)))
    )
    return WalkAroundSheet(
        marks=marks,
        fuel_level=rnd.choice(FUEL_LEVELS[1:]),
        mileage_km=mileage_km if mileage_km is not None else rnd.randint(5_000, 120_000),
        belongings=tuple(rnd.sample(THINGS_LEFT, rnd.randint(0, 2))),
        valuables_reminded=True,
        documents=tuple(d for d in CarDocument if rnd.random() < 0.4),
        signature=scrawl(rnd),
    )
