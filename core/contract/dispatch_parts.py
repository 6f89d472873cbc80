"""The foreman's board as it travels: retained parts that change apart, and an index.

Each bay's row is a part, and each open job (its card, its Gantt bars, its planned bar and
its alerts), so a tap sends the job it changed and, when the job moved, the rows that list
it; a job that left the building during the Gantt's day keeps its bars in a part of its own
until the day is over; the booked cars' time reserved on a bay is a part per bay that has
some within the Gantt's window. Device rows are parts of their own
(``view/devices/{device}``). Every part carries the ``seq`` of the publication that last
changed it; the index says which publication is the newest and, in ``digest``, which part
versions make it up, so a subscriber can tell when it holds one whole board, and never shows
a job in two rows or in none while it moves from one bay to another. The board's lists
(waiting for dispatch, findings, keys, ready, the QC and wash queues) are worked out from
the cards and rows (dispatch_lists.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .dispatch_lists import is_station
from .views import (
    Alert,
    BayRow,
    BoardCard,
    DeviceRow,
    DispatchView,
    PlannedBar,
    ReservedBlock,
    TimelineBar,
)

#: Topic suffixes after ``pitboard/{site}/``.
BOARD_PREFIX = "view/dispatch/"
DEVICE_PREFIX = "view/devices/"
INDEX = "index"
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
    """``view/dispatch/bay/{bay}``: one bay's row on the board. A QC or wash station's row
    has no ``current`` or ``queue``: its jobs are the cards whose status is at the station
    (dispatch_lists.with_station_jobs)."""

    position: int = Field(description="The bay's place on the board, 0 first")
    row: BayRow


class DispatchJob(_Part):
    """``view/dispatch/job/{ro}``: one open job on the board."""

    card: BoardCard
    bars: list[TimelineBar] = Field(description="The job's Gantt bars, by start, technician")
    planned: PlannedBar | None = Field(
        default=None, description="The job's place in the plan, while it is in a bay's queue"
    )
    alerts: list[Alert] = Field(description="The job's alerts")


class DispatchLeft(_Part):
    """``view/dispatch/left/{ro}``: a job that left the building during the Gantt's day
    (delivered, closed or cancelled): its Gantt bars, until the day is over."""

    bars: list[TimelineBar] = Field(description="The job's Gantt bars, by start, technician")


class DispatchReserved(_Part):
    """``view/dispatch/reserved/{bay}``: the booked cars' time reserved on one bay within the
    Gantt's window; cleared when the bay has none."""

    blocks: list[ReservedBlock] = Field(description="By start, then appointment")


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
    parts: int = Field(
        description="How many board parts there are (bays, jobs, jobs that left, reserved"
        " time, alerts)"
    )
    digest: str = Field(
        description="The first 16 hex digits of the SHA-256 of one line '{part} {seq}\\n' per"
        " board part, sorted by part (the part is the topic after 'view/dispatch/', e.g."
        " 'bay/B03')"
    )
    devices: int = Field(description="How many device rows there are")


BoardPart = DispatchBay | DispatchJob | DispatchLeft | DispatchReserved | DispatchPeople


def bay_part(bay: str) -> str:
    return f"bay/{bay}"


def job_part(ro: str) -> str:
    return f"job/{ro}"


def left_part(ro: str) -> str:
    return f"left/{ro}"


def reserved_part(bay: str) -> str:
    return f"reserved/{bay}"


