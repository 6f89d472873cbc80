"""The printers' and key readers' faults, driven from outside the devices bridge: the
printer on the other end of the network line and the reader on the other end of the serial
line misbehave, as real ones do.

Two kinds need the bridge to ask the printer whether a ticket came out (GS r 1 after it):
a printer that hangs up after the status request, and paper that ends half-way through a
ticket; one needs a reader that is down to invent nothing: unplugged while a key hangs
over it. A bridge without those reports such prints printed and such keys taken
(tests/test_soak.py shows each against the device code).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.soak_faults import FaultKind, Later
from bench.soak_printer import PrinterServer
from bench.soak_readers import PtyReader

if TYPE_CHECKING:
    from bench.soak_plant import Plant


def _healthy(p: PrinterServer) -> bool:
    return p.listening and not p.stalled and p.paper and not p.hang_up and not p.cut_next


def _printer(plant: Plant, rng: random.Random) -> PrinterServer | None:
    healthy = [p for p in plant.printers.values() if _healthy(p)]
    return rng.choice(healthy) if healthy else None


def _printer_fault(
    start: Callable[[PrinterServer], None],
    end: Callable[[PrinterServer], None],
    seconds: tuple[float, float],
) -> Callable[[Plant, random.Random, Later], bool]:
    def inject(plant: Plant, rng: random.Random, later: Later) -> bool:
        printer = _printer(plant, rng)
        if printer is None:
            return False
        start(printer)
        later(rng.uniform(*seconds), lambda: end(printer))
        return True

    return inject


def _no_paper(p: PrinterServer) -> None:
    p.paper = False


def _paper_back(p: PrinterServer) -> None:
    p.cut_next = False
    p.paper = True


def _hang_up(p: PrinterServer) -> None:
    p.hang_up = True


def _answer_again(p: PrinterServer) -> None:
    p.hang_up = False


def _cut_next(p: PrinterServer) -> None:
    p.cut_next = True


def _reader(plant: Plant, rng: random.Random, hanging: bool) -> PtyReader | None:
    fit = [r for r in plant.readers if r.plugged and not r.noisy and r.hanging == hanging]
    return rng.choice(fit) if fit else None


def _unplug(hanging: bool) -> Callable[[Plant, random.Random, Later], bool]:
    def inject(plant: Plant, rng: random.Random, later: Later) -> bool:
        reader = _reader(plant, rng, hanging)
        if reader is None:
            return False
        reader.unplug()
        later(rng.uniform(0.3, 5.0), reader.plug)
        return True

    return inject


def _noise(plant: Plant, rng: random.Random, later: Later) -> bool:
    fit = [r for r in plant.readers if r.plugged and not r.noisy]
    if not fit:
        return False
    reader = rng.choice(fit)
    reader.noisy = True

    def quiet() -> None:
        reader.noisy = False

    later(rng.uniform(1.0, 4.0), quiet)
    return True


DEVICE_FAULTS: tuple[FaultKind, ...] = (
    FaultKind(
        "printer refuses connections",
        5,
        _printer_fault(PrinterServer.refuse, PrinterServer.listen, (1.0, 5.0)),
    ),
    FaultKind(
        "printer stalls", 4, _printer_fault(PrinterServer.stall, PrinterServer.resume, (1.0, 7.0))
    ),
    FaultKind("printer out of paper", 5, _printer_fault(_no_paper, _paper_back, (1.0, 6.0))),
    FaultKind(
        "printer hangs up at once",
        3,
        _printer_fault(_hang_up, _answer_again, (1.0, 4.0)),
    ),
    FaultKind(
        "paper ends half-way through a ticket",
        3,
        _printer_fault(_cut_next, _paper_back, (2.0, 6.0)),
    ),
    FaultKind("reader unplugged (hook empty)", 9, _unplug(hanging=False)),
    FaultKind("reader unplugged (key hanging)", 4, _unplug(hanging=True)),
    FaultKind("reader sends noise", 9, _noise),
)
