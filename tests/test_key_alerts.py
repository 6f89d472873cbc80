"""The foreman hears of a key out of the cabinet while nobody works on its car: a key a
technician took to work on the car is routine, however long the job."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.domain.model import PauseReason
from core.domain.workshop import Workshop
from core.views import Projector
from tests.helpers import T0, demo_config, domain_workshop, order

CONFIG = demo_config()
HOUR = timedelta(minutes=CONFIG.alerts.key_out_minutes)


def key_alerts(ws: Workshop, now: datetime) -> list[tuple[str | None, datetime]]:
    board = Projector(CONFIG).dispatch(ws, now, [])
    return [(a.ro, a.since) for a in board.alerts if a.kind == "key_out_too_long"]


def test_a_key_out_raises_an_alert_only_while_nobody_works_on_the_car() -> None:
    ws = domain_workshop()
    ro = ws.check_in(order(key_tag="TAG7"), T0).ro
    ws.key_in("TAG7", "KC1", 7, T0)
    ws.dispatch(ro, "B01", T0)
    ws.sign_in("T002", "B01", T0)
    took = T0 + timedelta(minutes=1)
    ws.key_out("TAG7", "KC1", 7, took, holder="T002")
    ws.start(ro, "T002", "B01", took + timedelta(minutes=1))
    assert key_alerts(ws, took + 3 * HOUR) == [], "worked on all along"
    paused = took + 3 * HOUR
    ws.pause(ro, "T002", "B01", PauseReason.BREAK, paused)
    assert key_alerts(ws, paused + HOUR - timedelta(minutes=1)) == []
    assert key_alerts(ws, paused + HOUR) == [(ro, paused)], "idle an hour since the pause"
    ws.key_in("TAG7", "KC1", 7, paused + HOUR)
    assert key_alerts(ws, paused + 5 * HOUR) == []


def test_a_key_taken_from_a_car_nobody_works_on_counts_from_when_it_went() -> None:
    ws = domain_workshop()
    ro = ws.check_in(order(key_tag="TAG8"), T0).ro
    ws.key_in("TAG8", "KC1", 8, T0)
    took = T0 + timedelta(minutes=5)
    ws.key_out("TAG8", "KC1", 8, took, holder="SA01")
    assert key_alerts(ws, took + HOUR - timedelta(seconds=1)) == []
    assert key_alerts(ws, took + HOUR) == [(ro, took)]
