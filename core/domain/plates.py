"""Number plates as people type them, and the one car each of them names."""

from __future__ import annotations

import unicodedata


def tidy_plate(plate: str) -> str:
    """A plate as it is kept and shown: full-width characters as plain ones (a Chinese
    keyboard's Ａ１), capitals, single spaces, none around it."""
    return " ".join(unicodedata.normalize("NFKC", plate).upper().split())


def plate_key(plate: str) -> str:
    """What makes two plates the same car: their letters and digits, whatever was typed
    between them (京A·12345, 京A 12345 and 京a12345 are one car)."""
    return "".join(c for c in tidy_plate(plate) if c.isalnum())


def names_one_car(plate: str) -> bool:
    """Whether a plate tells one car from another: a registration has a digit; 无牌 or
    临牌 written out names any car not yet registered."""
    return any(c.isdigit() for c in plate_key(plate))
