"""The hub's decision for a feed message, without a database: duplicates skipped, a
message past a gap refused whole, and the ack that follows; and, whatever the bridge
does to the messages, every fact applied exactly once and in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract.group import GroupFeed
from hub.apply import decide, plan
from tests.group_samples import jobs_feed


def seqs(feed: GroupFeed) -> list[int]:
    return [f.seq for f in feed.facts]


def test_the_next_message_is_applied_whole() -> None:
    d = decide(4, jobs_feed("s1", 5, 3))
    assert [f.seq for f in d.apply] == [5, 6, 7]
    assert (d.upto, d.duplicates, d.gap) == (7, 0, False)


def test_the_first_message_of_a_site_starts_at_one() -> None:
    assert [f.seq for f in decide(0, jobs_feed("s1", 1, 2)).apply] == [1, 2]
    refused = decide(0, jobs_feed("s1", 2, 2))
    assert (refused.apply, refused.upto, refused.gap) == ((), 0, True)


def test_a_message_sent_again_is_skipped_and_answered_with_the_same_ack() -> None:
    d = decide(7, jobs_feed("s1", 5, 3))
    assert (d.apply, d.upto, d.duplicates, d.gap) == ((), 7, 3, False)


def test_a_message_overlapping_the_applied_facts_applies_only_its_new_tail() -> None:
    d = decide(6, jobs_feed("s1", 5, 4))
    assert [f.seq for f in d.apply] == [7, 8]
    assert (d.upto, d.duplicates) == (8, 2)


def test_a_message_past_a_gap_is_refused_whole_and_the_ack_says_where_to_resume() -> None:
    d = decide(4, jobs_feed("s1", 6, 3))
    assert (d.apply, d.upto, d.duplicates, d.gap) == ((), 4, 0, True)


def test_a_batch_carries_each_sites_last_from_one_message_to_the_next() -> None:
    feeds = [
        jobs_feed("s1", 1, 2),
        jobs_feed("s2", 10, 1),  # s2 holds 1..9
        jobs_feed("s1", 3, 2),
        jobs_feed("s1", 3, 2),  # the same again: skipped
        jobs_feed("s2", 12, 1),  # 11 lost on the way: refused
        jobs_feed("s3", 5, 1),  # s3 unknown so far: holds nothing
    ]
    p = plan({"s2": 9}, feeds)
    assert {s: [f.seq for f in fs] for s, fs in p.apply.items()} == {
        "s1": [1, 2, 3, 4],
        "s2": [10],
    }
    assert p.upto == {"s1": 4, "s2": 10, "s3": 0}
    assert (p.facts, p.duplicates, p.gaps) == (5, 2, 2)
    assert p.gap_sites == {"s2", "s3"}, "the sites told where to resume"


# ----------------------------------------------------------------- the property
@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(1, 40),
    size=st.integers(1, 7),
    data=st.data(),
)
def test_any_delivery_of_a_go_back_n_sender_applies_each_fact_once_in_order(
    total: int, size: int, data: st.DataObject
) -> None:
    """A site sends windows of its outbox from the last ack on; the way to the hub loses,
    duplicates and reorders messages, and loses acks; the site sends again from its last
    ack whenever it has nothing better to do. Whatever happens, the hub ends holding every
    fact once, in seq order, and its acks never run ahead of what it holds."""
    acked = 0  # the site's view: what the hub has acknowledged
    next_send = 1  # go-back-N: the next seq the site sends
    wire: list[GroupFeed] = []  # messages on their way (any order)
    last = 0  # the hub's applied last_seq
    applied: list[int] = []
    steps = 0
    while acked < total:
        steps += 1
        assert steps < 2000, "the exchange never finished"
        lossy = steps < 200
        if lossy:
            action = data.draw(st.sampled_from(["send", "deliver", "resend"]), label="action")
        else:  # the way has healed and the site works through its outbox, so it ends
            action = "deliver" if wire else "send" if next_send <= total else "resend"
        if action == "send" and next_send <= total:
            n = min(size, total - next_send + 1)
            msg = jobs_feed("s1", next_send, n)
            next_send += n
            if not (lossy and data.draw(st.booleans(), label="lost")):
                wire.append(msg)
                if lossy and data.draw(st.booleans(), label="duplicated"):
                    wire.append(msg)
        elif action == "deliver" and wire:
            pick = data.draw(st.integers(0, len(wire) - 1), label="which") if lossy else 0
            msg = wire.pop(pick)
            d = decide(last, msg)
            applied.extend(f.seq for f in d.apply)
            last = d.upto
            assert d.upto == len(applied), "the ack promises exactly what is held"
            if not (lossy and data.draw(st.booleans(), label="ack lost")):
                acked = max(acked, d.upto)
                next_send = max(next_send, acked + 1)
        elif action == "resend" or not wire:
            # The resend timer: everything unacknowledged goes again from the ack on.
            next_send = acked + 1
    assert applied == list(range(1, total + 1))
