"""The foreman's board travels in parts: one tap sends every MQTT subscriber of the board
kilobytes, not the board, even at 200 bays and 1,000 open jobs; a device's status sends only
that device's row. Sizes are the payloads the core hands its broker."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.commands import CheckInCar
from core.contract.dispatch_mirror import BoardMirror
from core.contract.messages import make_event
from core.demo.busy import busy_config, orders, spread
from core.domain import plan
from core.domain.eta import predict
from core.domain.model import Job
from core.engine import Core, Incoming, Republish, WebCommand, view_publisher
from core.engine.board_publisher import BoardPublisher
from core.store.database import make_engine, migrate, sqlite_url
from core.store.repository import Store
from core.views import STEP_JOBS
from tests.helpers import Clock, FakeBus, demo_config, send_board

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
#: Every topic of the foreman's board starts so (after ``pitboard/{site}``).
BOARD = ("/view/dispatch", "/view/devices")


def board_traffic(bus: FakeBus, since: int) -> dict[str, int]:
    """Bytes published on the board's topics since the ``since``-th publish, by topic."""
    out: dict[str, int] = {}
    for topic, payload, _, _ in bus.published[since:]:
        rest = topic.removeprefix("pitboard/demo")
        if rest.startswith(BOARD):
            out[rest] = out.get(rest, 0) + len(payload)
    return out


@pytest.fixture
def board_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # The board is gathered for a share of its own build time; here it goes out with every
    # batch, so each tap's traffic is its own.
    monkeypatch.setattr(view_publisher, "DISPATCH_MAX_GAP", 0.0)


@pytest.fixture
def busy(tmp_path: Path, board_every_batch: None) -> Iterator[tuple[Core, FakeBus]]:
    """200 bays with a technician and a kiosk each, 1,000 open jobs in every stage."""
    cfg = busy_config(demo_config(), 200)
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    bus = FakeBus()
    core = Core(cfg, Store(engine, cfg.site.id), bus, Clock(NOW))
    checked: list[Future[Any]] = [Future() for _ in range(1000)]
    core.step.process(
        [
            WebCommand(CheckInCar(o), "advisor:SA01", f)
            for o, f in zip(orders(1000, NOW), checked, strict=True)
        ]
    )
    general = [b.id for b in cfg.bays if b.kind == "general"]
    spread(core.ws, [f.result(0).ro for f in checked], general, NOW)
    core.step.process([Republish(connected=True)])
    send_board(core)  # a whole board goes a slice at a time, as the loop sends it
    yield core, bus
    engine.dispose()


def tap(core: Core, type_: str, drain: bool = True, **data: str) -> tuple[str, str, int]:
    """A tap on the running job of the first bay that has one; (the job, its bay, the
    publish count before it)."""
    job = next(j for j in core.ws.jobs.values() if j.working_techs())
    bay, tech = job.bay or "", job.working_techs()[0]
    device = f"kiosk-{bay.lower()}"
    payload = make_event(device, 1, type_, NOW, bay=bay, job=job.ro, tech=tech, data=data)
    mark = len(core.publisher.published)  # type: ignore[attr-defined]
    core.step.process([Incoming(f"pitboard/demo/dev/{device}/event", payload, None, NOW)])
    if drain:
        send_board(core)
    return job.ro, bay, mark


def content(payload: bytes) -> dict[str, Any]:
    """A part without its numbering."""
    body: dict[str, Any] = json.loads(payload)
    return {k: v for k, v in body.items() if k not in ("run", "seq")}


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("job.paused", {"reason": "waiting_parts"}),
        # the job leaves its bay for the QC station: the cars behind it move up
        ("job.self_checked", {}),
    ],
)
def test_a_tap_sends_subscribers_of_a_200_bay_board_under_10_kb(
    busy: tuple[Core, FakeBus], type_: str, data: dict[str, str]
) -> None:
    core, bus = busy
    held = {t: p for t, p, _, _ in bus.published}  # what the broker keeps for subscribers
    ro, bay, mark = tap(core, type_, **data)
    assert bus.acks(f"kiosk-{bay.lower()}")[-1]["result"] == "applied"
    traffic = board_traffic(bus, mark)
    assert sum(traffic.values()) < 10_000, traffic
    sent = {t.removeprefix("/view/dispatch/") for t in traffic}
    assert {f"job/{ro}", f"bay/{bay}", "index"} <= sent, sorted(sent)
    assert "bay/Q01" not in sent, "the QC station's jobs are the cards at it"
    for topic, payload, _, _ in bus.published[mark:]:
        if topic in held and not topic.endswith("/index"):
            assert content(payload) != content(held[topic]), f"{topic} sent unchanged"


