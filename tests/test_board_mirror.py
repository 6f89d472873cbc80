"""A subscriber that puts the foreman's board together from its retained parts holds the
board the core made, exactly: after every step of random walks through the workshop, with
devices coming, going and failing, whether it followed every message or joined late and got
the retained parts in another order — the plan's bars and the booked cars' reserved time
too. And the core's board, whose cards are kept while their job stays the same, is the
board a projector without any kept cards makes."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from core.contract.dispatch_mirror import BoardMirror
from core.contract.dispatch_parts import DispatchBay, DispatchJob
from core.contract.views import DispatchView
from core.domain.appointment import Booking
from core.domain.events import DomainEvent
from core.domain.model import Customer, Operation, Vehicle
from core.engine.device_health import DeviceHealth
from core.engine.effects import rows_to_write
from core.engine.items import Counters
from core.engine.view_publisher import ViewPublisher
from core.views import Projector
from tests.helpers import FakeBus, demo_config
from tests.walk import Snapshot, WorkshopWalk

CONFIG = demo_config()
BOARD = "pitboard/demo/view/dispatch/"
DEVICES = ["kiosk-b01", "tablet-b03", "printer-desk", "bridge-1"]
STATUS = {
    "online": b'{"v":1,"online":true}',
    "offline": b'{"v":1,"online":false}',
    "trouble": b'{"v":1,"online":true,"problem":"paper_out"}',
    "gone": b"",  # its retained status cleared
}


def retained(bus: FakeBus) -> dict[str, bytes]:
    """What the broker holds for a subscriber that joins now."""
    held: dict[str, bytes] = {}
    for topic, payload, _, retain in bus.published:
        if retain and payload:
            held[topic] = payload
        elif retain:
            held.pop(topic, None)
    return held


def as_now(view: DispatchView) -> DispatchView:
    """Every card's work time taken at the board's time."""
    cards = [
        c.model_copy(
            update={"worked_seconds": c.worked_at(view.updated_at), "worked_as_of": view.updated_at}
        )
        for c in view.jobs
    ]
    return view.model_copy(update={"jobs": cards})


class BoardWalk(WorkshopWalk):
    def __init__(self) -> None:
        super().__init__()
        self.bus = FakeBus()
        self.health = DeviceHealth(CONFIG)
        self.views = ViewPublisher(CONFIG, self.bus, self.health, Counters(), lambda: self.now)
        self.follower = BoardMirror("demo")  # subscribed from the start
        self.heard = 0
        self.publish()

    def publish(self) -> None:
        self.views.publish_dispatch(self.ws, self.now)
        self.check()

    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        self.views.forget(rows_to_write(events).jobs)  # as the batch step does
        self.publish()

    @rule(device=st.sampled_from(DEVICES), says=st.sampled_from(sorted(STATUS)))
    def device_status(self, device: str, says: str) -> None:
        if self.health.status(device, STATUS[says], self.now):
            self.views.publish_devices()
        if self.views.dispatch_pending:  # a device came or went: the index counts it
            self.views.publish_dispatch(self.ws, self.now)
        self.check()

    def check(self) -> None:
        board = self.views.dispatch_view
        assert board is not None
        for topic, payload, _, _ in self.bus.published[self.heard :]:
            self.follower.receive(topic, payload)
        self.heard = len(self.bus.published)
        assert self.follower.view() == board, "the subscriber that heard everything"
        joiner = BoardMirror("demo")
        for topic, payload in sorted(retained(self.bus).items(), reverse=True):
            joiner.receive(topic, payload)
        assert joiner.view() == board, "a subscriber that joined now"
        fresh_states = Projector(CONFIG)
        fresh = Projector(CONFIG).dispatch(self.ws, board.updated_at, self.health.sorted_rows())
        assert as_now(board) == as_now(fresh), "kept cards are what the jobs are now"
        for row in board.bays:  # the board's stations list their jobs as their kiosks do
            state = fresh_states.bay_state(self.ws, row.id, board.updated_at)
            # A workshop bay's kiosk also shows its cars waiting for the leader check, which
            # the board lists at the QC station.
            queue = [c for c in state.queue if row.kind == "qc" or c.status != "self_checked"]
            kiosk = ([state.current.ro] if state.current else []) + [c.ro for c in queue]
            assert ([row.current] if row.current else []) + row.queue == kiosk, row.id


TestBoardWalk = BoardWalk.TestCase
TestBoardWalk.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_a_board_whose_newest_parts_are_still_on_their_way_is_not_shown() -> None:
    """A job moved from one bay to another: until both bays' new parts are in, the
    subscriber keeps the board it had (the job neither twice nor missing)."""
    walk = BoardWalk()
    walk.cars_arrive(cars=1, wash=False)
    ro = next(iter(walk.ws.jobs))
    walk.step(lambda at: walk.ws.dispatch(ro, "B01", at))
    mirror = BoardMirror("demo")
    for topic, payload in retained(walk.bus).items():
        mirror.receive(topic, payload)
    shown = mirror.view()
    assert shown is not None and [c.bay for c in shown.jobs] == ["B01"]

    mark = len(walk.bus.published)
    walk.step(lambda at: walk.ws.dispatch(ro, "B02", at))
    moved = [(t, p) for t, p, _, _ in walk.bus.published[mark:]]
    names = {t.removeprefix("pitboard/demo/view/dispatch/") for t, _ in moved}
    assert {"bay/B01", "bay/B02", "index"} <= names
    for topic, payload in moved:
        if topic.endswith("/bay/B01"):
            continue  # held up on its way
        mirror.receive(topic, payload)
        assert mirror.view() is shown, "a board with the job at both bays or none"
    mirror.receive(*next((t, p) for t, p in moved if t.endswith("/bay/B01")))
    now = mirror.view()
    assert now is not None and [c.bay for c in now.jobs] == ["B02"]


def test_parts_left_over_from_another_run_of_the_core_are_ignored() -> None:
    walk = BoardWalk()
    mirror = BoardMirror("demo")
    mirror.receive("pitboard/demo/view/dispatch/bay/B99", _left_over(walk))
    for topic, payload in retained(walk.bus).items():
        mirror.receive(topic, payload)
    assert mirror.view() == walk.views.dispatch_view


def _left_over(walk: BoardWalk) -> bytes:
    """A bay's part as a core that ran before sent it, for a bay since removed."""
    sent = retained(walk.bus)["pitboard/demo/view/dispatch/bay/B01"]
    part = DispatchBay.model_validate_json(sent)
    row = part.row.model_copy(update={"id": "B99"})
    return part.model_copy(update={"row": row, "run": "0ld0ld00"}).model_dump_json().encode()


