"""The retained views after a commit: bay states and the lounge (made in part) before the
acks, the welcome board when a booking changed, the foreman's board after them, gathered
while it is costly to build, built a part at a time and sent as the parts of it that
changed, device rows when they change, and the pages told."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Generator
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter

from core.advisor_views import advisor_board, at_risk_now
from core.appointment_views import welcome
from core.config import SiteConfig
from core.contract import topics
from core.contract.advisor_board import AdvisorBoard
from core.contract.dispatch_lists import with_devices
from core.contract.help_board import HelpBoard
from core.contract.kept_json import ListDump
from core.contract.messages import dump
from core.contract.parts_board import PartsBoard
from core.contract.views import BayState, DispatchView, JobCard, LoungeCar, LoungeView, WelcomeView
from core.domain.eta import QueueForecasts, predict, queue_forecasts
from core.domain.workshop import Workshop
from core.help_views import help_board
from core.lounge_cars import EARLY, LoungeCars
from core.parts_views import parts_board
from core.views import Projector

from .board_publisher import BoardPublisher
from .device_health import DeviceHealth
from .items import Counters, Publisher

logger = logging.getLogger(__name__)

# The dispatch board carries every open job: building it costs. The bay states and the
# lounge go out after every commit; the board too (the parts of it that changed), unless
# building it takes more than DISPATCH_SHARE of the core's time: then changes are gathered
# for a while (10× its cost: a few ms for a small workshop, 100 ms at 200 bays), never
# longer than DISPATCH_MAX_GAP. And at least every DISPATCH_REFRESH seconds, for the
# alerts that come due with time alone.
DISPATCH_SHARE = 0.1
DISPATCH_MAX_GAP = 0.2
DISPATCH_REFRESH = 30.0
#: Board parts sent after one batch; the rest after the next, or at once if none waits.
BOARD_SLICE = 16
#: Board parts made and compared with those sent in one step (a few µs each).
COMPARED_PARTS = 64
#: Seconds the core steps aside (waiting for a tap, should one come) after sending a slice
#: of the board's parts: the MQTT thread writes them and reads the broker's PUBACKs
#: meanwhile. Sent back to back, that work fell on the taps that followed: half of their
#: p99 through the broker (docs/performance.md, "The board's parts sent while the core is
#: idle").
BOARD_PAUSE = 0.0005
#: A board is built a part at a time; one whose workshop a batch changed before it was done
#: is begun again. After this many in a row the next goes on through the changes (its later
#: parts show them, its earlier ones not yet) and another follows it: a stream of
#: taps must not keep the foreman's board from ever being shown, nor wait for one built
#: whole (20 – 40 ms at a thousand bays, the slowest taps' wait).
BOARD_RESTARTS = 2


@dataclass(frozen=True)
class MadeStates:
    """Bay states made and written, not yet sent, with the queue forecasts they were made
    of at ``at``; ``took`` seconds to make."""

    states: list[tuple[BayState, bytes]]
    at: datetime
    forecasts: QueueForecasts
    took: float


_MOMENT = TypeAdapter(datetime)


def without_time(state: BayState, text: bytes) -> bytes:
    """A bay state's JSON ``text`` with its time left out, to compare with the last one
    sent: the text is written anyway, comparing the models field by field costs more."""
    stamp = b'"updated_at":' + _MOMENT.dump_json(state.updated_at)
    if text.count(stamp) == 1:
        return text.replace(stamp, b"")
    return dump(state.model_copy(update={"updated_at": None}))  # the time written elsewhere too


def _asked_for_parts(ws: Workshop, ro: str) -> bool:
    job = ws.jobs.get(ro)
    return job is not None and bool(job.parts_requests)


class ViewPublisher:
    def __init__(
        self,
        config: SiteConfig,
        publisher: Publisher,
        health: DeviceHealth,
        counters: Counters,
        clock: Callable[[], datetime],
    ) -> None:
        self.site = config.site.id
        self.publisher = publisher
        self.health, self.counters, self.clock = health, counters, clock
        self.projector = Projector(config)
        self.lounge_cars = LoungeCars()
        self.lounge: LoungeView | None = None
        #: When the clock alone last moved the lounge's cars (site time).
        self._lounge_moved = datetime.min.replace(tzinfo=UTC)
        self.welcome: WelcomeView | None = None
        self._advisors = {u.id: u.name for u in config.users}
        self.dispatch_view: DispatchView | None = None
        #: The advisors' own cars and notices (我的车辆), for the pages the core serves.
        self.advisors: AdvisorBoard | None = None
        #: The parts counter's board (领料), for the page the core serves.
        self.parts: PartsBoard | None = None
        #: The help calls not closed (安灯), as last sent.
        self.help: HelpBoard | None = None
        self.config = config
        self.board = BoardPublisher(self.site, publisher)
        #: Called after every change of the views (pages wake up on it).
        self.listeners: list[Callable[[], None]] = []
        self._pending = False
        #: A board built, being compared with what was sent a few parts at a time.
        self._staging: Generator[None, None, None] | None = None
        self._published, self._cost = 0.0, 0.0
        #: When a slice of the board's parts was last sent (see BOARD_PAUSE).
        self._sent_at = 0.0
        #: A board being built in parts: its steps, and the time and predictions it is of.
        self._building: (
            tuple[Generator[None, None, DispatchView], datetime, dict[str, datetime]] | None
        ) = None
        #: Builds begun again in a row; whether this one goes on through a change.
        self._restarts, self._overtaken = 0, False
        #: The bay states' queue forecasts of this batch, for its lounge: (time, by bay).
        self._forecast: tuple[datetime, QueueForecasts] | None = None
        #: Each bay's queue and the lounge's cars, their JSON kept while they stay the same.
        self._states_json: dict[str, ListDump] = {}
        #: Each bay's last sent state as JSON, its time left out: one showing the same (steps
        #: that cancel out within a batch) is not sent again, the retained state says it all.
        self._shown: dict[str, bytes] = {}
        self._lounge_json = ListDump("cars", LoungeCar)

    def forget(self, ros: set[str] | frozenset[str]) -> None:
        self.projector.forget(set(ros))

    def forget_all(self) -> None:
        """The workshop was made again (a reload): nothing made of the old one is kept, nor
        a board being built of it (its steps would cache the old workshop's jobs)."""
        self.projector.forget_all()
        self.lounge_cars.forget_all()
        if self._building is not None:
            self._building, self._overtaken, self._pending = None, False, True
        self._shown.clear()

    def make_states(self, ws: Workshop, now: datetime, bays: set[str]) -> MadeStates:
        """The bay states of ``bays``, with the predictions of what they show alone (the
        whole workshop's are made after the acks, for the lounge). Publishes nothing: made on
        another thread while the commit syncs (``BatchStep``), touching only the projector's
        cards and the states' kept JSON, which nothing else uses meanwhile; sent by
        ``send_states`` once the commit succeeded."""
        started = time.monotonic()
        forecasts = queue_forecasts(ws, now, bays)
        eta = predict(ws, now, bays, forecasts)
        states = []
        for bay_id in sorted(bays):
            state = self.projector.bay_state(ws, bay_id, now, eta)
            states.append((state, self._state_json(state)))
        return MadeStates(states, now, forecasts, time.monotonic() - started)

    def send_states(self, made: MadeStates, force: bool = False) -> None:
        """The states that show something other than the bay's retained one (all of them
        with ``force``: the broker may have lost them)."""
        started = time.monotonic() - made.took
        self._forecast = (made.at, made.forecasts)  # the lounge's too
        try:
            if force:
                self.board.send_all_again()
            for state, text in made.states:
                shown = without_time(state, text)
                if self._shown.get(state.bay) == shown and not force:
                    continue
                self.publisher.publish(
                    topics.BAY_STATE.full(self.site, bay=state.bay), text, 1, True
                )
                self._shown[state.bay] = shown  # once sent
        finally:
            self._count(started)

    def _state_json(self, state: BayState) -> bytes:
        if state.bay not in self._states_json:
            self._states_json[state.bay] = ListDump("queue", JobCard)
        return self._states_json[state.bay](state)

    def publish_lounge(
        self,
        ws: Workshop,
        now: datetime,
        jobs: Collection[str],
        force: bool = False,
        booked: bool = False,
        advisors: bool = False,
        helped: bool = False,
    ) -> None:
        """The lounge after a step that changed ``jobs`` (its cars made again in part) and,
        when a booking changed (``booked``), the welcome board (no device waits for them),
        and the advisors' board when a notice came or a person acted (``advisors``; else it
        follows the foreman's board), the help calls when one changed (``helped``), then
        the pages are told."""
        started = time.monotonic()
        try:
            if helped or force:  # first: a call is the most urgent
                self.publish_help(ws, now)
            if force:
                self.lounge_cars.forget_all()
            # Every lounge TV gets the whole list: send it only when a car on it changed.
            made, self._forecast = self._forecast, None
            known = made[1] if made is not None and made[0] == now else None
            if self.lounge_cars.update(ws, now, jobs, known) or force or self.lounge is None:
                self.lounge = LoungeView(site=ws.site, updated_at=now, cars=self.lounge_cars.cars())
                payload = self._lounge_json(self.lounge)
                self.publisher.publish(topics.LOUNGE.full(self.site), payload, 1, True)
            self._welcome(ws, now, force, booked)
            if advisors or force:
                self.publish_advisors(ws, now, predict(ws, now))
            self.publish_parts(ws, now, jobs, force)
            self._pending = True
            self.tell_listeners()
        finally:
            self._count(started)

    def lounge_due(self) -> datetime | None:
        """When the clock alone next changes what the lounge shows, with no step to bring
        it: a waiting car's prediction past a closing, a car over its time, a progress bar.
        At most once a second, and never before the lounge was first sent."""
        due = self.lounge_cars.next_due() if self.lounge is not None else None
        if due is None:
            return None
        return max(due + EARLY, self._lounge_moved + EARLY)

    def move_lounge(self, ws: Workshop, now: datetime) -> None:
        """The lounge's cars the clock has moved since, sent when one changed."""
        started = time.monotonic()
        self._lounge_moved = now
        try:
            if self.lounge_cars.update(ws, now, ()):
                self.lounge = LoungeView(site=ws.site, updated_at=now, cars=self.lounge_cars.cars())
                payload = self._lounge_json(self.lounge)
                self.publisher.publish(topics.LOUNGE.full(self.site), payload, 1, True)
                self.tell_listeners()
        finally:
            self._count(started)

    def publish_help(self, ws: Workshop, now: datetime) -> None:
        """The open help calls, on their own topic: a call never waits for the board."""
        self.help = help_board(ws, self.config, now)
        self.publisher.publish(topics.HELP.full(self.site), dump(self.help), 1, True)

    def publish_welcome(self, ws: Workshop, now: datetime) -> None:
        """With no batch: the welcome board of a new day, when the day turned."""
        if self._welcome(ws, now, force=False, booked=False):
            self.tell_listeners()

    def _welcome(self, ws: Workshop, now: datetime, force: bool, booked: bool) -> bool:
        """Today's booked cars, made again only when a booking changed or the day turned,
        sent when they differ from what was sent; True when sent."""
        shown = self.welcome
        if not (force or booked or shown is None or shown.day != ws.hours.day_of(now)):
            return False
        view = welcome(ws, now, self._advisors)
        same = shown is not None and (view.day, view.arrivals) == (shown.day, shown.arrivals)
        if same and not force:
            return False
        self.welcome = view
        self.publisher.publish(topics.WELCOME.full(self.site), dump(view), 1, True)
        return True

    def publish_advisors(self, ws: Workshop, now: datetime, eta: dict[str, datetime]) -> None:
        """The cars gone at risk since the last look told to their advisors, then the
        advisors' board, kept as it was when nothing on it changed (the pages sleep on)."""
        ws.watch_promises(at_risk_now(ws, eta), now)
        board = advisor_board(ws, now, eta, self.config)
        if board != self.advisors:
            self.advisors = board

    def publish_parts(
        self, ws: Workshop, now: datetime, jobs: Collection[str], force: bool = False
    ) -> None:
        """The parts counter's board, made again when a job with parts requests changed
        (a request's step, or its car leaving), kept as it was otherwise."""
        if not (force or self.parts is None or any(_asked_for_parts(ws, ro) for ro in jobs)):
            return
        board = parts_board(ws, now)
        if self.parts is None or (board.waiting, board.served) != (
            self.parts.waiting,
            self.parts.served,
        ):
            self.parts = board

    def _count(self, started: float) -> None:
        self.counters.view_publish_sum += time.monotonic() - started
        self.counters.view_publish_count += 1

    def publish_devices(self) -> None:
        """Device rows that changed, apart from the board: its jobs did not change."""
        rows = self.health.sorted_rows()
        if self.board.publish_devices(rows):
            self._pending = True  # the board's index counts the rows
        if self.dispatch_view is not None and self.dispatch_view.devices != rows:
            self.dispatch_view = with_devices(self.dispatch_view, rows)
            self.tell_listeners()

    def workshop_changed(self) -> None:
        """A batch committed: a board half built shows a workshop that is gone, and is
        begun again (after ``BOARD_RESTARTS`` in a row, goes on and is followed)."""
        self._forecast = None
        if self._building is None:
            return
        if self._restarts < BOARD_RESTARTS:
            self._building = None
            self._restarts += 1
        else:
            self._overtaken = True

    def dispatch_wait(self) -> float:
        """Seconds until the board is due: changes gathered, or the periodic rebuild."""
        if self.board.staged:
            return self._stepping_aside()  # the next slice, once the MQTT thread had its turn
        if self._staging is not None or self._building is not None:
            return 0.0  # the last one still to compare, or to build
        if self._pending:
            gap = min(DISPATCH_MAX_GAP, self._cost / DISPATCH_SHARE)
            return max(0.0, self._published + gap - time.monotonic())
        if self.dispatch_view is None:
            return DISPATCH_REFRESH  # nothing shown yet: the first change sends it
        # Alerts and escalations come due with time alone: the board is rebuilt anyway.
        return max(0.0, self._published + DISPATCH_REFRESH - time.monotonic())

    def flush_dispatch(self, ws: Workshop, now: datetime | None = None) -> None:
        """The foreman's board, when it is due, in steps short enough for a tap not to wait
        behind them: built; compared with what was sent; its changed parts a slice at a
        time."""
        # The cost is this thread's CPU time: waiting for the interpreter or a core while
        # pages are served is no reason to show the board later still.
        started = time.thread_time()
        if self.board.staged:
            if self._stepping_aside() > 0:
                return
            self._send_slice()
        elif self._staging is not None:
            self._stage_step()
        elif self._building is not None:
            self._build_step(ws)
        elif self.dispatch_wait() <= 0:
            self._begin_build(ws, now or self.clock())
        else:
            return
        self._cost += time.thread_time() - started

    def _begin_build(self, ws: Workshop, now: datetime) -> None:
        """The whole workshop's forecast, a step of its own; the board's parts follow."""
        eta = predict(ws, now)
        rows = self.health.sorted_rows()
        self._building = (self.projector.dispatch_in_steps(ws, now, rows, eta), now, eta)
        self._cost = 0.0

    def _build_step(self, ws: Workshop) -> None:
        """The next part of the board being built; the board, when it was the last."""
        assert self._building is not None
        steps, now, eta = self._building
        try:
            next(steps)
        except StopIteration as built:
            self._building = None
            self._restarts = 0
            view = self._built(ws, now, eta, built.value)
            self._staging = self.board.stage(view, COMPARED_PARTS)

    def _stage_step(self) -> None:
        """The next parts of the built board compared with those sent; the first of them
        sent once all are."""
        assert self._staging is not None
        try:
            next(self._staging)
        except StopIteration:
            self._staging = None
            self._send_slice()

    def _send_slice(self) -> None:
        self.board.send_staged(BOARD_SLICE)
        self._sent_at = time.monotonic()

    def _stepping_aside(self) -> float:
        """Seconds left of the pause after a slice of the board's parts (0: none)."""
        if not self.board.staged:
            return 0.0
        return max(0.0, self._sent_at + BOARD_PAUSE - time.monotonic())

    def publish_dispatch(self, ws: Workshop, now: datetime) -> None:
        """The board built now; the parts of it that changed are sent, all of them."""
        self._staging = None
        self.board.publish_board(self._build_dispatch(ws, now))

    def _build_dispatch(self, ws: Workshop, now: datetime) -> DispatchView:
        eta = predict(ws, now)
        self._building = None
        view = self.projector.dispatch(ws, now, self.health.sorted_rows(), eta)
        return self._built(ws, now, eta, view)

    def _built(
        self, ws: Workshop, now: datetime, eta: dict[str, datetime], view: DispatchView
    ) -> DispatchView:
        """A board built: the one shown from now on (the advisors' board with it, but after
        one overtaken by changes, with the one that follows: its predictions are of before)."""
        self.dispatch_view = view
        if not self._overtaken:
            self.publish_advisors(ws, now, eta)
        self._pending, self._overtaken = self._overtaken, False
        self._published = time.monotonic()
        self.tell_listeners()
        return view

    @property
    def dispatch_due(self) -> bool:
        """Changes gathered for the board, or the last one still to build or send."""
        return (
            self._pending
            or self._building is not None
            or self._staging is not None
            or self.board.staged
        )

    @property
    def dispatch_pending(self) -> bool:
        return self._pending

    def tell_listeners(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:
                logger.exception("view listener failed")