def status(core: Core, device: str, online: bool) -> int:
    """The device's retained status arrives at the core; the publish count before it."""
    mark = len(core.publisher.published)  # type: ignore[attr-defined]
    body = b'{"v":1,"online":%s,"outbox":0}' % (b"true" if online else b"false")
    core.step.process([Incoming(f"pitboard/demo/dev/{device}/status", body, None, NOW)])
    send_board(core)
    return mark


def test_a_device_status_change_sends_only_that_devices_row(
    store: Store, bus: FakeBus, clock: Clock, board_every_batch: None
) -> None:
    core = Core(demo_config(), store, bus, clock)
    core.step.process([Republish(connected=True)])
    send_board(core)
    status(core, "kiosk-b03", True)
    status(core, "kiosk-b04", True)

    mark = status(core, "kiosk-b03", False)  # its Last Will
    assert [t for t, *_ in bus.published[mark:]] == ["pitboard/demo/view/devices/kiosk-b03"]
    assert core.dispatch_view is not None
    assert [(d.device, d.online) for d in core.dispatch_view.devices] == [
        ("kiosk-b03", False),
        ("kiosk-b04", True),
    ], "the core's own board shows it too"

    # A kiosk says again what it said after every answered tap: nothing to show, nothing sent.
    clock.advance(seconds=5)
    mark = status(core, "kiosk-b04", True)
    assert bus.published[mark:] == []


def test_a_whole_board_goes_out_a_slice_at_a_time_and_a_tap_does_not_wait_for_it(
    busy: tuple[Core, FakeBus],
) -> None:
    core, bus = busy
    start = len(bus.published)
    core.step.process([Republish(connected=True)])  # every part again: more than a thousand
    for _ in range(500):  # the loop's next steps: the board built and compared, a part at a time
        if core.views.board.staged:
            break
        core.step.refresh()
    assert core.views.board.staged
    ro, bay, mark = tap(core, "job.paused", drain=False, reason="waiting_parts")
    assert bus.acks(f"kiosk-{bay.lower()}")[-1]["result"] == "applied"
    parts = [t for t in board_traffic(bus, mark) if t.startswith("/view/dispatch/")]
    assert 0 < len(parts) < 100, "a slice after the tap, not the thousand parts"

    send_board(core)  # the core's loop, with nothing waiting
    topics = [t for t, *_ in bus.published[start:] if t.startswith("pitboard/demo/view/dispatch/")]
    indexes = [n for n, t in enumerate(topics) if t.endswith("/index")]
    assert len(topics) > 1000 and len(indexes) == 2, "each board's index once"
    assert indexes[-1] == len(topics) - 1, "the last board's index after all its parts"
    mirror = BoardMirror("demo")
    for topic, payload, _, _ in bus.published:
        mirror.receive(topic, payload)
    view = mirror.view()
    assert view is not None and view == core.dispatch_view
    assert ro in {c.ro for c in view.jobs}


