"""The screens the core redraws after a step are found from the step's facts alone: every
bay whose state changed is among them (the engine keeps no copies to compare)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from core.domain.eta import predict
from core.domain.events import DomainEvent
from core.engine.effects import bays_to_redraw, rows_to_write
from core.views import Projector
from tests.helpers import demo_config
from tests.walk import Snapshot, WorkshopWalk

CONFIG = demo_config()


class RedrawWalk(WorkshopWalk):
    def __init__(self) -> None:
        super().__init__()
        self.screens = self.bay_states()

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
            assert projector.bay_state(self.ws, bay, self.now, alone) == Projector(
                CONFIG
            ).bay_state(self.ws, bay, self.now, everything), bay

    def step(self, action: object) -> None:
        self.screens = self.bay_states()  # time may have passed since: compare like with like
        super().step(action)  # type: ignore[arg-type]

    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        self.states_from_their_own_predictions()
        now = self.bay_states()
        changed = {b for b in now if now[b] != self.screens[b]}
        redrawn = bays_to_redraw(self.ws, events)
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
    """The lounge a long-lived projector keeps (cars reused while nothing they show
    changed) is the lounge drawn afresh, step after step, as time passes."""

    def __init__(self) -> None:
        super().__init__()
        self.kept = Projector(CONFIG)

    def after_step(self, before: Snapshot, events: list[DomainEvent]) -> None:
        self.kept.forget(set(rows_to_write(events).jobs))  # as the engine does after a commit
        eta = predict(self.ws, self.now)
        kept = self.kept.lounge(self.ws, self.now, eta).cars
        fresh = Projector(CONFIG).lounge(self.ws, self.now, eta).cars
        assert kept == fresh, [e.name for e in events]


TestLoungeWalk = LoungeWalk.TestCase
TestLoungeWalk.settings = TestRedrawWalk.settings
