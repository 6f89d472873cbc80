"""Walk-around records in storage: a row per signed record, the sheet as a versioned
document beside the signature; an order's latest is its own."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.domain.model import WalkAround, WalkAroundSheet

from .document_versions import DocumentVersions
from .tables import WalkAroundRow

_SHEET = TypeAdapter(WalkAroundSheet)
WALKAROUND_DOCUMENT = DocumentVersions("walk-around", current=1, upcasters={})


def walkaround_row(site: str, record: WalkAround) -> dict[str, Any]:
    sheet = _SHEET.dump_python(replace(record.sheet, signature=""), mode="json")
    sheet.pop("signature")
    return {
        "site": site,
        "ro": record.ro,
        "recorded_at": record.at,
        "recorded_by": record.by,
        "doc": WALKAROUND_DOCUMENT.stamp(sheet),
        "signature": record.sheet.signature,
    }


def _record(row: Any) -> WalkAround:
    body = {**WALKAROUND_DOCUMENT.upcast(row.doc), "signature": row.signature}
    return WalkAround(
        ro=row.ro, sheet=_SHEET.validate_python(body), by=row.recorded_by, at=row.recorded_at
    )


def walkarounds_of(conn: Connection, site: str, ro: str) -> list[WalkAround]:
    """Every walk-around of the order, the earliest first."""
    w = WalkAroundRow
    rows = conn.execute(select(w).where(w.site == site, w.ro == ro).order_by(w.id)).all()
    return [_record(r) for r in rows]
