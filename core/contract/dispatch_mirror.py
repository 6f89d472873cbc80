"""The foreman's whole board, put together by a subscriber from the retained parts it
receives (core/contract/dispatch_parts.py), in whatever order they arrive."""

from __future__ import annotations

from collections.abc import Mapping

from core.domain.vocabulary import BayKind

from .dispatch_lists import (
    keys_out,
    pending_findings,
    ready,
    station_queue,
    waiting_dispatch,
    with_station_jobs,
)
from .dispatch_parts import (
    BOARD_PREFIX,
    DEVICE_PREFIX,
    INDEX,
    PEOPLE,
    BoardPart,
    DeviceView,
    DispatchBay,
    DispatchIndex,
    DispatchJob,
    DispatchLeft,
    DispatchPeople,
    DispatchReserved,
    digest,
)
from .views import DispatchView


def assemble(
    index: DispatchIndex, parts: Mapping[str, BoardPart], devices: Mapping[str, DeviceView]
) -> DispatchView:
    """The board these parts make up, exactly as the core made it."""
    bays = sorted((p for p in parts.values() if isinstance(p, DispatchBay)), key=_position)
    jobs = sorted(
        (p for p in parts.values() if isinstance(p, DispatchJob)),
        key=lambda p: (p.card.promised_at, p.card.ro),
    )
    cards = [p.card for p in jobs]
    left = sorted(
        (p for p in parts.values() if isinstance(p, DispatchLeft)), key=lambda p: p.bars[0].ro
    )
    rows = with_station_jobs([p.row for p in bays], cards)
    shown = sorted(devices.values(), key=lambda d: d.row.device)
    people = [a for p in parts.values() if isinstance(p, DispatchPeople) for a in p.alerts]
    now = index.updated_at
    return DispatchView(
        site=index.site,
        updated_at=now,
        bays=rows,
        jobs=cards,
        waiting_dispatch=waiting_dispatch(cards),
        devices=[d.row for d in shown],
        # Stable: bars that tie keep the order of their jobs on the board, as on the core's.
        timeline=sorted(
            [*(b for p in jobs for b in p.bars), *(b for p in left for b in p.bars)],
            key=lambda b: (b.bay, b.start, b.tech),
        ),
        timeline_from=index.timeline_from,
        timeline_to=index.timeline_to,
        planned=sorted(
            (p.planned for p in jobs if p.planned is not None), key=lambda b: (b.bay, b.start, b.ro)
        ),
        reserved=sorted(
            (b for p in parts.values() if isinstance(p, DispatchReserved) for b in p.blocks),
            key=lambda b: (b.bay, b.start, b.appointment),
        ),
        pending_findings=pending_findings(cards),
        qc_queue=station_queue(rows, BayKind.QC),
        wash_queue=station_queue(rows, BayKind.WASH),
        ready=ready(cards),
        keys=keys_out(cards, now),
        alerts=[
            *(a for p in jobs for a in p.alerts),
            *(a for d in shown for a in d.alerts),
            *people,
        ],
    )


def _position(part: DispatchBay) -> int:
    return part.position


class BoardMirror:
    """What a subscriber of the board's topics holds, and the whole board once it holds one.

    Feed it every message of ``view/dispatch/index``, ``view/dispatch/bay/+``,
    ``view/dispatch/job/+``, ``view/dispatch/left/+``, ``view/dispatch/reserved/+``,
    ``view/dispatch/alerts`` and ``view/devices/+``, retained or not; ``view()`` is the
    newest whole board received so far, kept while the parts of a newer one are still on
    their way."""

    def __init__(self, site: str) -> None:
        self.root = f"pitboard/{site}/"
        self.index: DispatchIndex | None = None
        self.parts: dict[str, BoardPart] = {}
        self.devices: dict[str, DeviceView] = {}
        self._view: DispatchView | None = None
        self._changed = False

    def receive(self, topic: str, payload: bytes) -> bool:
        """Take one message; False when the topic is none of the board's. An empty
        (retained) message takes a part away."""
        rest = topic.removeprefix(self.root)
        if rest.startswith(DEVICE_PREFIX):
            device = rest.removeprefix(DEVICE_PREFIX)
            if payload:
                self.devices[device] = DeviceView.model_validate_json(payload)
            else:
                self.devices.pop(device, None)
        elif rest == BOARD_PREFIX + INDEX:
            self.index = DispatchIndex.model_validate_json(payload) if payload else None
        elif rest.startswith(BOARD_PREFIX):
            name = rest.removeprefix(BOARD_PREFIX)
            model = _PART_MODELS.get(name.split("/", 1)[0])
            if model is None:
                return False
            if payload:
                self.parts[name] = model.model_validate_json(payload)
            else:
                self.parts.pop(name, None)
        else:
            return False
        self._changed = True
        return True

    def view(self) -> DispatchView | None:
        if self._changed:
            self._changed = False
            whole = self._whole()
            if whole is not None:
                self._view = whole
        return self._view

    def _whole(self) -> DispatchView | None:
        index = self.index
        if index is None:
            return None
        parts = {n: p for n, p in self.parts.items() if p.run == index.run}
        devices = {d: p for d, p in self.devices.items() if p.run == index.run}
        if len(parts) != index.parts or len(devices) != index.devices:
            return None
        if digest({n: p.seq for n, p in parts.items()}) != index.digest:
            return None
        return assemble(index, parts, devices)


_PART_MODELS: dict[str, type[BoardPart]] = {
    "bay": DispatchBay,
    "job": DispatchJob,
    "left": DispatchLeft,
    "reserved": DispatchReserved,
    PEOPLE: DispatchPeople,
}
