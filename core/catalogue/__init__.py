"""The labour-operation, add-on-finding and usual-parts catalogues shipped with Pitboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from core.domain.model import Operation
from core.domain.vocabulary import BayKind, JobType


@dataclass(frozen=True)
class CatalogueOperation:
    code: str
    name_zh: str
    name_en: str
    category: str
    standard_hours: float
    bay_kind: str

    def to_operation(self) -> Operation:
        return Operation(
            code=self.code,
            name=self.name_zh,
            name_en=self.name_en,
            standard_hours=self.standard_hours,
        )


@dataclass(frozen=True)
class CatalogueFinding:
    code: str
    title_zh: str
    title_en: str
    default_severity: str
    labor_hours: float
    parts_estimate_cny: float
    operation_code: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def operations() -> dict[str, CatalogueOperation]:
    out = {}
    for r in _rows("operations.csv"):
        out[r["code"]] = CatalogueOperation(
            r["code"],
            r["name_zh"],
            r["name_en"],
            r["category"],
            float(r["standard_hours"]),
            r["bay_kind"],
        )
    return out


@cache
def bay_kinds() -> dict[str, BayKind]:
    """Operation code → the kind of bay it is done at, as the workshop is given it."""
    return {code: BayKind(op.bay_kind) for code, op in operations().items()}


def likely_job_type(codes: Iterable[str]) -> JobType:
    """The job type the work suggests, for reception to confirm: bodywork or paint, an
    accident; nothing but servicing (a wash beside it), maintenance; otherwise a repair."""
    known = operations()
    kinds = {known[c].category for c in codes if c in known} - {"wash"}
    if kinds & {"bodywork", "paint"}:
        return JobType.ACCIDENT
    if kinds == {"maintenance"}:
        return JobType.MAINTENANCE
    return JobType.REPAIR


@cache
def findings() -> dict[str, CatalogueFinding]:
    out = {}
    for r in _rows("findings.csv"):
        out[r["code"]] = CatalogueFinding(
            r["code"],
            r["title_zh"],
            r["title_en"],
            r["default_severity"],
            float(r["labor_hours"]),
            float(r["parts_estimate_cny"]),
            r["operation_code"],
        )
    return out


@dataclass(frozen=True)
class CataloguePart:
    """A part an operation usually takes (its quantity: what one operation takes)."""

    code: str
    name_zh: str
    name_en: str
    qty: float


@cache
def usual_parts() -> dict[str, tuple[CataloguePart, ...]]:
    """Operation code → the parts it usually takes, as the bay asks the parts counter."""
    out: dict[str, list[CataloguePart]] = {}
    for r in _rows("parts.csv"):
        part = CataloguePart(r["code"], r["name_zh"], r["name_en"], float(r["qty"]))
        out.setdefault(r["operation_code"], []).append(part)
    return {code: tuple(parts) for code, parts in out.items()}


def parts_for(codes: Iterable[str]) -> list[CataloguePart]:
    """The usual parts of these operations, each part once (the first quantity named)."""
    known = usual_parts()
    seen: dict[str, CataloguePart] = {}
    for code in codes:
        for part in known.get(code, ()):
            seen.setdefault(part.code, part)
    return list(seen.values())
