"""What a device is told: a refused event never stalls its sequence, and a repeat says what
became of the first, also after a restart of the core."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.contract.messages import ContractError, event_digest, make_event, parse_event
from core.engine import Core
from core.store.repository import Store
from tests.helpers import T0, Clock, FakeBus, Kiosk, checked_in_and_dispatched, demo_config, settle

TOPIC = "pitboard/demo/dev/kiosk-b03/event"


def test_an_event_refused_for_its_source_does_not_stall_the_device(
    core: Core, bus: FakeBus
) -> None:
    ro = checked_in_and_dispatched(core)
    # Published by kiosk-b03 but claiming to be kiosk-b04: refused, and #1 is used up.
    stranger = make_event("kiosk-b04", 1, "tech.signed_in", T0, bay="B03", tech="T002")
    core.on_message(TOPIC, stranger, token=None)
    k = Kiosk("kiosk-b03", "B03", start_seq=2)
    for type_, kw in [("tech.signed_in", {}), ("job.started", {"job": ro})]:
        core.on_message(*k.event(type_, tech="T002", **kw), token=None)
    settle(core, bus, 3)
    answers = [(a["seq"], a["result"]) for a in bus.acks("kiosk-b03")]
    assert answers == [(1, "rejected"), (2, "applied"), (3, "applied")]
    assert bus.acks("kiosk-b03")[0]["error"]["code"] == "source_mismatch"
    assert core.counters.held == 0


def test_a_repeat_of_a_refused_event_is_refused_again_with_its_code(
    store: Store, bus: FakeBus, clock: Clock
) -> None:
    core = Core(demo_config(), store, bus, clock)
    core.start()
    k = Kiosk("kiosk-b03", "B03")
    refused = k.event("job.started", job="RO-NOT-HERE")
    signed_in = k.event("tech.signed_in")
    try:
        # The repeat in the same batch as the first, and again in a later one.
        for topic, payload in (refused, refused, signed_in):
            core.on_message(topic, payload, token=None)
        settle(core, bus, 3)
        core.on_message(*refused, token=None)
        core.on_message(*signed_in, token=None)
        settle(core, bus, 5)
    finally:
        core.stop()
    again = Core(demo_config(), store, bus, clock)  # the core restarted: the store answers
    again.start()
    try:
        core_acks = len(bus.acks("kiosk-b03"))
        again.on_message(*refused, token=None)
        again.on_message(*signed_in, token=None)
        settle(again, bus, core_acks + 2)
    finally:
        again.stop()
    answers = [
        (a["seq"], a["result"], (a["error"] or {}).get("code")) for a in bus.acks("kiosk-b03")
    ]
    assert answers == [
        (1, "rejected", "unknown_job"),
        (1, "rejected", "unknown_job"),
        (2, "applied", None),
        (1, "rejected", "unknown_job"),
        (2, "duplicate", None),
        (1, "rejected", "unknown_job"),
        (2, "duplicate", None),
    ]
    assert [(s, r) for s, r, _ in store.inbox_results("kiosk-b03")] == [
        (1, "rejected"),
        (2, "applied"),
    ]


def raw_event(**fields: object) -> bytes:
    base: dict[str, object] = {
        "v": 1,
        "source": "kiosk-b03",
        "seq": 1,
        "ts": T0.isoformat(),
        "type": "tech.signed_in",
        "bay": "B03",
        "tech": "T002",
        "data": {},
    }
    base.update(fields)
    return json.dumps(base).encode()


@pytest.mark.parametrize(
    ("fields", "seq"),
    [
        ({"seq": "1"}, None),  # a number in a string is not a number
        ({"seq": True}, None),
        ({"seq": 0}, None),
        ({"seq": -5}, None),
        ({"seq": 1.0}, None),
        ({"tech": 17}, 1),
        ({"type": "job.paused", "job": "RO-1", "data": {"reason": 3}}, 1),
    ],
)
def test_no_field_is_coerced_and_a_seq_is_a_whole_number_from_1(
    fields: dict[str, object], seq: int | None
) -> None:
    with pytest.raises(ContractError) as refused:
        parse_event(raw_event(**fields))
    assert refused.value.code in ("invalid_envelope", "invalid_data")
    assert refused.value.seq == seq


def test_a_bad_seq_is_refused_not_taken_for_a_repeat(core: Core, bus: FakeBus) -> None:
    for bad in ("12", 0, -5):
        core.on_message(TOPIC, raw_event(seq=bad), token=None)
    settle(core, bus, 3)
    assert [(a["seq"], a["result"]) for a in bus.acks("kiosk-b03")] == [(None, "rejected")] * 3
    core.on_message(TOPIC, raw_event(seq=1), token=None)  # the real #1 is still to come
    settle(core, bus, 4)
    assert bus.acks("kiosk-b03")[-1]["result"] == "applied"


def test_a_tap_dated_in_the_future_is_refused_and_uses_up_its_number(
    core: Core, bus: FakeBus, clock: Clock
) -> None:
    core.on_message(TOPIC, raw_event(seq=1, ts=(clock.now + timedelta(days=1)).isoformat()), None)
    core.on_message(
        TOPIC, raw_event(seq=2, ts=(clock.now + timedelta(minutes=3)).isoformat()), None
    )
    settle(core, bus, 2)
    answers = [(a["result"], (a["error"] or {}).get("code")) for a in bus.acks("kiosk-b03")]
    assert answers == [("rejected", "future_timestamp"), ("applied", None)]  # 3 min: drift


def test_taps_from_an_hour_offline_keep_their_times_and_a_clock_set_back_is_noted(
    core: Core, bus: FakeBus, clock: Clock, store: Store
) -> None:
    ro = checked_in_and_dispatched(core)
    tapped = clock.now
    clock.advance(hours=1)  # the kiosk was offline: its taps arrive an hour late
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T002", ts=tapped), token=None)
    core.on_message(*k.event("job.started", job=ro, tech="T002", ts=tapped), token=None)
    back = tapped - timedelta(minutes=2)  # then its clock is set back two minutes
    core.on_message(*k.event("job.paused", job=ro, tech="T002", ts=back, reason="tool"), None)
    settle(core, bus, 3)
    assert [a["result"] for a in bus.acks("kiosk-b03")] == ["applied"] * 3
    work = core.query(lambda ws, _now: ws.jobs[ro].segments[0])
    assert work.start == tapped and work.end == tapped  # paused at its own (earlier) time
    lines = [t for t in store.audit_trail(ro) if t["kind"] == "event"]
    assert [t["payload"].get("clock_behind_s") for t in lines] == [None, 120.0]


def test_a_tap_dated_before_its_clocks_last_change_takes_effect_at_that_change(
    core: Core, bus: FakeBus, clock: Clock
) -> None:
    """A resume dated days before the pause it ends (a device's clock gone wrong) must not
    open work before the pause, nor before the car came in: no hours of work invented."""
    ro = checked_in_and_dispatched(core)
    k = Kiosk("kiosk-b03", "B03")
    now = clock.now
    core.on_message(*k.event("tech.signed_in", tech="T002", ts=now), token=None)
    core.on_message(*k.event("job.started", job=ro, tech="T002", ts=now), token=None)
    paused = now + timedelta(minutes=30)
    clock.advance(minutes=31)
    core.on_message(
        *k.event("job.paused", job=ro, tech="T002", ts=paused, reason="tool"), token=None
    )
    core.on_message(
        *k.event("job.resumed", job=ro, tech="T002", ts=now - timedelta(days=5)), token=None
    )
    settle(core, bus, 4)
    assert [a["result"] for a in bus.acks("kiosk-b03")] == ["applied"] * 4
    job = core.query(lambda ws, _now: ws.jobs[ro])
    spans = [(s.kind, s.start, s.end) for s in job.segments]
    assert spans == [("work", now, paused), ("pause", paused, paused), ("work", paused, None)]
    assert job.worked_seconds(paused) == 30 * 60
    assert all(s.start >= job.checked_in_at for s in job.segments)


def test_a_start_dated_before_the_technician_signed_in_takes_effect_at_the_sign_in(
    core: Core, bus: FakeBus, clock: Clock
) -> None:
    ro = checked_in_and_dispatched(core)
    clock.advance(days=3)  # the car waited days; the technician signs in today
    k = Kiosk("kiosk-b03", "B03")
    core.on_message(*k.event("tech.signed_in", tech="T002", ts=clock.now), token=None)
    days_back = clock.now - timedelta(days=2)
    core.on_message(*k.event("job.started", job=ro, tech="T002", ts=days_back), token=None)
    settle(core, bus, 2)
    assert [a["result"] for a in bus.acks("kiosk-b03")] == ["applied"] * 2
    job = core.query(lambda ws, _now: ws.jobs[ro])
    assert job.segments[0].start == clock.now and job.worked_seconds(clock.now) == 0


def test_every_answer_names_the_message_it_answers(core: Core, bus: FakeBus) -> None:
    k = Kiosk("kiosk-b03", "B03")
    sent = [
        k.event("tech.signed_in", tech="T002"),  # applied
        k.event("job.started", job="RO-NOT-HERE", tech="T002"),  # rejected
    ]
    sent.append(sent[0])  # a repeat: duplicate
    sent.append((TOPIC, b'{"v":1,"seq":'))  # malformed
    for topic, payload in sent:
        core.on_message(topic, payload, token=None)
    settle(core, bus, 4)
    answers = bus.acks("kiosk-b03")
    assert [a["result"] for a in answers] == ["applied", "rejected", "duplicate", "rejected"]
    assert [a["event"] for a in answers] == [event_digest(p) for _, p in sent]


def test_a_number_used_by_other_bytes_is_no_repeat_the_device_is_told_where_it_stands(
    store: Store, bus: FakeBus, clock: Clock
) -> None:
    """A tablet that lost its outbox starts again at 1: its new taps are not duplicates."""
    core = Core(demo_config(), store, bus, clock)
    core.start()
    old = Kiosk("kiosk-b03", "B03")
    try:
        for type_ in ("tech.signed_in", "tech.signed_out", "tech.signed_in"):
            core.on_message(*old.event(type_, tech="T002"), token=None)
        settle(core, bus, 3)
    finally:
        core.stop()
    again = Core(demo_config(), store, bus, clock)  # the answers come from the store now
    again.start()
    new = Kiosk("kiosk-b03", "B03")  # a new outbox: numbers from 1 again
    try:
        reused = new.event("tech.signed_out", tech="T002", ts=T0 + timedelta(minutes=5))
        again.on_message(*reused, token=None)
        settle(again, bus, 4)
        taken = bus.acks("kiosk-b03")[-1]
        assert (taken["seq"], taken["result"], taken["error"]["code"]) == (
            1,
            "rejected",
            "seq_taken",
        )
        assert taken["next_seq"] == 4 and taken["event"] == event_digest(reused[1])
        assert again.ws.tech_states["T002"].bay == "B03", "the reused number changed nothing"
        # The device sends it again under the number it was given: applied.
        moved = json.loads(reused[1])
        moved["seq"] = 4
        again.on_message(TOPIC, json.dumps(moved).encode(), token=None)
        settle(again, bus, 5)
        assert bus.acks("kiosk-b03")[-1]["result"] == "applied"
        assert again.ws.tech_states["T002"].bay is None
    finally:
        again.stop()


def test_a_repeat_of_a_message_stored_before_digests_is_still_a_duplicate(
    core: Core, bus: FakeBus, store: Store
) -> None:
    from sqlalchemy import update

    from core.store.tables import InboxRow

    k = Kiosk("kiosk-b03", "B03")
    first = k.event("tech.signed_in", tech="T002")
    core.on_message(*first, token=None)
    settle(core, bus, 1)
    with store.engine.begin() as conn:  # as written before the inbox kept digests
        conn.execute(update(InboxRow).values(digest=None))
    core.on_message(TOPIC, first[1].replace(b'"T002"', b'"T002" '), token=None)
    settle(core, bus, 2)
    assert bus.acks("kiosk-b03")[-1]["result"] == "duplicate"
