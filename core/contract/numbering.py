"""How a device numbers its events (``seq``), which decides what the core takes as its next
one. The site configuration says it per device; the core's sequence keeper applies it."""

from __future__ import annotations

from enum import StrEnum


class Numbering(StrEnum):
    #: A kiosk PC, tablet or bridge with an outbox: ``seq`` rises by one, an event ahead of
    #: a missing one waits until the device sends the missing one again.
    CONSECUTIVE = "consecutive"
    #: Sent by hand (``mosquitto_pub`` numbered by the clock, ``$(date +%s)``): any ``seq``
    #: above the device's last is its next, so a number pasted a second later is applied.
    #: Nothing is held for it, since a person resends nothing.
    RISING = "rising"