def test_no_step_of_the_board_makes_more_than_a_few_dozen_jobs_worth(
    busy: tuple[Core, FakeBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tap that comes while the board is built waits for one step, not for the board:
    every step makes at most ``STEP_JOBS`` cards, plans at most that many jobs (and one
    bay), and the board so built is the board built at once."""
    core, _ = busy
    projector, ws = core.projector, core.ws
    made: list[str] = []
    card, queued = projector.board_card, plan._queued

    def counted_card(job: Job, *rest: Any) -> Any:
        made.append(job.ro)
        return card(job, *rest)

    planned: list[int] = []

    def counted_queue(queue: list[Job], *rest: Any) -> Any:
        planned.append(len(queue))
        return queued(queue, *rest)

    monkeypatch.setattr(projector, "board_card", counted_card)
    monkeypatch.setattr(plan, "_queued", counted_queue)
    eta = predict(ws, NOW)
    projector.forget_all()  # every card made again, as when a car ahead of all finished
    steps = projector.dispatch_in_steps(ws, NOW, core.health.sorted_rows(), eta)
    taken = 0
    while True:
        made.clear()
        planned.clear()
        try:
            next(steps)
        except StopIteration as built:
            board = built.value
            break
        taken += 1
        assert len(made) <= STEP_JOBS and sum(planned) <= STEP_JOBS + max(planned, default=0)
    assert taken > 2 * len(ws.open_jobs()) // STEP_JOBS
    assert board == projector.dispatch(ws, NOW, core.health.sorted_rows(), eta)


def test_the_board_compared_a_few_parts_at_a_time_sends_what_it_sends_at_once(
    busy: tuple[Core, FakeBus],
) -> None:
    core, _ = busy
    view = core.dispatch_view
    assert view is not None
    changed = view.model_copy(update={"jobs": view.jobs[1:], "updated_at": NOW.replace(hour=3)})
    sent: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for how in ("at once", "in steps"):
        board = BoardPublisher("demo", FakeBus())
        board.publish_board(view)
        if how == "at once":
            board.publish_board(changed)
        else:
            steps = board.stage(changed, 10)
            taken = sum(1 for _ in steps)
            assert taken > len(changed.jobs) // 10, "a step after every ten parts"
            assert board.staged
            board.send_staged()
        published = board.publisher.published[-len(changed.jobs) - 50 :]  # type: ignore[attr-defined]
        sent[how] = [(t, content(p) if p else {}) for t, p, _, _ in published]
    assert sent["in steps"] == sent["at once"]
    assert any(t.endswith(f"/job/{view.jobs[0].ro}") and not body for t, body in sent["at once"])


def test_the_core_steps_aside_between_two_slices_of_the_boards_parts(
    busy: tuple[Core, FakeBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a slice of parts the core waits (for a tap, should one come) before the next:
    the MQTT thread sends them and reads their PUBACKs in the meantime, not while the next
    tap is worked on. A tap that comes is taken at once."""
    core, bus = busy
    monkeypatch.setattr(view_publisher, "BOARD_PAUSE", 60.0)
    monkeypatch.setattr(core.step.rollups, "wait", lambda: math.inf)  # no closed day to roll
    core.step.process([Republish(connected=True)])  # every part again: many slices
    for _ in range(500):
        if core.views.board.staged:
            break
        core.step.refresh()
    assert core.views.board.staged
    sent = len(bus.published)
    core.step.refresh()
    assert len(bus.published) == sent, "nothing more until the pause is over"
    assert 59 < core.step.wait() <= 60, "the core's loop waits for work that long"
    _, bay, mark = tap(core, "job.paused", drain=False, reason="waiting_parts")
    assert bus.acks(f"kiosk-{bay.lower()}")[-1]["result"] == "applied", "the tap at once"
    assert [t for t, *_ in bus.published[mark:] if "/view/dispatch/" in t] == []
    monkeypatch.setattr(view_publisher, "BOARD_PAUSE", 0.0)
    core.step.refresh()
    assert 0 < len([t for t, *_ in bus.published[mark:] if "/view/dispatch/" in t]) <= 16


def test_a_board_asked_for_whole_while_compared_in_steps_goes_whole_next_time(
    busy: tuple[Core, FakeBus],
) -> None:
    """A broker connection comes back (every part asked for again) while a board is being
    compared a few parts at a time: the parts looked at before the ask were not sent, so
    the next board goes out whole; none is left out."""
    core, _ = busy
    view = core.dispatch_view
    assert view is not None
    board = BoardPublisher("demo", FakeBus())
    board.publish_board(view)
    steps = board.stage(view, 10)
    split = (len(view.bays) + len(view.jobs)) // 10  # the steps making the parts
    for _ in range(split + 10):  # and a hundred of them compared
        next(steps)
    mark = len(board.publisher.published)  # type: ignore[attr-defined]
    board.send_all_again()
    for _ in steps:
        pass
    board.send_staged()
    board.publish_board(view)  # the next board, nothing in it changed
    sent = {t for t, *_ in board.publisher.published[mark:]}  # type: ignore[attr-defined]
    parts = {f"pitboard/demo/view/dispatch/job/{c.ro}" for c in view.jobs}
    parts |= {f"pitboard/demo/view/dispatch/bay/{b.id}" for b in view.bays}
    assert parts <= sent, sorted(parts - sent)[:5]
    board.publish_board(view)  # and once whole, no more than what changed
    assert board.publisher.published[-1][0].endswith("/index")  # type: ignore[attr-defined]
    assert not any("/job/" in t for t, *_ in board.publisher.published[-3:])  # type: ignore[attr-defined]
