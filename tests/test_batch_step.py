"""One batch as plain code, no thread: commit → bay states → acks → PUBACKs → the screens'
views → answers → the foreman's board, in that order; nothing is told when the commit
fails."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from core.commands import CheckInCar, Dispatch
from core.engine import Core, Incoming, Republish, WebCommand, batch, view_publisher
from core.engine.beside_sync import BesideSync
from core.store.repository import Store
from core.views import Projector
from tests.helpers import T0, Clock, Kiosk, demo_config, order, send_board


class Recorder:
    """The broker and the store as one log of what the world heard, in order."""

    def __init__(self, store: Store) -> None:
        self.log: list[str] = []
        self.fail_commits = False
        real = store.commit

        def commit(*args: Any) -> None:
            if self.fail_commits:
                raise OperationalError("commit", {}, Exception("disk full"))
            real(*args)
            self.log.append("commit")

        store.commit = commit  # type: ignore[method-assign]

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.log.append("publish " + topic.removeprefix("pitboard/demo/"))

    def puback(self, token: object) -> None:
        self.log.append(f"puback {token}")

    def send_now(self) -> None:
        self.log.append("sent")


def kinds(log: list[str]) -> list[str]:
    """The log with the bay states folded into 'states' (which bays is another test's
    matter); the public screens' views (the lounge, the welcome board) are 'lounge', the
    foreman's board 'board'."""
    out: list[str] = []
    for line in log:
        board = line.startswith(("publish view/dispatch/", "publish view/devices/"))
        kind = "board" if board else line
        kind = "states" if kind.startswith("publish bay/") else kind
        kind = "lounge" if kind in ("publish view/lounge", "publish view/welcome") else kind
        if not out or out[-1] != kind:
            out.append(kind)
    return out


@pytest.fixture
def step_core(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[Core, Recorder]:
    # The board is gathered for a share of its own build time; on a busy machine that
    # would hold it past the step. Here it is due at once, to see where it comes.
    monkeypatch.setattr(view_publisher, "DISPATCH_MAX_GAP", 0.0)
    rec = Recorder(store)
    core = Core(demo_config(), store, rec, Clock())
    return core, rec


def test_a_batch_is_committed_then_its_bay_states_shown_then_acked_then_the_screens_told(
    step_core: tuple[Core, Recorder],
) -> None:
    core, rec = step_core
    checked = Future[Any]()
    core.step.process([WebCommand(CheckInCar(order()), "advisor:SA01", checked)])
    ro = checked.result(0).ro
    core.step.process([WebCommand(Dispatch(ro, "B03"), "foreman:F001", Future())])
    rec.log.clear()

    k = Kiosk("kiosk-b03", "B03")
    answered = Future[Any]()
    items = [
        Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0),
        Incoming(*k.event("job.started", job=ro), token="t2", received_at=T0),
        WebCommand(Dispatch(ro, "B03"), "foreman:F001", answered),  # refused: already there
    ]
    answered.add_done_callback(lambda _f: rec.log.append("answer"))
    out = core.step.process(items)
    send_board(core)  # the loop's next steps, with no batch waiting

    assert kinds(rec.log) == [
        "commit",
        "states",  # a kiosk hearing its ack already has its bay's state
        "publish dev/kiosk-b03/ack",  # the acks before the screens' views: no device waits
        "puback t1",
        "puback t2",
        "sent",  # on the wire from the batch thread, not when the MQTT thread gets a turn
        "lounge",  # made in part: the cars that moved
        "sent",
        "answer",  # a page's command, answered once the pages have been told
        "board",  # the foreman's board after the acks: no device waits for it
    ]
    assert [e.name for e in out.events] == ["tech.signed_in", "job.started"]
    assert out.rows.jobs == {ro} and out.rows.techs == {"T001"}
    assert "B03" in out.bays and "publish bay/B03/state" in rec.log
    assert [a.result for _, a in out.acks] == ["applied", "applied"]
    assert answered.exception() is not None


