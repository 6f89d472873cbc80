"""A walk-around as an advisor fills it in at the car, with a signature drawn as a real
canvas would give it (a small PNG made here, not a file kept in the tests)."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image, ImageDraw

from core.domain.model import DamageMark, WalkAroundSheet
from core.domain.vocabulary import CarDocument, CarZone, MarkKind


def signature(width: int = 360, height: int = 120) -> str:
    """A PNG data URL of a stroke or two, as a signature pad sends it."""
    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(20, 90), (60, 30), (100, 95), (150, 40), (200, 80)], fill="black", width=4)
    draw.line([(220, 60), (330, 55)], fill="black", width=3)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def sheet(**kw: Any) -> WalkAroundSheet:
    """Two marks, half a tank, 42,000 km, an umbrella and a child seat left, the
    registration and service book received, the valuables reminder given, signed."""
    values: dict[str, Any] = {
        "marks": (
            DamageMark(MarkKind.SCRATCH, CarZone.LEFT_FRONT_DOOR, "约10厘米"),
            DamageMark(MarkKind.DENT, CarZone.REAR_BUMPER),
        ),
        "fuel_level": "1/2",
        "mileage_km": 42_000,
        "belongings": ("雨伞", "儿童座椅"),
        "valuables_reminded": True,
        "documents": (CarDocument.REGISTRATION, CarDocument.SERVICE_BOOK),
        "signature": signature(),
    }
    values.update(kw)
    return WalkAroundSheet(**values)