def booked(walk: BoardWalk, plate: str = "沪A88888", hours: float = 1.0) -> str:
    """A car booked in the advisor's next free slot of the walk's day."""
    slot = walk.ws.free_slots("SA01", walk.now.date(), after=walk.now)[0]
    booking = Booking(
        customer=Customer(name="李女士", phone="13900139000"),
        vehicle=Vehicle(plate=plate, model="大众 帕萨特"),
        operations=(Operation("M010", "小保养", hours, "Minor service"),),
        start=slot,
        advisor="SA01",
    )
    walk.step(lambda at: walk.ws.book(booking, at))
    return next(iter(walk.ws.appointments))


def dispatched(walk: BoardWalk, ro: str, bay: str, at: datetime) -> None:
    walk.ws.dispatch(ro, bay, at)


def joined_now(walk: BoardWalk) -> DispatchView | None:
    mirror = BoardMirror("demo")
    for topic, payload in retained(walk.bus).items():
        mirror.receive(topic, payload)
    return mirror.view()


def test_planned_bars_and_reserved_time_travel_in_their_parts_and_are_rebuilt_exactly() -> None:
    walk = BoardWalk()
    walk.cars_arrive(cars=2, wash=False)
    first, second = sorted(walk.ws.jobs)
    for ro in (first, second):
        walk.step(partial(dispatched, walk, ro, "B01"))
    ident = booked(walk)
    board = walk.views.dispatch_view
    assert board is not None
    assert [b.ro for b in board.planned] == [first, second]
    assert board.planned[0].end == board.planned[1].start  # the queue, one after the other
    (block,) = board.reserved
    assert block.appointment == ident and block.plate == "沪A·•••88"
    held = retained(walk.bus)
    part = DispatchJob.model_validate_json(held[f"pitboard/demo/view/dispatch/job/{second}"])
    assert part.planned == board.planned[1]
    assert f"pitboard/demo/view/dispatch/reserved/{block.bay}" in held
    shown = joined_now(walk)
    assert shown is not None and shown.planned == board.planned
    assert shown.reserved == board.reserved

    walk.step(lambda at: walk.ws.put_before(second, first, at))  # the foreman's new order
    board = walk.views.dispatch_view
    assert board is not None and [b.ro for b in board.planned] == [second, first]
    walk.step(lambda at: walk.ws.cancel_appointment(ident, "改期", at))
    assert f"pitboard/demo/view/dispatch/reserved/{block.bay}" not in retained(walk.bus)
    shown = joined_now(walk)
    assert shown is not None and shown.reserved == [] and shown == walk.views.dispatch_view


def test_a_booking_sends_its_bays_reserved_time_and_what_it_moved_not_the_whole_board() -> None:
    walk = BoardWalk()
    walk.cars_arrive(cars=3, wash=False)
    for ro in sorted(walk.ws.jobs):
        walk.step(partial(dispatched, walk, ro, "B02"))
    mark = len(walk.bus.published)
    booked(walk)  # at the same moment: nothing moved with time alone
    sent = {t.removeprefix(BOARD) for t, _, _, _ in walk.bus.published[mark:]}
    board = walk.views.dispatch_view
    assert board is not None
    (block,) = board.reserved
    assert {f"reserved/{block.bay}", "index"} <= sent
    # The bays' rows and the jobs of other bays stay as they were.
    assert not any(name.startswith("bay/") for name in sent), sent
    moved = {f"job/{b.ro}" for b in board.planned if b.bay == block.bay}
    assert sent - {f"reserved/{block.bay}", "index"} <= moved, sent