def test_nothing_is_told_when_the_commit_fails(step_core: tuple[Core, Recorder]) -> None:
    core, rec = step_core
    k = Kiosk("kiosk-b03", "B03")
    rec.fail_commits = True
    item = Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0)
    with pytest.raises(OperationalError):
        core.step.process([item])
    assert rec.log == [], "told the world about a batch that was not stored"

    rec.fail_commits = False
    core._reload()  # what the loop does before it tries again
    out = core.step.process([item])
    send_board(core)
    assert [a.result for _, a in out.acks] == ["applied"], "the retry was taken as a repeat"
    assert kinds(rec.log) == [
        "commit",
        "states",
        "publish dev/kiosk-b03/ack",
        "puback t1",
        "sent",
        "lounge",
        "sent",
        "board",
    ]


def test_a_batch_of_reads_only_writes_nothing(step_core: tuple[Core, Recorder]) -> None:
    from core.engine import Query

    core, rec = step_core
    asked = Future[Any]()
    out = core.step.process([Query(lambda ws, now: len(ws.jobs), asked)])
    assert asked.result(0) == 0
    assert not out.committed and rec.log == []


def test_a_board_half_built_when_a_tap_comes_is_built_again_for_the_tap(
    step_core: tuple[Core, Recorder],
) -> None:
    core, _rec = step_core
    checked = Future[Any]()
    core.step.process([WebCommand(CheckInCar(order()), "advisor:SA01", checked)])
    ro = checked.result(0).ro
    send_board(core)
    k = Kiosk("kiosk-b03", "B03")
    core.step.process([WebCommand(Dispatch(ro, "B03"), "foreman:F001", Future())])
    core.step.refresh()  # the loop between batches: the board's first part, no more
    assert core.views.dispatch_due and core.views.dispatch_view is not None
    assert core.views.dispatch_view.jobs[0].bay is None, "built whole at once"

    # A tap comes before the board is done: it goes first, and the board is begun again.
    core.step.process([Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0)])
    send_board(core)
    board = core.views.dispatch_view
    assert board is not None and board.jobs[0].bay == "B03"
    assert b03_techs(board) == ["T001"]


def test_taps_that_keep_coming_do_not_keep_the_board_from_being_built(
    step_core: tuple[Core, Recorder],
) -> None:
    core, _rec = step_core
    k = Kiosk("kiosk-b03", "B03")
    core.step.process([Incoming(*k.event("tech.signed_in"), token="t0", received_at=T0)])
    send_board(core)
    first = core.views.dispatch_view
    kinds = ["tech.signed_out", "tech.signed_in"]
    # A tap between every two steps of the board, for as long as it takes to build one.
    n = 0
    while core.views.dispatch_view is first:
        assert n < 200, "the taps kept the board from being built"
        core.step.process([Incoming(*k.event(kinds[n % 2]), token=f"t{n + 1}", received_at=T0)])
        assert core.views.dispatch_view is first, "a board built whole within a tap's batch"
        core.step.refresh()  # one step of the board, then the next tap
        n += 1
    assert n > view_publisher.BOARD_RESTARTS, "begun again for the first taps"
    assert core.views.dispatch_pending, "a board that went on through taps is followed"
    send_board(core)  # the taps stopped: the next board shows the last of them
    shown = core.views.dispatch_view
    assert shown is not None and b03_techs(shown) == ([] if n % 2 else ["T001"])
    assert not core.views.dispatch_pending


