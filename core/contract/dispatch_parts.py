"""The foreman's board as it travels: retained parts that change apart, and an index.

A job belongs to the part of the bay it is dispatched to (whatever its stage: also while at
QC, the wash or ready for pickup), or to ``waiting`` while it is dispatched to no bay of the
board; its card, its Gantt bars and its alerts travel there. Device rows are parts of their
own (``view/devices/{device}``), so a device coming or going sends one row. Every part
carries the ``seq`` of the publication that last changed it; the index says which
publication is the newest and, in ``digest``, which part versions make it up, so a
subscriber can tell when it holds one whole board and never shows a job twice or not at all
while it moves from one bay to another. The board's lists (waiting for dispatch, findings,
keys, ready, the QC and wash queues) are worked out from the cards (dispatch_lists.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .views import Alert, BayRow, BoardCard, DeviceRow, DispatchView, TimelineBar

#: Topic suffixes after ``pitboard/{site}/``.
BOARD_PREFIX = "view/dispatch/"
DEVICE_PREFIX = "view/devices/"
INDEX = "index"
WAITING = "waiting"
PEOPLE = "alerts"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    site: str
    run: str = Field(
        default="",
        description="Changes whenever the core starts: a part of another run than the index's"
        " is left over (e.g. a bay taken out of the configuration) and is ignored",
    )
    seq: int = Field(default=0, description="The publication that last changed this part")


class DispatchBay(_Part):
    """``view/dispatch/bay/{bay}``: one bay of the board and every job dispatched to it."""

    position: int = Field(description="The bay's place on the board, 0 first")
    row: BayRow
    jobs: list[BoardCard] = Field(
        description="The open jobs dispatched to this bay, whatever their stage, by promised"
        " time then RO"
    )
    bars: list[TimelineBar] = Field(description="The bay's Gantt bars, by start then technician")
    alerts: list[Alert] = Field(description="The alerts of these jobs")


class DispatchWaiting(_Part):
    """``view/dispatch/waiting``: the open jobs dispatched to no bay of the board."""

    jobs: list[BoardCard]
    bars: list[TimelineBar] = []
    alerts: list[Alert] = []


class DispatchPeople(_Part):
    """``view/dispatch/alerts``: the alerts about people (a technician who moved to another
    bay, refused sign-ins); the jobs' alerts travel with the jobs, the devices' with them."""

    alerts: list[Alert]


class DeviceView(_Part):
    """``view/devices/{device}``: one device as the board shows it."""

    row: DeviceRow
    alerts: list[Alert] = Field(description="The alert this device raises, if any")


class DispatchIndex(_Part):
    """``view/dispatch/index``: the newest publication of the board and what makes it up."""

    updated_at: datetime = Field(description="The board's time (its line of now)")
    timeline_from: datetime | None = Field(description="Where the Gantt starts")
    timeline_to: datetime | None = Field(description="Where the Gantt ends")
    parts: int = Field(description="How many board parts there are (bays, waiting, alerts)")
    digest: str = Field(
        description="The first 16 hex digits of the SHA-256 of one line '{part} {seq}\\n' per"
        " board part, sorted by part (the part is the topic after 'view/dispatch/', e.g."
        " 'bay/B03')"
    )
    devices: int = Field(description="How many device rows there are")


BoardPart = DispatchBay | DispatchWaiting | DispatchPeople


def bay_part(bay: str) -> str:
    return f"bay/{bay}"


def digest(seqs: Mapping[str, int]) -> str:
    text = "".join(f"{name} {seqs[name]}\n" for name in sorted(seqs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def split(view: DispatchView) -> dict[str, BoardPart]:
    """The board's parts, unnumbered (``run`` and ``seq`` are set as they are sent)."""
    bays = {row.id for row in view.bays}
    home = {c.ro: bay_part(c.bay) if c.bay in bays else WAITING for c in view.jobs}
    jobs: dict[str, list[BoardCard]] = {}
    bars: dict[str, list[TimelineBar]] = {}
    alerts: dict[str, list[Alert]] = {}
    for card in view.jobs:
        jobs.setdefault(home[card.ro], []).append(card)
    for bar in view.timeline:
        bars.setdefault(bay_part(bar.bay) if bar.bay in bays else WAITING, []).append(bar)
    for alert in view.alerts:
        if alert.ro is not None and alert.ro in home:
            alerts.setdefault(home[alert.ro], []).append(alert)
    site = view.site
    parts: dict[str, BoardPart] = {}
    for position, row in enumerate(view.bays):
        name = bay_part(row.id)
        parts[name] = DispatchBay(
            site=site,
            position=position,
            row=row,
            jobs=jobs.get(name, []),
            bars=bars.get(name, []),
            alerts=alerts.get(name, []),
        )
    parts[WAITING] = DispatchWaiting(
        site=site,
        jobs=jobs.get(WAITING, []),
        bars=bars.get(WAITING, []),
        alerts=alerts.get(WAITING, []),
    )
    people = [a for a in view.alerts if a.ro is None and a.device is None]
    parts[PEOPLE] = DispatchPeople(site=site, alerts=people)
    return parts


def device_parts(site: str, rows: list[DeviceRow], alerts: list[Alert]) -> dict[str, DeviceView]:
    """One part per device row, with the alert it raises."""
    raised: dict[str, list[Alert]] = {}
    for a in alerts:
        if a.device is not None:
            raised.setdefault(a.device, []).append(a)
    return {d.device: DeviceView(site=site, row=d, alerts=raised.get(d.device, [])) for d in rows}
