"""No clock runs overnight: at shift end every running clock pauses with reason shift_end."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from core.domain.model import JobStatus
from core.engine import Core
from core.shifts import ShiftClock, next_shift_end
from tests.helpers import FakeBus, Kiosk, checked_in_and_dispatched, settle
from tests.waiting import wait_until

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_next_shift_end_is_in_the_site_zone_and_rolls_to_tomorrow() -> None:
    ends = [time(12, 0), time(18, 30)]
    morning = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert next_shift_end(morning, ends, SHANGHAI) == datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI)
    evening = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 19:00 in Shanghai
    assert next_shift_end(evening, ends, SHANGHAI) == datetime(2026, 11, 25, 12, 0, tzinfo=SHANGHAI)
    assert next_shift_end(morning, [], SHANGHAI) is None


def test_shift_end_pauses_running_clocks_once(core: Core, bus: FakeBus) -> None:
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T002"), token=None)
    core.on_message(*k.event("job.started", job=ro, tech="T002"), token=None)
    settle(core, bus, 2)
    now = core.clock()
    shift = ShiftClock(core, [time(18, 30)], SHANGHAI, core.clock)
    assert shift.next is not None
    assert not shift.run_pending(shift.next.replace(minute=29))
    assert core.ws.job(ro).status is JobStatus.IN_PROGRESS
    assert shift.run_pending(shift.next)
    job = core.ws.job(ro)
    assert job.status is JobStatus.PAUSED and job.last_pause_reason == "shift_end"
    assert core.ws.tech_state("T002").active_job is None
    assert shift.next is not None and shift.next > now
    wait_until(  # the dispatch view goes out at most every 100 ms
        lambda: (
            [j["pause_reason"] for j in (bus.board_so_far() or {"jobs": []})["jobs"]]
            == ["shift_end"]
        ),
        "the board showing the shift-end pause",
        timeout=5,
        every=0.02,
    )
    trail = core.store.audit_trail(ro)
    assert (trail[-1]["type"], trail[-1]["source"]) == ("clocks.paused_all", "system:shift-end")
