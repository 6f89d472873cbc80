"""The screens the core redraws after a step are found from the step's facts alone: every
bay whose state changed is among them (the engine keeps no copies to compare)."""

from __future__ import annotations

from datetime import time, timedelta

from hypothesis import HealthCheck, settings

from core.contract.kept_json import ListDump
from core.contract.messages import dump
from core.contract.views import JobCard, LoungeCar, LoungeView
from core.domain.errors import DomainError
from core.domain.eta import QueueForecasts, forecast, predict, queue_forecasts
from core.domain.events import DomainEvent
from core.domain.working_hours import WorkingHours
from core.engine.effects import bays_to_redraw, rows_to_write
from core.lounge_cars import LoungeCars
from core.views import Projector
from tests.helpers import at, demo_config, domain_workshop, order
from tests.walk import Snapshot, WorkshopWalk

CONFIG = demo_config()


class RedrawWalk(WorkshopWalk):
    def __init__(self) -> None:
        super().__init__()
        self.screens = self.bay_states()
        self.projector = Projector(CONFIG)  # keeps cards as the core's does
        self.written = {b: ListDump("queue", JobCard) for b in self.ws.bays}

    def bay_states(self) -> dict[str, str]:
        projector = Projector(CONFIG)  # no cache: each state as if drawn for the first time
        eta = predict(self.ws, self.now)
        return {
            b: projector.bay_state(self.ws, b, self.now, eta).model_dump_json()
            for b in self.ws.bays
        }

    def states_from_their_own_predictions(self) -> None:
        """A bay's state is published with the predictions of its own screen alone (the
        whole workshop's come after the acks): they must draw the same screen."""
        everything = predict(self.ws, self.now)
        projector = Projector(CONFIG)
        for bay in self.ws.bays:
            alone = predict(self.ws, self.now, {bay})
            known = queue_forecasts(self.ws, self.now, {bay})
            assert predict(self.ws, self.now, {bay}, known) == alone, bay
            assert projector.bay_state(self.ws, bay, self.now, alone) == Projector(
                CONFIG
            ).bay_state(self.ws, bay, self.now, everything), bay

    def step(self, action: object) -> None:
        self.screens = self.bay_states()  # time may have passed since: compare like with like
        super().step(action)  # type: ignore[arg-type]

    def states_written_as_dumped(self, events: list[DomainEvent]) -> None:
        """A state written with its cards' JSON kept from the state before (the cards of
        the jobs a step changed made again, as the core does) is the state written whole."""
        self.projector.forget(set(rows_to_write(events).jobs))
        eta = predict(self.ws, self.now)
        for bay, write in self.written.items():
            state = self.projector.bay_state(self.ws, bay, self.now, eta)
            assert write(state) == dump(state), bay
            # What the projector keeps (cards, the technicians) is never older than the step.
            assert state == Projector(CONFIG).bay_state(self.ws, bay, self.now, eta), bay

    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        self.states_from_their_own_predictions()
        self.states_written_as_dumped(events)
        now = self.bay_states()
        changed = {b for b in now if now[b] != self.screens[b]}
        redrawn = bays_to_redraw(self.ws, events, rows_to_write(events))
        assert changed <= redrawn, (
            f"{[e.name for e in events]} changed bays {sorted(changed - redrawn)} "
            f"that would not be redrawn"
        )


