"""The car's outline seen from above, front up, as the walk-around draws it: a panel per
zone the advisor can tap, and the marks numbered on their panels."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from core.domain.model import DamageMark
from core.domain.vocabulary import CarZone, MarkKind

WIDTH, HEIGHT = 320, 490
_Z = CarZone
#: Each zone's panel: x, y, width, height on the outline (front up, the car's left on the
#: left, as the advisor sees it standing behind the drawing).
PANELS: dict[CarZone, tuple[int, int, int, int]] = {
    _Z.FRONT_BUMPER: (70, 10, 180, 30),
    _Z.BONNET: (85, 40, 150, 100),
    _Z.WINDSCREEN: (85, 140, 150, 40),
    _Z.ROOF: (85, 180, 150, 140),
    _Z.REAR_WINDOW: (85, 320, 150, 35),
    _Z.BOOT: (85, 355, 150, 95),
    _Z.REAR_BUMPER: (70, 450, 180, 30),
    _Z.LEFT_FRONT_WING: (40, 40, 45, 110),
    _Z.LEFT_FRONT_DOOR: (40, 150, 45, 110),
    _Z.LEFT_REAR_DOOR: (40, 260, 45, 100),
    _Z.LEFT_REAR_WING: (40, 360, 45, 90),
    _Z.RIGHT_FRONT_WING: (235, 40, 45, 110),
    _Z.RIGHT_FRONT_DOOR: (235, 150, 45, 110),
    _Z.RIGHT_REAR_DOOR: (235, 260, 45, 100),
    _Z.RIGHT_REAR_WING: (235, 360, 45, 90),
    _Z.LEFT_FRONT_WHEEL: (8, 70, 30, 60),
    _Z.RIGHT_FRONT_WHEEL: (282, 70, 30, 60),
    _Z.LEFT_REAR_WHEEL: (8, 370, 30, 60),
    _Z.RIGHT_REAR_WHEEL: (282, 370, 30, 60),
}
#: A mark's colour by its kind (the legend beside the outline names them).
COLOURS: dict[MarkKind, str] = {
    MarkKind.SCRATCH: "#ea580c",
    MarkKind.DENT: "#2563eb",
    MarkKind.CRACK: "#dc2626",
    MarkKind.CHIP: "#9333ea",
}


def zone_at(x: float, y: float) -> CarZone | None:
    """The panel under a tap on the outline (None: beside the car)."""
    for zone, (left, top, w, h) in PANELS.items():
        if left <= x < left + w and top <= y < top + h:
            return zone
    return None


def _panel(zone: CarZone, chosen: CarZone | None) -> str:
    x, y, w, h = PANELS[zone]
    fill = "#fde68a" if zone is chosen else "#f8fafc"
    rx = 12 if "wheel" in zone.value else 4
    return (
        f'<rect data-zone="{zone.value}" x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" '
        f'fill="{fill}" stroke="#475569" stroke-width="1.5"/>'
    )


def _marker(n: int, mark: DamageMark, place: int) -> str:
    """The mark's number in a dot of its kind's colour; marks on one panel stand apart."""
    x, y, w, h = PANELS[mark.zone]
    cx = x + w / 2 + (0, 14, -14)[place % 3]
    cy = y + h / 2 + (place // 3) * 14 - 7 * (1 if place >= 3 else 0)
    return (
        f'<g data-mark="{n}"><circle cx="{cx:.0f}" cy="{cy:.0f}" r="9" '
        f'fill="{COLOURS[mark.kind]}" stroke="white" stroke-width="1.5"/>'
        f'<text x="{cx:.0f}" y="{cy + 4:.0f}" font-size="11" font-family="sans-serif" '
        f'font-weight="bold" text-anchor="middle" fill="white">{n}</text></g>'
    )


def outline_svg(marks: Sequence[DamageMark], chosen: CarZone | None = None) -> str:
    """The outline with every panel, the chosen one lit, and the marks numbered 1, 2, …"""
    on_panel: dict[CarZone, int] = {}
    markers = []
    for n, mark in enumerate(marks, start=1):
        place = on_panel.get(mark.zone, 0)
        on_panel[mark.zone] = place + 1
        markers.append(_marker(n, mark, place))
    body = "".join(_panel(z, chosen) for z in PANELS) + "".join(markers)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape("car outline")}">'
        f"{body}</svg>"
    )


def outline_url(marks: Sequence[DamageMark], chosen: CarZone | None = None) -> str:
    """The outline as an image address, for an image the advisor taps."""
    svg = outline_svg(marks, chosen).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
