"""What the integration API's routes share: the bodies' common parts (vehicle, customer,
operations), the answers to refusals, the tokens' scopes, a repair order's card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from core.catalogue import operations as operation_catalogue
from core.contract.views import JobCard
from core.domain.access import Scope
from core.domain.errors import InvalidData, TimePassed, UnknownAdvisor, UnknownJob
from core.domain.eta import predict
from core.domain.model import Customer, Operation, Vehicle
from core.domain.reach import END as REACH_END
from core.domain.reach import FIRST as REACH_FIRST
from core.domain.vocabulary import StaffRole
from core.domain.workshop import Workshop
from core.engine import Core
from core.views import job_card

Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Text = Annotated[str, Field(max_length=500)]

#: Far enough either way for any booking or report; a date beyond is a mistake, not a plan
#: (and past what the site's calendar can count in): the years the workshop takes a promise in.
FIRST_DAY, LAST_DAY = REACH_FIRST.date(), REACH_END.date() - timedelta(days=1)


def require_reach(*moments: date | datetime | None) -> None:
    """A day or time too far from now for any booking or report is refused as the domain refuses."""
    for at in moments:
        if at is None:
            continue
        day = at.date() if isinstance(at, datetime) else at
        if not FIRST_DAY <= day <= LAST_DAY:
            raise InvalidData(f"{at.isoformat()} is not between {FIRST_DAY} and {LAST_DAY}")


class StrictIn(BaseModel):
    """A request body: a field it does not name is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class VehicleIn(StrictIn):
    plate: str = Field(min_length=2, max_length=16, description="Full plate, e.g. 京A12345")
    vin: str = Field(default="", pattern=r"^([A-HJ-NPR-Z0-9]{17})?$", description="17 characters")
    model: str = Field(default="", max_length=64)
    colour: str = Field(default="", max_length=32)
    mileage_km: int | None = Field(default=None, ge=0, le=3_000_000)
    fuel_level: str = Field(default="", max_length=8, description="As read at reception: 1/4, 1/2…")


class CustomerIn(StrictIn):
    name: str = Field(default="", max_length=64)
    phone: str = Field(default="", pattern=r"^[0-9+ -]{0,20}$")


# The catalogue's codes as an enum in the OpenAPI document.
CatalogueCode = Literal.__getitem__(tuple(operation_catalogue()))


class CatalogueOperationIn(StrictIn):
    """A labour operation from the catalogue: its name and standard hours come from there."""

    code: CatalogueCode  # type: ignore[valid-type]


class CustomOperationIn(StrictIn):
    """An operation of your own."""

    code: Ident
    name: str = Field(min_length=1, max_length=80)
    name_en: str = Field(default="", max_length=80)
    standard_hours: float = Field(ge=0, le=200)


OperationIn = CatalogueOperationIn | CustomOperationIn


def require_advisor(core: Core, advisor: str | None) -> None:
    """An advisor named by a caller is one of the site's, where the site names its advisors
    (``[[users]]`` with the role advisor): a booking under a made-up name would show
    it on the welcome board and take slots of nobody's. A site whose advisors use only its
    dealer system names none here, and takes that system's ids as they come."""
    if advisor is None or advisor == "":
        return
    named = {u.id for u in core.config.users if u.role is StaffRole.ADVISOR}
    if named and advisor not in named:
        raise UnknownAdvisor(f"no advisor {advisor!r} at this site")


def require_ahead(core: Core, promised_at: datetime | None) -> None:
    """A promise sent with a new order is still to come on the site's clock: one already
    past is most often a date or a zone got wrong, and would show the car late at once."""
    require_reach(promised_at)  # out of the calendar: refused as such first
    if promised_at is not None and promised_at <= core.clock():
        raise TimePassed(f"the promise {promised_at.isoformat()} has passed")


def resolve(op: OperationIn) -> Operation:
    if isinstance(op, CatalogueOperationIn):
        return operation_catalogue()[op.code].to_operation()
    return Operation(op.code, op.name, op.standard_hours, op.name_en)


def vehicle_of(v: VehicleIn) -> Vehicle:
    return Vehicle(
        plate=v.plate,
        model=v.model,
        colour=v.colour,
        vin=v.vin,
        mileage_km=v.mileage_km,
        fuel_level=v.fuel_level,
    )


def customer_of(c: CustomerIn) -> Customer:
    return Customer(name=c.name, phone=c.phone)


class Problem(BaseModel):
    code: str
    message: str


# Refusals of the workflow are conflicts with the state of the workshop; requests that do
# not fit the schema get FastAPI's 422 before they reach it.
STATUS_OF_CODE = {"unknown_job": 404, "unknown_appointment": 404}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No token, or not a live token of this site"},
    403: {"model": Problem, "description": "The token's scope does not allow this"},
    404: {"model": Problem, "description": "No such repair order or appointment"},
    409: {"model": Problem, "description": "The workflow refuses this now (code says why)"},
    422: {"description": "The request does not fit the schema or names unusable data"},
}

_bearer = HTTPBearer(auto_error=False)


def with_scope(needed: Scope) -> Callable[..., str]:
    """A dependency: the calling system as ``api:{token name}``, if its token may do this."""

    def caller(
        request: Request,
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        token = None if cred is None else request.app.state.core.access.token(cred.credentials)
        if token is None:
            raise HTTPException(401, "a valid bearer token is required")
        if not token.scope.allows(needed):
            raise HTTPException(403, f"this token may only {token.scope.value}")
        return f"api:{token.name}"

    return caller


Reader = Annotated[str, Depends(with_scope(Scope.READ))]
Writer = Annotated[str, Depends(with_scope(Scope.WRITE))]


def card_reader(core: Core) -> Callable[[str], JobCard]:
    """A repair order's card: from the live workshop, or from the store once closed."""

    def card(ro: str) -> JobCard:
        def read(ws: Workshop, now: datetime) -> JobCard | None:
            job = ws.jobs.get(ro)
            return (
                None
                if job is None
                else job_card(job, now, predict(ws, now).get(ro), core.config.alerts)
            )

        live = core.query(read)
        if live is not None:
            return live
        closed = core.store.load_job(ro)
        if closed is None:
            raise UnknownJob(f"no repair order {ro}")
        return job_card(closed, core.clock(), None, core.config.alerts)

    return card