def digest(seqs: Mapping[str, int]) -> str:
    text = "".join(f"{name} {seqs[name]}\n" for name in sorted(seqs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def split(
    view: DispatchView, before: Mapping[str, BoardPart] | None = None
) -> dict[str, BoardPart]:
    """The board's parts, unnumbered (``run`` and ``seq`` are set as they are sent). A part
    of ``before`` made of the same pieces is taken as it is: a board has a thousand."""
    steps = split_in_steps(view, before, None)
    try:
        next(steps)
    except StopIteration as made:
        return made.value  # type: ignore[no-any-return]
    raise AssertionError("split in one step yielded")


def split_in_steps(
    view: DispatchView, before: Mapping[str, BoardPart] | None, per_step: int | None
) -> Generator[None, None, dict[str, BoardPart]]:
    """``split``, yielding after every ``per_step`` bays or jobs (None: never)."""
    before = before or {}
    bars: dict[str, list[TimelineBar]] = {}
    alerts: dict[str, list[Alert]] = {}
    for bar in view.timeline:
        bars.setdefault(bar.ro, []).append(bar)
    for alert in view.alerts:
        if alert.ro is not None:
            alerts.setdefault(alert.ro, []).append(alert)
    planned = {p.ro: p for p in view.planned}
    site = view.site
    parts: dict[str, BoardPart] = {}
    made = 0
    for position, row in enumerate(view.bays):
        name = bay_part(row.id)
        parts[name] = _bay(before.get(name), site, position, _travelling(row))
        made += 1
        if made == per_step:
            made = 0
            yield
    for card in view.jobs:
        name = job_part(card.ro)
        pieces = (bars.get(card.ro, []), planned.get(card.ro), alerts.get(card.ro, []))
        parts[name] = _job(before.get(name), site, card, *pieces)
        made += 1
        if made == per_step:
            made = 0
            yield
    for ro, mine in bars.items():  # the bars of the jobs that left: no card
        if job_part(ro) not in parts:
            name = left_part(ro)
            parts[name] = _kept(before.get(name), DispatchLeft(site=site, bars=mine))
    parts.update(_reserved(view, before))
    people = [a for a in view.alerts if a.ro is None and a.device is None]
    parts[PEOPLE] = DispatchPeople(site=site, alerts=people)
    return parts


def _bay(old: BoardPart | None, site: str, position: int, row: BayRow) -> DispatchBay:
    if isinstance(old, DispatchBay) and old.row is row and old.position == position:
        return old
    return DispatchBay(site=site, position=position, row=row)


def _job(
    old: BoardPart | None,
    site: str,
    card: BoardCard,
    bars: list[TimelineBar],
    planned: PlannedBar | None,
    alerts: list[Alert],
) -> DispatchJob:
    if (
        isinstance(old, DispatchJob)
        and old.card is card
        and (old.bars, old.planned, old.alerts) == (bars, planned, alerts)
    ):
        return old
    return DispatchJob(site=site, card=card, bars=bars, planned=planned, alerts=alerts)


def _kept(old: BoardPart | None, new: DispatchLeft | DispatchReserved) -> BoardPart:
    """The part sent before when it holds the same (its sequence number stays)."""
    return old if old is not None and type(old) is type(new) and old == new else new


def _reserved(view: DispatchView, before: Mapping[str, BoardPart]) -> dict[str, BoardPart]:
    """A part per bay with booked cars' time in the Gantt's window."""
    blocks: dict[str, list[ReservedBlock]] = {}
    for block in view.reserved:
        blocks.setdefault(block.bay, []).append(block)
    out: dict[str, BoardPart] = {}
    for bay, mine in blocks.items():
        name = reserved_part(bay)
        out[name] = _kept(before.get(name), DispatchReserved(site=view.site, blocks=mine))
    return out


def _travelling(row: BayRow) -> BayRow:
    """A station's row travels without its jobs: they are the cards at the station (a car
    passing the QC station sends its own card, not the station's list)."""
    return row.model_copy(update={"current": None, "queue": []}) if is_station(row) else row


def device_parts(site: str, rows: list[DeviceRow], alerts: list[Alert]) -> dict[str, DeviceView]:
    """One part per device row, with the alert it raises."""
    raised: dict[str, list[Alert]] = {}
    for a in alerts:
        if a.device is not None:
            raised.setdefault(a.device, []).append(a)
    return {d.device: DeviceView(site=site, row=d, alerts=raised.get(d.device, [])) for d in rows}
