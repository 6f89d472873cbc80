"""The integration API for a dealer management system, under ``/api/v1``.

Every route wants a bearer token (``pitboard token create``) whose scope allows it: reading
wants ``read`` or ``write``, changing wants ``write``. Every change goes through the core's
command path and audit log with ``api:{token name}`` as the source, exactly like a web
action or a device event.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from core.api_appointments import add_appointment_routes
from core.api_parts import (
    PROBLEMS,
    STATUS_OF_CODE,
    CustomerIn,
    Ident,
    OperationIn,
    Reader,
    StrictIn,
    Text,
    VehicleIn,
    Writer,
    card_reader,
    customer_of,
    require_advisor,
    require_ahead,
    resolve,
    vehicle_of,
)
from core.api_reports import add_report_routes
from core.commands import Cancel as CancelOrder
from core.commands import CheckInCar, Command, Dispatch, UpdateOrder
from core.config import key_slots
from core.contract.views import JobCard
from core.domain.errors import DomainError
from core.domain.eta import predict
from core.domain.model import JobType, PriceLine
from core.domain.workshop import CheckIn, OrderChanges, Workshop
from core.engine import Core
from core.views import job_card

logger = logging.getLogger(__name__)


class RepairOrderIn(StrictIn):
    ro: Ident | None = Field(default=None, description="Your RO number; empty: Pitboard numbers it")
    vehicle: VehicleIn
    customer: CustomerIn = CustomerIn()
    operations: list[OperationIn] = Field(min_length=1, max_length=50)
    promised_at: AwareDatetime
    advisor: str = Field(default="", max_length=32)
    job_type: JobType = Field(
        default=JobType.REPAIR, description="What brings the car in (a walk-in: a repair)"
    )
    requests: Text = ""
    customer_waiting: bool = False
    wash: bool = True
    keep_old_parts: bool = False
    key_tag: Ident | None = None
    key_slot: int | None = Field(default=None, ge=0, le=10_000, description="Key-cabinet hook")
    prices: list[PriceLineIn] = Field(
        default=[],
        max_length=100,
        description="The order's charges, when your system prices it; Pitboard prints prices "
        "on the delivery summary only when they were sent",
    )


class PriceLineIn(StrictIn):
    """A charge as your system priced it; printed on the delivery summary as sent."""

    label: str = Field(min_length=1, max_length=60, description="e.g. 工时费, 配件, 优惠")
    amount: str = Field(
        pattern=r"^-?[0-9]{1,8}(\.[0-9]{1,2})?$",
        description="In the site's currency, as a decimal string to the cent (a discount is "
        "negative): money is never a binary fraction",
        examples=["380.00", "-100"],
    )


def price_lines(prices: list[PriceLineIn]) -> tuple[PriceLine, ...]:
    return tuple(PriceLine(p.label, Decimal(p.amount)) for p in prices)


class RepairOrderChange(StrictIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    promised_at: AwareDatetime | None = None
    requests: Text | None = None
    customer_waiting: bool | None = None
    wash: bool | None = None
    keep_old_parts: bool | None = None
    add_operations: list[OperationIn] = Field(default=[], max_length=50)
    job_type: JobType | None = None
    prices: list[PriceLineIn] | None = Field(
        default=None, max_length=100, description="The charges, in place of those sent before"
    )

    @model_validator(mode="after")
    def _something(self) -> RepairOrderChange:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class DispatchIn(StrictIn):
    bay: Ident
    team: Ident | None = None
    force: bool = Field(
        default=False,
        description="Send work that needs an alignment, body or paint bay to a bay of another "
        "kind all the same (refused as bay_kind_needed without it); needs a reason",
    )
    reason: str = Field(default="", max_length=200, description="Why, when forced")


class CancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=200)


def check_in_of(order: RepairOrderIn) -> CheckIn:
    """What the workshop is told at check-in, from the order the calling system sent."""
    return CheckIn(
        vehicle=vehicle_of(order.vehicle),
        customer=customer_of(order.customer),
        operations=tuple(resolve(op) for op in order.operations),
        promised_at=order.promised_at,
        advisor=order.advisor,
        job_type=order.job_type,
        requests=order.requests,
        customer_waiting=order.customer_waiting,
        wash_requested=order.wash,
        keep_old_parts=order.keep_old_parts,
        key_tag=order.key_tag,
        key_slot=order.key_slot,
        ro=order.ro,
        # The customer's own status page (pickup card QR): unguessable.
        public_token=secrets.token_urlsafe(16),
        prices=price_lines(order.prices),
    )


def order_changes_of(change: RepairOrderChange) -> OrderChanges:
    return OrderChanges(
        promised_at=change.promised_at,
        requests=change.requests,
        customer_waiting=change.customer_waiting,
        wash_requested=change.wash,
        keep_old_parts=change.keep_old_parts,
        add_operations=tuple(resolve(op) for op in change.add_operations),
        job_type=change.job_type,
        prices=None if change.prices is None else price_lines(change.prices),
    )


def add_problem_answers(api: FastAPI) -> None:
    """Refusals and failed tokens answer as a ``Problem``: a code and a message."""

    @api.exception_handler(DomainError)
    async def _domain(_r: Request, err: DomainError) -> JSONResponse:
        status = STATUS_OF_CODE.get(err.code, 409)
        return JSONResponse({"code": err.code, "message": err.message}, status_code=status)

    @api.exception_handler(HTTPException)
    async def _http(_r: Request, err: HTTPException) -> JSONResponse:
        code = "http_error"
        if err.status_code in (401, 403):
            code = "unauthorized" if err.status_code == 401 else "forbidden"
        headers = {"WWW-Authenticate": "Bearer"} if err.status_code == 401 else None
        return JSONResponse(
            {"code": code, "message": str(err.detail)}, status_code=err.status_code, headers=headers
        )


def cards_listed(core: Core, status: str | None, bay: str | None) -> list[JobCard]:
    """The open repair orders' cards by promised time, of the status and bay asked for."""

    def read(ws: Workshop, now: datetime) -> list[JobCard]:
        eta = predict(ws, now)
        jobs = sorted(ws.open_jobs(), key=lambda j: (j.promised_at, j.ro))
        return [
            job_card(j, now, eta.get(j.ro), core.config.alerts)
            for j in jobs
            if (status is None or j.status.value == status) and (bay is None or j.bay == bay)
        ]

    return core.query(read)