def test_a_reload_drops_a_board_built_through_taps(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A board that goes on through taps is made of the workshop it began with. A failed
    commit makes the workshop again from the store: that board is dropped, or its later
    steps would cache the old workshop's jobs for the boards after it (a pause left open on
    the Gantt of a car at work again)."""
    monkeypatch.setattr(view_publisher, "DISPATCH_MAX_GAP", 0.0)
    clock, rec = Clock(), Recorder(store)
    core = Core(demo_config(), store, rec, clock)
    checked = Future[Any]()
    core.step.process([WebCommand(CheckInCar(order()), "advisor:SA01", checked)])
    ro = checked.result(0).ro
    core.step.process([WebCommand(Dispatch(ro, "B03"), "foreman:F001", Future())])
    b03, b04 = Kiosk("kiosk-b03", "B03"), Kiosk("kiosk-b04", "B04")

    def tap(k: Kiosk, kind: str, **data: Any) -> Incoming:
        clock.advance(minutes=1)
        return Incoming(*k.event(kind, ts=clock.now, **data), token=None, received_at=clock.now)

    core.step.process([tap(b03, "tech.signed_in")])
    core.step.process([tap(b03, "job.started", job=ro)])
    send_board(core)
    first = core.views.dispatch_view
    for n in range(view_publisher.BOARD_RESTARTS + 1):  # the last one goes on through
        kind = "tech.signed_out" if n % 2 else "tech.signed_in"
        core.step.process([tap(b04, kind, tech="T002")])
        core.step.refresh()
    assert core.views.dispatch_view is first and core.views.dispatch_due

    paused = tap(b03, "job.paused", job=ro, reason="waiting_parts")
    rec.fail_commits = True
    with pytest.raises(OperationalError):
        core.step.process([paused])
    rec.fail_commits = False
    core._reload()  # what the loop does before it tries again
    core.step.process([paused])
    core.step.process([tap(b03, "job.resumed", job=ro)])
    send_board(core)
    shown = core.views.dispatch_view
    made_now = Projector(core.config).dispatch(core.ws, clock.now, [], None)
    assert shown is not None and shown is not first
    assert bars(shown, ro) == bars(made_now, ro)


def bars(board: Any, ro: str) -> list[tuple[str, Any, Any]]:
    return [(b.kind, b.start, b.end) for b in board.timeline if b.ro == ro]


def b03_techs(board: Any) -> list[str]:
    return [t.id for b in board.bays if b.id == "B03" for t in b.techs]


def test_the_batch_thread_sends_its_acks_itself_after_a_few_taps_but_not_in_a_flood(
    step_core: tuple[Core, Recorder],
) -> None:
    """After a tap the batch thread writes its acks and PUBACKs, then the lounge, to the
    socket itself before the board is built; in a flood of events, or with work waiting,
    the MQTT thread writes them on the other core while the batch thread goes on."""
    core, rec = step_core
    k = Kiosk("kiosk-b03", "B03")
    core.step.process([Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0)])
    assert rec.log.count("sent") == 2
    assert rec.log.index("sent") > rec.log.index("puback t1")
    rec.log.clear()
    flood = [
        Incoming(
            *k.event("tech.signed_out" if i % 2 == 0 else "tech.signed_in"), token=i, received_at=T0
        )
        for i in range(batch.FLOOD + 1)
    ]
    out = core.step.process(flood)
    assert len(out.acks) == batch.FLOOD + 1 and "sent" not in rec.log
    core.step.work_waiting = lambda: True  # more behind it: the MQTT thread writes
    core.step.process([Incoming(*k.event("tech.signed_out"), token="t2", received_at=T0)])
    assert "puback t2" in rec.log and "sent" not in rec.log


def test_a_bay_left_as_it_was_is_not_sent_again_but_a_changed_one_is(
    step_core: tuple[Core, Recorder],
) -> None:
    """Steps that cancel out within one batch (a technician signed in and out again, each
    tap at its own time) name the bay but leave it showing what its retained state shows:
    no state is sent; the next change is; a republish (the broker's retained states gone)
    sends every bay's."""
    core, rec = step_core
    k = Kiosk("kiosk-b03", "B03")

    def tap(type_: str, seconds_ago: int) -> Incoming:
        topic, payload = k.event(type_, ts=T0 - timedelta(seconds=seconds_ago))
        return Incoming(topic, payload, token=type_, received_at=T0)

    core.step.process([tap("tech.signed_in", 60)])
    core.step.process([tap("tech.signed_out", 50)])
    assert rec.log.count("publish bay/B03/state") == 2
    rec.log.clear()
    core.step.process([tap("tech.signed_in", 40), tap("tech.signed_out", 30)])
    assert "publish bay/B03/state" not in rec.log
    assert rec.log.count("publish dev/kiosk-b03/ack") == 2  # answered all the same
    core.step.process([tap("tech.signed_in", 20)])
    assert "publish bay/B03/state" in rec.log
    rec.log.clear()
    core.step.process([Republish(connected=True)])
    assert "publish bay/B03/state" in rec.log


def test_the_bay_states_are_made_while_the_commit_syncs_and_sent_after_it(
    step_core: tuple[Core, Recorder],
) -> None:
    """The commit does not end until the bay states have begun on the helper thread: they
    were begun with every statement written, before the database's own commit."""
    core, rec = step_core
    began = threading.Event()
    made_on: list[str] = []
    real = core.views.make_states

    def make_states(*args: Any) -> Any:
        made_on.append(threading.current_thread().name)
        began.set()
        return real(*args)

    core.views.make_states = make_states  # type: ignore[method-assign]
    waited: list[bool] = []

    def on_commit(_conn: Any) -> None:
        waited.append(began.wait(5))

    event.listen(core.store.engine, "commit", on_commit)
    try:
        k = Kiosk("kiosk-b03", "B03")
        core.step.process([Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0)])
    finally:
        event.remove(core.store.engine, "commit", on_commit)
    assert waited == [True], "the states were not begun before the database committed"
    assert made_on == [core.step.beside_sync.name]
    assert kinds(rec.log)[:3] == ["commit", "states", "publish dev/kiosk-b03/ack"]