TestRedrawWalk = RedrawWalk.TestCase
TestRedrawWalk.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class LoungeWalk(WorkshopWalk):
    """The lounge the core keeps by part (the cars a step changed, their queues, and the
    cars the clock moved made again) is the lounge drawn afresh, step after step, as time
    passes, refusals and quiet minutes included."""

    def __init__(self) -> None:
        super().__init__()
        self.kept = LoungeCars()
        self.written = ListDump("cars", LoungeCar)

    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        # As the core does: the queues the bay states were forecast with go on to the lounge.
        redrawn = bays_to_redraw(self.ws, events, rows_to_write(events))
        known = queue_forecasts(self.ws, self.now, redrawn)
        self.same_as_fresh(rows_to_write(events).jobs, [e.name for e in events], known)

    def after_refusal(self, before: Snapshot, err: DomainError) -> None:
        self.same_as_fresh(frozenset(), err.code)

    def same_as_fresh(
        self, changed: frozenset[str], what: object, known: QueueForecasts | None = None
    ) -> None:
        shown = [car.model_dump() for car in self.kept.cars()]
        moved = self.kept.update(self.ws, self.now, changed, known)
        kept = self.kept.cars()
        fresh = Projector(CONFIG).lounge(self.ws, self.now).cars
        assert kept == fresh, what
        view = LoungeView(site=self.ws.site, updated_at=self.now, cars=kept)
        assert self.written(view) == dump(view), what  # its cars' JSON kept, as the core's
        if not moved:  # told "nothing to send": what the lounge shows did not change
            assert [car.model_dump() for car in kept] == shown, what


TestLoungeWalk = LoungeWalk.TestCase
TestLoungeWalk.settings = TestRedrawWalk.settings


class ForecastWalk(WorkshopWalk):
    """A forecast says how a prediction moves while nothing happens, and until when: the
    prediction made later, with nothing happening in between, is that one moved so."""

    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        made = forecast(self.ws, self.now)
        assert made.keys() == predict(self.ws, self.now).keys()
        for seconds in (1, 59, 61, 599, 3_600, 4 * 3_600):
            later = self.now + timedelta(seconds=seconds)
            then = predict(self.ws, later)
            for ro, f in made.items():
                if f.until is None or later <= f.until:
                    moved = f.at + f.drift * timedelta(seconds=seconds)
                    assert abs(then[ro] - moved) < timedelta(milliseconds=1), (ro, seconds, f)


TestForecastWalk = ForecastWalk.TestCase
TestForecastWalk.settings = TestRedrawWalk.settings


def test_the_lounge_keeps_one_due_time_per_car_however_often_its_queue_is_made_again() -> None:
    """A car made again with the same due time adds nothing to the heap of due times: a
    busy bay's queue, remade at every tap, must not grow it without end."""
    ws = domain_workshop()
    ros = [ws.check_in(order(plate=f"京A1234{i}"), at(0)).ro for i in range(6)]
    for ro in ros:
        ws.dispatch(ro, "B03", at(1))
    ws.sign_in("T003", "B03", at(2))
    ws.start(ros[0], "T003", "B03", at(3))
    kept = LoungeCars()
    kept.update(ws, at(4), ros)
    settled = len(kept._due)
    for _ in range(50):
        kept.update(ws, at(4), [ros[1]])
    assert len(kept._due) == settled
    assert kept.cars() == Projector(CONFIG).lounge(ws, at(4)).cars


#: Short stretches of work from the walks' first hour on (01:00 UTC), with gaps between them:
#: a walk's forecasts cross openings, closings and the night many times over.
SHORT_DAYS = WorkingHours(
    periods=((time(1, 30), time(2, 15)), (time(2, 45), time(4, 0)), (time(5, 0), time(6, 0)))
)


class ShortDaysForecastWalk(ForecastWalk):
    """The same, in a workshop that works in short stretches: a prediction stands still
    outside them, and jumps past a closing only where its forecast said it must be made
    again."""

    def __init__(self) -> None:
        super().__init__()
        self.ws.hours = SHORT_DAYS


TestShortDaysForecastWalk = ShortDaysForecastWalk.TestCase
TestShortDaysForecastWalk.settings = TestRedrawWalk.settings


class ShortDaysLoungeWalk(LoungeWalk):
    """The lounge kept by part is the lounge drawn afresh in that workshop too."""

    def __init__(self) -> None:
        super().__init__()
        self.ws.hours = SHORT_DAYS


TestShortDaysLoungeWalk = ShortDaysLoungeWalk.TestCase
TestShortDaysLoungeWalk.settings = TestRedrawWalk.settings
