"""When a device sends its unanswered events again (pure: times are plain numbers)."""

from __future__ import annotations

from devices.resend import ResendClock


def test_the_silence_doubles_while_nothing_answers_up_to_a_minute() -> None:
    clock = ResendClock(0.0, first=5.0, longest=60.0)
    resent_at, now = [], 0.0
    while now < 600:
        now += 0.5
        if clock.due(now):
            resent_at.append(now)
            clock.resent(now)
    assert resent_at[:6] == [5.0, 15.0, 35.0, 75.0, 135.0, 195.0]
    assert len(resent_at) == 12, "ten minutes of outage: a dozen copies, not 120"


def test_an_answer_makes_the_next_silence_short_again() -> None:
    clock = ResendClock(0.0, first=5.0, longest=60.0)
    for t in (5.0, 15.0, 35.0):
        assert clock.due(t)
        clock.resent(t)
    clock.progress(40.0)
    assert not clock.due(44.0) and clock.due(45.0)


def test_nothing_goes_again_while_the_core_is_away_and_all_at_once_when_back() -> None:
    clock = ResendClock(0.0, first=5.0, longest=60.0)
    assert not clock.core_status(True, 0.0), "first sight of an online core: nothing to do"
    assert not clock.core_status(False, 1.0)
    assert not clock.due(3600.0), "the broker keeps them for the core meanwhile"
    assert clock.core_status(True, 3600.0), "back: send at once"
    assert not clock.due(3601.0) and clock.due(3605.0)
    assert not clock.core_status(True, 3606.0), "still online is not back"
