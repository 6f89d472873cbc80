"""The walk-around record (环车检查 / 接车登记表): the car as it came in, marked on its
outline, with fuel and mileage, what was left in it, the papers received and the customer's
signature drawn on the screen; kept with the order so a damage dispute at pickup is settled
by what both sides saw and signed."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from . import events as ev
from .errors import InvalidData, WalkAroundIncomplete
from .model import OPEN_STATUSES, DamageMark, Job, WalkAround, WalkAroundSheet
from .vocabulary import FUEL_LEVELS, CarDocument
from .workshop_state import WorkshopState

#: The longest signature kept: a PNG data URL of a signature pad is some 5–40 kB; a bigger
#: one is a photograph or worse, not a signature.
SIGNATURE_LIMIT = 200_000
SIGNATURE_PREFIX = "data:image/png;base64,"
_PNG = b"\x89PNG\r\n\x1a\n"
MARKS_LIMIT = 40
BELONGINGS_LIMIT = 20
NOTE_LIMIT = 60
MILEAGE_LIMIT = 2_000_000


def signature_png(data_url: str) -> bytes:
    """The signature's PNG image; InvalidData for anything but a PNG data URL in the limit."""
    if not data_url.startswith(SIGNATURE_PREFIX):
        raise InvalidData("a signature is a PNG image (data:image/png;base64,…)")
    if len(data_url) > SIGNATURE_LIMIT:
        raise InvalidData(f"a signature is at most {SIGNATURE_LIMIT} characters")
    try:
        png = base64.b64decode(data_url.removeprefix(SIGNATURE_PREFIX), validate=True)
    except binascii.Error:
        raise InvalidData("the signature is not valid base64") from None
    if not png.startswith(_PNG):
        raise InvalidData("the signature is not a PNG image")
    return png


def _short(text: str, what: str) -> str:
    text = " ".join(text.split())
    if len(text) > NOTE_LIMIT:
        raise InvalidData(f"{what} is at most {NOTE_LIMIT} characters: {text[:20]}…")
    return text


def _marks(marks: Iterable[DamageMark]) -> tuple[DamageMark, ...]:
    """The marks, each once (a mark tapped twice is one mark)."""
    kept = tuple(dict.fromkeys(replace(m, note=_short(m.note, "a mark's note")) for m in marks))
    if len(kept) > MARKS_LIMIT:
        raise InvalidData(f"at most {MARKS_LIMIT} marks on one car")
    return kept


def _belongings(items: Iterable[str]) -> tuple[str, ...]:
    kept = tuple(dict.fromkeys(b for i in items if (b := _short(i, "a belonging"))))
    if len(kept) > BELONGINGS_LIMIT:
        raise InvalidData(f"at most {BELONGINGS_LIMIT} belongings listed")
    return kept


def checked_sheet(sheet: WalkAroundSheet) -> WalkAroundSheet:
    """The sheet as it is kept, or the first thing wrong with it: a fuel level off the
    gauge, a mileage no car has, a signature that is missing or is not one, the
    valuables reminder not given."""
    if sheet.fuel_level not in FUEL_LEVELS:
        raise InvalidData(f"fuel level {sheet.fuel_level!r} is not one of {', '.join(FUEL_LEVELS)}")
    if not 0 <= sheet.mileage_km < MILEAGE_LIMIT:
        raise InvalidData(f"mileage {sheet.mileage_km} km is not a car's")
    marks, belongings = _marks(sheet.marks), _belongings(sheet.belongings)
    if not sheet.valuables_reminded:
        raise WalkAroundIncomplete("the customer is reminded to take their valuables first")
    if not sheet.signature:
        raise WalkAroundIncomplete("the customer signs the walk-around")
    signature_png(sheet.signature)
    documents = tuple(dict.fromkeys(CarDocument(d) for d in sheet.documents))
    return replace(sheet, marks=marks, belongings=belongings, documents=documents)


@dataclass(frozen=True)
class Walked:
    """What recording a walk-around gives back: the order, as it now is, and the record."""

    job: Job
    record: WalkAround


class WalkArounds(WorkshopState):
    def record_walk_around(self, ro: str, sheet: WalkAroundSheet, by: str, at: datetime) -> Walked:
        """The walk-around of a car in the workshop, signed by its customer: its fuel and
        mileage become the order's. Recorded again (a mark forgotten), the later one is the
        order's; the earlier stays on record."""
        job = self.job(ro)
        self._require_status(job, OPEN_STATUSES, "record the walk-around of")
        kept = checked_sheet(sheet)
        job.vehicle = replace(job.vehicle, mileage_km=kept.mileage_km, fuel_level=kept.fuel_level)
        record = WalkAround(ro=ro, sheet=kept, by=by, at=at)
        self._record(ev.WalkAroundRecorded(ro=ro, record=record, at=at))
        return Walked(job, record)
