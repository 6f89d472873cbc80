"""The kiosk's durable outbox and its station against a real core, over the real links
and the broker in the test process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.commands import Dispatch
from core.contract.document import ERROR_CODES
from core.contract.messages import event_digest, make_event
from core.contract.views import BayState
from core.display.rules import overrun_level
from core.display.texts import TEXTS, error_text
from core.domain.model import JobStatus
from core.store.repository import Store
from devices.outbox import Outbox
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import wait_until


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> Iterator[Workshop]:
    w = demo_workshop(store, tmp_path)
    yield w
    w.close()


def test_outbox_numbers_survive_reopening_and_leave_only_when_answered(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "k.sqlite", "kiosk-b03")
    a = box.add("tech.signed_in", bay="B03", tech="T002")
    b = box.add("job.started", bay="B03", job="RO-1", tech="T002")
    assert (a.seq, b.seq) == (1, 2)
    assert json.loads(b.payload)["seq"] == 2 and json.loads(b.payload)["source"] == "kiosk-b03"
    box.close()

    again = Outbox(tmp_path / "k.sqlite", "kiosk-b03")
    assert [p.seq for p in again.pending()] == [1, 2]
    assert again.add("job.paused", bay="B03", job="RO-1", tech="T002", data={}).seq == 3
    answer = again.answered(2, "rejected", "wrong_bay", "not here")
    assert answer is not None and (answer.job, answer.code) == ("RO-1", "wrong_bay")
    assert again.answered(2, "duplicate") is None  # a second answer changes nothing
    assert [p.seq for p in again.pending()] == [1, 3]
    assert again.answers()[0].code == "wrong_bay"


def test_an_answer_naming_another_message_leaves_the_event_waiting(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "k.sqlite", "kiosk-b03")
    mine = box.add("tech.signed_in", bay="B03", tech="T002")
    stranger = make_event("kiosk-b04", 1, "tech.signed_in", datetime.now(UTC), bay="B03")
    assert box.answered(1, "rejected", "source_mismatch", "", event_digest(stranger)) is None
    assert [p.seq for p in box.pending()] == [1]
    answer = box.answered(1, "applied", event=event_digest(mine.payload))
    assert answer is not None and box.pending() == []


def test_a_new_outbox_whose_numbers_the_core_had_gives_them_all_up_in_order(
    tmp_path: Path,
) -> None:
    """A reinstalled tablet: the core is at #3; nothing after #1 was sent (a new outbox
    sends one event until answered), so every tap follows in its order from #3 exactly:
    a number skipped would be one the core waits for for good."""
    box = Outbox(tmp_path / "k.sqlite", "kiosk-b03")
    taps = [box.add("tech.signed_in", bay="B03", tech=f"T00{n}") for n in range(1, 5)]
    assert not box.synced
    assert box.move(1, 3, event_digest(b"other bytes")) == []
    moved = box.move(1, 3, event_digest(taps[0].payload))
    assert [(p.seq, json.loads(p.payload)["tech"]) for p in moved] == [
        (3, "T001"),
        (4, "T002"),
        (5, "T003"),
        (6, "T004"),
    ]
    assert box.synced and [p.seq for p in box.pending()] == [3, 4, 5, 6]
    assert all(json.loads(p.payload)["seq"] == p.seq for p in box.pending())
    assert box.add("tech.signed_out", bay="B03", tech="T001").seq == 7


def test_an_outbox_the_core_knows_gives_up_only_the_numbers_the_core_had(
    tmp_path: Path,
) -> None:
    """Someone published under our name and used #1 and #2: those two of ours go again
    after every number given out; #3 and #4, which the core may have applied already,
    keep theirs (never applied twice)."""
    box = Outbox(tmp_path / "k.sqlite", "kiosk-b03")
    box.add("tech.signed_in", bay="B03", tech="T001")
    box.answered(1, "applied")
    taps = [box.add("tech.signed_in", bay="B03", tech=f"T00{n}") for n in range(2, 6)]
    moved = box.move(2, 4, event_digest(taps[0].payload))
    assert [(p.seq, json.loads(p.payload)["tech"]) for p in moved] == [(6, "T002"), (7, "T003")]
    assert [p.seq for p in box.pending()] == [4, 5, 6, 7]


def test_an_outbox_set_up_after_the_cores_numbers_begins_after_them(tmp_path: Path) -> None:
    """The demo's kiosks, whose names the weeks of history used up to #41: a fresh outbox
    numbers on from #42 and counts as known to the core; one that numbered already keeps
    its own numbers."""
    box = Outbox(tmp_path / "k.sqlite", "kiosk-b03")
    assert box.begin_after(41)
    assert box.add("tech.signed_in", bay="B03", tech="T001").seq == 42
    assert box.synced and box.last_seq == 42
    assert not box.begin_after(7) and box.add("job.started", bay="B03").seq == 43
    fresh = Outbox(tmp_path / "n.sqlite", "kiosk-b04")
    assert not fresh.begin_after(0)  # nothing of its name: it begins at #1, not yet known
    assert fresh.add("tech.signed_in", bay="B04", tech="T002").seq == 1 and not fresh.synced


def test_taps_made_offline_show_at_once_and_reach_the_core_in_order(shop: Workshop) -> None:
    ro = shop.job()
    station = shop.station("B03", online=False)
    station.sign_in("T002")
    station.start(ro, "T002")
    assert [p.id for p in station.present()] == ["T002"]
    assert station.active_job("T002") == ro
    assert station.pending_for(ro) == "job.started"
    assert len(station.unsent()) == 2 and not station.online

    shop.links["B03"].go_online()
    shop.settle()
    wait_until(lambda: station.state is not None and station.state.current is not None)
    assert station.unsent() == []
    assert station.state is not None and station.state.current is not None
    assert station.state.current.ro == ro and station.state.current.working_techs == ["T002"]
    assert shop.core.ws.job(ro).status is JobStatus.IN_PROGRESS


def test_a_rejected_tap_is_kept_with_its_reason_and_later_taps_still_go(shop: Workshop) -> None:
    ro = shop.job()
    station = shop.station("B03")
    station.sign_in("T002")
    shop.settle()
    shop.links["B03"].go_offline()
    station.start(ro, "T002")
    shop.core.run_command(Dispatch(ro, "B04"), actor="foreman:F1")  # moved meanwhile
    station.sign_out("T002")
    shop.links["B03"].go_online()
    shop.settle()
    assert [(p.type, p.job, p.code) for p in station.problems] == [("job.started", ro, "wrong_bay")]
    assert error_text("wrong_bay", "en") == "This job is not dispatched to this bay"
    assert shop.core.ws.tech_state("T002").bay is None  # the sign-out after it applied


def test_every_rejection_code_has_plain_words_in_both_languages() -> None:
    for code in ERROR_CODES:
        zh, en = TEXTS[f"error.{code}"]
        assert zh and en and zh != en


def test_pause_reasons_and_severities_are_checked_before_anything_is_stored(
    shop: Workshop,
) -> None:
    ro = shop.job()
    station = shop.station("B03")
    with pytest.raises(ValueError):
        station.pause(ro, "T002", "lunch")
    with pytest.raises(ValueError):
        station.finding(ro, "T002", "x", "urgent", 1, 0)
    assert station.link.outbox.last_seq == 0


def test_elapsed_time_runs_on_between_updates_and_colours_the_overrun(shop: Workshop) -> None:
    ro = shop.job(hours=0.5)
    station = shop.station("B03")
    station.sign_in("T002")
    station.start(ro, "T002")
    shop.settle()
    wait_until(lambda: station.state is not None and station.state.current is not None)
    assert station.state is not None and station.state.current is not None
    card = station.state.current
    from datetime import timedelta

    later = station.state.updated_at + timedelta(minutes=27)
    worked = station.worked_seconds(card, later)
    assert 27 * 60 <= worked < 27 * 60 + 5
    assert overrun_level(worked, card.standard_hours) == "near"
    assert overrun_level(31 * 60, card.standard_hours) == "over"
    assert overrun_level(10 * 60, card.standard_hours) == "normal"


def test_the_station_tells_its_listeners_of_each_change_the_link_brings(shop: Workshop) -> None:
    station = shop.station("B03", online=False)
    heard: list[int] = []
    stop = station.subscribe(lambda: heard.append(1))
    shop.links["B03"].go_online()
    assert heard  # the connection came up
    before = len(heard)
    shop.job(plate="京D44444")  # a dispatch: the core publishes a newer bay state
    wait_until(lambda: any(j.plate == "京D44444" for j in station.jobs()))
    wait_until(lambda: len(heard) > before, "the listener told of the new state")
    stop()
    after = len(heard)
    station.sign_in("T002")
    shop.settle()
    assert len(heard) == after  # stopped: nothing more


def test_a_tap_answered_before_its_state_arrives_still_shows(shop: Workshop) -> None:
    """The ack may overtake the bay state that shows the tap: meanwhile the screen keeps
    showing it (a technician just signed in must not blink out), until a state comes."""
    station = shop.station("B03", online=False)
    tap = station.sign_in("T002")
    shop.links["B03"].outbox.answered(tap.seq, "applied")  # the ack, no state yet
    assert station.unsent() == [] and [t.id for t in station.present()] == ["T002"]
    later = BayState(
        site="demo",
        bay="B03",
        name="3号工位",
        kind="general",
        team=None,
        techs=[],
        current=None,
        queue=[],
        updated_at=datetime.now(UTC),
    )
    station.on_bay_state(later.model_dump_json().encode())
    assert station.present() == [], "a state after the answer is the core's word again"


def test_taps_that_cancel_out_leave_the_screen_as_the_core_has_it(shop: Workshop) -> None:
    """A technician signed in and out again while the kiosk was offline, both taps taken in
    one batch: the bay is left as it was and no new state comes. The kiosk shows what the
    core has, with nothing unsent."""
    station = shop.station("B03")
    station.sign_in("T002")
    shop.settle()
    station.sign_out("T002")
    shop.settle()
    wait_until(lambda: station.state is not None and station.state.techs == [])
    assert station.state is not None
    last = station.state.updated_at
    shop.links["B03"].go_offline()
    station.sign_in("T002")
    station.sign_out("T002")
    assert station.present() == [] and len(station.unsent()) == 2

    held = threading.Event()

    def hold(_ws: object, _now: object) -> None:  # the core's thread, until both are queued
        held.set()
        wait_until(lambda: shop.core.queue_depth() >= 2, "both taps queued")

    holding = threading.Thread(target=shop.core.query, args=(hold,))
    holding.start()
    assert held.wait(10)
    shop.links["B03"].go_online()
    holding.join(10)
    shop.settle()
    assert station.unsent() == [] and station.present() == []
    assert shop.core.query(lambda ws, _now: ws.tech_states["T002"].bay) is None
    assert station.state is not None and station.state.updated_at == last  # none sent
