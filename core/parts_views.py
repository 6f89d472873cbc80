"""The parts counter's board (core/contract/parts_board.py) made from the workshop."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.contract.parts_board import CounterRequest, PartsBoard
from core.domain.model import Job, PartsRequest
from core.domain.parts import counter_queue
from core.domain.vocabulary import SERVED_PARTS_STATES
from core.domain.workshop import Workshop
from core.views import parts_lines

#: How long a request handed out stays in sight on the counter's board.
SERVED_SHOWN = timedelta(hours=4)


def _line(job: Job, request: PartsRequest) -> CounterRequest:
    shown = next(p for p in parts_lines(job) if p.id == request.id)
    return CounterRequest(
        ro=job.ro,
        bay=request.bay,
        plate=job.vehicle.plate,
        model=job.vehicle.model,
        advisor=job.advisor,
        request=shown,
    )


def parts_board(ws: Workshop, now: datetime) -> PartsBoard:
    """The board at ``now`` (to the minute: the ages a person reads)."""
    jobs = ws.open_jobs()
    waiting = tuple(_line(w.job, w.request) for w in counter_queue(jobs))
    since = now - SERVED_SHOWN
    served = sorted(
        (
            (r.served_at, _line(j, r))
            for j in jobs
            for r in j.parts_requests
            if r.state in SERVED_PARTS_STATES and r.served_at is not None and r.served_at >= since
        ),
        key=lambda x: x[0],
        reverse=True,
    )
    return PartsBoard(
        at=now.replace(second=0, microsecond=0),
        waiting=waiting,
        served=tuple(line for _, line in served),
    )