def test_a_commit_failing_at_its_sync_tells_nothing_and_waits_for_the_states_first(
    step_core: tuple[Core, Recorder],
) -> None:
    """The states begun beside a commit that then fails are thrown away, and made no more
    when the batch is tried again after the reload: what is sent is the stored truth."""
    core, rec = step_core
    k = Kiosk("kiosk-b03", "B03")
    ended = threading.Event()
    real = core.views.make_states

    def slow_make_states(*args: Any) -> Any:
        time.sleep(0.2)
        try:
            return real(*args)
        finally:
            ended.set()

    def refuse(_conn: Any) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    core.views.make_states = slow_make_states  # type: ignore[method-assign]
    item = Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0)
    event.listen(core.store.engine, "commit", refuse)
    try:
        with pytest.raises(OperationalError):
            core.step.process([item])
        assert ended.is_set(), "the batch gave up while its states were still being made"
    finally:
        event.remove(core.store.engine, "commit", refuse)
    assert rec.log == [], "told the world about a batch that was not stored"

    core._reload()
    out = core.step.process([item])
    assert [a.result for _, a in out.acks] == ["applied"]
    assert kinds(rec.log)[:3] == ["commit", "states", "publish dev/kiosk-b03/ack"]
    assert "B03" in out.bays


def test_the_lounge_is_made_with_the_queue_forecasts_of_the_bay_states(
    step_core: tuple[Core, Recorder],
) -> None:
    """The bay states' queue forecasts, made beside the commit, are the lounge's too: it
    does not work them out again."""
    core, _rec = step_core
    known: list[Any] = []
    real = core.views.lounge_cars.update

    def update(ws: Any, now: Any, jobs: Any, forecasts: Any) -> bool:
        known.append(forecasts)
        return real(ws, now, jobs, forecasts)

    core.views.lounge_cars.update = update  # type: ignore[method-assign]
    checked = Future[Any]()
    core.step.process([WebCommand(CheckInCar(order()), "advisor:SA01", checked)])
    ro = checked.result(0).ro
    core.step.process([WebCommand(Dispatch(ro, "B03"), "foreman:F001", Future())])
    k = Kiosk("kiosk-b03", "B03")
    known.clear()
    core.step.process([Incoming(*k.event("tech.signed_in"), token="t1", received_at=T0)])
    core.step.process([Incoming(*k.event("job.started", job=ro), token="t2", received_at=T0)])
    assert len(known) == 2 and all(f is not None and "B03" in f for f in known)


def test_a_batch_that_changed_no_bay_wakes_no_helper_for_its_states(
    step_core: tuple[Core, Recorder],
) -> None:
    """A refused event is stored (its inbox mark) and answered, but shows no bay anything:
    no thread is woken to make states that would be none."""
    core, rec = step_core
    core.step.beside_sync = BesideSync()
    k = Kiosk("kiosk-b03", "B03")
    nowhere = Incoming(*k.event("job.started", job="RO-NONE"), token="t1", received_at=T0)
    out = core.step.process([nowhere])
    assert [a.result for _, a in out.acks] == ["rejected"]
    assert out.committed, "the refusal's inbox mark is stored"
    assert core.step.beside_sync._thread is None, "a helper was woken for no state"
    assert "publish dev/kiosk-b03/ack" in rec.log
    signed_in = core.step.process(
        [Incoming(*k.event("tech.signed_in"), token="t2", received_at=T0)]
    )
    assert [a.result for _, a in signed_in.acks] == ["applied"]
    assert core.step.beside_sync._thread is not None
    assert "publish bay/B03/state" in rec.log