def add_repair_order_routes(api: FastAPI, core: Core) -> None:
    card = card_reader(core)

    def run(command: Command, actor: str) -> Any:
        return core.run_command(command, actor)

    @api.post("/repair-orders", status_code=201, responses=PROBLEMS, response_model=JobCard)
    def create_repair_order(order: RepairOrderIn, actor: Writer) -> JobCard:
        require_advisor(core, order.advisor)
        require_ahead(core, order.promised_at)
        job = run(CheckInCar(check_in_of(order), key_slots(core.config)), actor)
        return card(job.ro)

    @api.get("/repair-orders", responses=PROBLEMS, response_model=list[JobCard])
    def list_repair_orders(
        actor: Reader,
        status: Annotated[str | None, Query(max_length=32)] = None,
        bay: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[JobCard]:
        return cards_listed(core, status, bay)

    @api.get("/repair-orders/{ro}", responses=PROBLEMS, response_model=JobCard)
    def get_repair_order(ro: Ident, actor: Reader) -> JobCard:
        return card(ro)

    @api.patch("/repair-orders/{ro}", responses=PROBLEMS, response_model=JobCard)
    def change_repair_order(ro: Ident, change: RepairOrderChange, actor: Writer) -> JobCard:
        run(UpdateOrder(ro, order_changes_of(change)), actor)
        return card(ro)

    @api.post("/repair-orders/{ro}/dispatch", responses=PROBLEMS, response_model=JobCard)
    def dispatch_repair_order(ro: Ident, target: DispatchIn, actor: Writer) -> JobCard:
        run(Dispatch(ro, target.bay, target.team, target.force, target.reason), actor)
        return card(ro)

    @api.post("/repair-orders/{ro}/cancel", responses=PROBLEMS, response_model=JobCard)
    def cancel_repair_order(ro: Ident, body: CancelIn, actor: Writer) -> JobCard:
        run(CancelOrder(ro, body.reason), actor)
        return card(ro)


def build_api(core: Core) -> FastAPI:
    # The documents (/docs, /redoc) with their scripts and styles served from here, not
    # from a CDN: a dealer's site is often offline.
    api = FastAPIOffline(
        title="Pitboard integration API",
        version="1",
        description="Create, change and dispatch repair orders; read their status. Book "
        "cars, change and cancel bookings, mark them arrived and check them in; read a day's "
        "bookings, an advisor's free slots and the day's load; read the figures of a day, a week "
        "or a month. "
        "Send `Authorization: Bearer <token>`: a `read` token reads, a `write` token also "
        "changes.",
        # Swagger UI would send the document to a validator on the internet.
        swagger_ui_parameters={"validatorUrl": None},
    )
    api.state.core = core
    add_problem_answers(api)
    add_repair_order_routes(api, core)
    add_appointment_routes(api, core)
    add_report_routes(api, core)
    return api
