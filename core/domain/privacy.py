"""What the public may see of a car: the plate masked, nothing that names a person."""

from __future__ import annotations

_MASK = "•••"


def mask_plate(plate: str) -> str:
    """``京A12345`` → ``京A·•••45``; other formats keep only their first two and last two."""
    compact = "".join(ch for ch in plate if ch not in " ·-.")
    if len(compact) <= 4:
        return _MASK
    return f"{compact[:2]}·{_MASK}{compact[-2:]}"
