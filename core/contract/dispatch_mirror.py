"""The foreman's whole board, put together by a subscriber from the retained parts it
receives (core/contract/dispatch_parts.py), in whatever order they arrive."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .dispatch_lists import keys_out, pending_findings, ready, station_queue, waiting_dispatch
from .dispatch_parts import (
    BOARD_PREFIX,
    DEVICE_PREFIX,
    INDEX,
    PEOPLE,
    WAITING,
    BoardPart,
    DeviceView,
    DispatchBay,
    DispatchIndex,
    DispatchPeople,
    DispatchWaiting,
    digest,
)
from .views import Alert, BoardCard, DispatchView, TimelineBar


def assemble(
    index: DispatchIndex, parts: Mapping[str, BoardPart], devices: Mapping[str, DeviceView]
) -> DispatchView:
    """The board these parts make up, exactly as the core made it."""
    bays = sorted((p for p in parts.values() if isinstance(p, DispatchBay)), key=_position)
    homes: list[DispatchBay | DispatchWaiting] = [*bays]
    homes += [p for p in parts.values() if isinstance(p, DispatchWaiting)]
    rows = [p.row for p in bays]
    cards = sorted((c for p in homes for c in p.jobs), key=lambda c: (c.promised_at, c.ro))
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
        timeline=_timeline(homes),
        timeline_from=index.timeline_from,
        timeline_to=index.timeline_to,
        pending_findings=pending_findings(cards),
        qc_queue=station_queue(rows, "qc"),
        wash_queue=station_queue(rows, "wash"),
        ready=ready(cards),
        keys=keys_out(cards, now),
        alerts=[*_job_alerts(homes, cards), *(a for d in shown for a in d.alerts), *people],
    )


def _position(part: DispatchBay) -> int:
    return part.position


def _timeline(homes: Iterable[DispatchBay | DispatchWaiting]) -> list[TimelineBar]:
    # Each part's bars are in board order already; the sort is stable, so bars that tie
    # keep the order they had on the core's board.
    bars = [b for p in homes for b in p.bars]
    return sorted(bars, key=lambda b: (b.bay, b.start, b.tech))


def _job_alerts(
    homes: Iterable[DispatchBay | DispatchWaiting], cards: list[BoardCard]
) -> list[Alert]:
    """The jobs' alerts, job by job in board order, each job's in the order it raised them."""
    of: dict[str | None, list[Alert]] = {}
    for part in homes:
        for alert in part.alerts:
            of.setdefault(alert.ro, []).append(alert)
    return [a for c in cards for a in of.get(c.ro, [])]


class BoardMirror:
    """What a subscriber of the board's topics holds, and the whole board once it holds one.

    Feed it every message of ``view/dispatch/index``, ``view/dispatch/bay/+``,
    ``view/dispatch/waiting``, ``view/dispatch/alerts`` and ``view/devices/+``, retained or
    not; ``view()`` is the newest whole board received so far, kept while the parts of a
    newer one are still on their way."""

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


_PART_MODELS: dict[str, type[DispatchBay] | type[DispatchWaiting] | type[DispatchPeople]] = {
    "bay": DispatchBay,
    WAITING: DispatchWaiting,
    PEOPLE: DispatchPeople,
}
