"""The foreman's clock corrections: what they change, what they refuse, what the log keeps."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.domain import errors
from core.domain.model import PauseReason
from core.domain.workshop import Workshop
from tests.helpers import at, order


def worked(ws: Workshop, minutes_in: float = 60) -> str:
    """T002 worked on a job at B03 from minute 0 to 60 and paused for parts."""
    job = ws.check_in(order(), at(-10))
    ws.dispatch(job.ro, "B03", at(-5))
    ws.sign_in("T002", "B03", at(-1))
    ws.start(job.ro, "T002", "B03", at(0))
    ws.pause(job.ro, "T002", "B03", PauseReason.WAITING_PARTS, at(minutes_in))
    return job.ro


def test_a_late_start_is_moved_to_when_work_began(ws: Workshop) -> None:
    ro = worked(ws)
    original = ws.adjust_clock(ro, "T002", at(0), at(-3), at(60), "tapped late", at(90))
    assert (original.start, original.end) == (at(0), at(60))
    assert ws.job(ro).worked_seconds(at(90)) == 63 * 60
    assert [e.name for e in ws.recorded][-1:] == ["clock.adjusted"]


def test_a_forgotten_pause_cuts_the_work_in_two(ws: Workshop) -> None:
    ro = worked(ws)
    ws.insert_pause(ro, "T002", at(0), at(20), at(35), PauseReason.BREAK, "lunch", at(90))
    job = ws.job(ro)
    kinds = [(s.kind, s.start, s.end) for s in job.segments if s.tech == "T002"]
    assert kinds[:3] == [
        ("work", at(0), at(20)),
        ("pause", at(20), at(35)),
        ("work", at(35), at(60)),
    ]
    assert job.worked_seconds(at(90)) == 45 * 60


def test_a_pause_forgotten_on_a_running_clock_leaves_it_running(ws: Workshop) -> None:
    job = ws.check_in(order(), at(-10))
    ws.dispatch(job.ro, "B03", at(-5))
    ws.sign_in("T002", "B03", at(-1))
    ws.start(job.ro, "T002", "B03", at(0))
    ws.insert_pause(job.ro, "T002", at(0), at(10), at(20), PauseReason.BREAK, "tea", at(30))
    assert job.working_techs() == ["T002"]
    running = job.open_segment("T002")
    assert running is not None and running.start == at(20)
    assert job.worked_seconds(at(30)) == 20 * 60


def test_work_booked_on_the_wrong_job_moves_to_the_right_one(ws: Workshop) -> None:
    wrong = worked(ws)
    right = ws.check_in(order(plate="沪AD12345"), at(-9))
    ws.dispatch(right.ro, "B03", at(-4))
    ws.move_clock(wrong, "T002", at(0), right.ro, "wrong card picked", at(90))
    assert ws.job(wrong).worked_seconds(at(90)) == 0
    assert right.worked_seconds(at(90)) == 60 * 60


@pytest.mark.parametrize(
    ("start", "new_start", "new_end", "reason", "error"),
    [
        (at(0), at(10), at(5), "typo", errors.BadCorrection),  # ends before it starts
        (at(0), at(0), at(200), "typo", errors.BadCorrection),  # ends in the future
        (at(0), at(0), None, "typo", errors.BadCorrection),  # would restart the clock
        (at(0), at(0), at(50), "  ", errors.BadCorrection),  # no reason
        (at(1), at(0), at(50), "typo", errors.UnknownSegment),  # no such stretch
    ],
)
def test_impossible_corrections_are_refused_and_change_nothing(
    ws: Workshop,
    start: datetime,
    new_start: datetime,
    new_end: datetime | None,
    reason: str,
    error: type[Exception],
) -> None:
    ro = worked(ws)
    before = [(s.kind, s.start, s.end) for s in ws.job(ro).segments]
    with pytest.raises(error):
        ws.adjust_clock(ro, "T002", start, new_start, new_end, reason, at(90))
    assert [(s.kind, s.start, s.end) for s in ws.job(ro).segments] == before


def test_a_correction_may_not_lay_one_stretch_over_another(ws: Workshop) -> None:
    ro = worked(ws, minutes_in=30)
    ws.resume(ro, "T002", "B03", at(40))
    ws.pause(ro, "T002", "B03", PauseReason.BREAK, at(50))
    before = [(s.kind, s.start, s.end) for s in ws.job(ro).segments]
    with pytest.raises(errors.BadCorrection):
        ws.adjust_clock(ro, "T002", at(40), at(20), at(50), "overlap", at(90))
    assert [(s.kind, s.start, s.end) for s in ws.job(ro).segments] == before


def test_a_refused_move_leaves_the_stretches_in_their_order(ws: Workshop) -> None:
    wrong = ws.check_in(order(), at(-30)).ro
    right = ws.check_in(order(plate="沪AD12345"), at(-30)).ro
    ws.dispatch(wrong, "B03", at(-20))
    ws.dispatch(right, "B03", at(-20))
    ws.sign_in("T001", "B03", at(-10))
    ws.sign_in("T002", "B03", at(-10))
    ws.start(right, "T001", "B03", at(-5))
    ws.pause(right, "T001", "B03", PauseReason.BREAK, at(-2))  # paused there, still open
    ws.start(wrong, "T001", "B03", at(0))
    ws.start(wrong, "T002", "B03", at(0))  # both began at the same moment
    ws.pause(wrong, "T001", "B03", PauseReason.BREAK, at(10))
    before = [(s.tech, s.kind, s.start, s.end) for s in ws.job(wrong).segments]
    with pytest.raises(errors.BadCorrection):  # T001's open pause on the right job overlaps
        ws.move_clock(wrong, "T001", at(0), right, "wrong card picked", at(20))
    assert [(s.tech, s.kind, s.start, s.end) for s in ws.job(wrong).segments] == before
