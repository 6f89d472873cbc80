"""Key custody across a bridge restart: what the readers believed inside is kept on disk
and given back to them, so a key taken while the bridge was stopped is reported taken, and
a door pass after a restart toggles from what was inside (real serial code over a pty)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from devices.custody_file import CustodyFile, reader_key
from devices.keyframes import Custody, DoorToggle, SlotPresence, em4100_frame
from devices.keyreader import KeyReader, ReaderSpec
from tests.fake_reader import OTHER_TAG, TAG, FakeUsbReader
from tests.waiting import wait_until


def test_a_slot_given_its_tag_at_start_reports_it_taken_after_a_gap_of_silence() -> None:
    s = SlotPresence(gap=2.0)
    s.hold([TAG], 100.0)
    assert s.read(TAG, 101.0) == [], "still on its hook: nothing new"
    s.hold([TAG], 200.0)
    assert s.tick(201.9) == [] and s.tick(202.1) == [Custody("key.out", TAG)]


def test_a_door_given_what_was_inside_toggles_from_there() -> None:
    d = DoorToggle(gap=1.0)
    d.hold([TAG], 0.0)
    assert d.read(TAG, 10.0) == [Custody("key.out", TAG)]
    assert d.read(OTHER_TAG, 11.0) == [Custody("key.in", OTHER_TAG)]
    assert d.held() == [OTHER_TAG]


def test_the_file_keeps_each_readers_tags_and_a_broken_one_starts_afresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slot = ReaderSpec(url="/dev/ttyUSB0", cabinet="KC1", slot=7)
    door = ReaderSpec(url="/dev/ttyUSB1", cabinet="KC1", mode="door")
    kept = CustodyFile(tmp_path / "custody.json")
    kept.keep(slot, [TAG])
    kept.keep(door, [OTHER_TAG, TAG])
    again = CustodyFile(tmp_path / "custody.json")
    assert again.held(slot) == [TAG] and again.held(door) == [OTHER_TAG, TAG]
    assert reader_key(slot) == "KC1 slot 7"
    (tmp_path / "custody.json").write_text('{"version": 1, "readers": ')  # cut short
    assert CustodyFile(tmp_path / "custody.json").held(slot) == []
    (tmp_path / "custody.json").write_text(json.dumps({"version": 9, "readers": {}}))
    assert CustodyFile(tmp_path / "custody.json").held(slot) == []
    assert caplog.text.count("the readers start afresh") == 2


@pytest.fixture
def usb(tmp_path: Path) -> FakeUsbReader:
    r = FakeUsbReader(tmp_path / "ttyKC1-07")
    yield r  # type: ignore[misc]
    r.close()


def test_a_key_taken_while_the_bridge_was_stopped_is_reported_taken(
    usb: FakeUsbReader, tmp_path: Path
) -> None:
    spec = ReaderSpec(url=str(usb.path), cabinet="KC1", slot=7, gap_seconds=0.6)
    changes: list[Custody] = []
    lock = threading.Lock()

    def run(kept: CustodyFile) -> KeyReader:
        reader = KeyReader(spec, lambda *_: None, held=kept.held(spec), reopen_every=0.1)

        def custody(_spec: ReaderSpec, change: Custody) -> None:  # as the bridge does
            with lock:
                changes.append(change)
            kept.keep(spec, reader.custody.held())

        reader.on_custody = custody
        return reader.start()

    first = run(CustodyFile(tmp_path / "custody.json"))
    try:
        wait_until(lambda: first.port_open)
        wait_until(
            lambda: changes == [Custody("key.in", TAG)],
            "the key on its hook",
            between=lambda: usb.send(em4100_frame(TAG)),
            every=0.1,
        )
    finally:
        first.stop()
    # The bridge is stopped; the key is taken meanwhile: no frame ever comes again.
    second = run(CustodyFile(tmp_path / "custody.json"))
    try:
        wait_until(lambda: Custody("key.out", TAG) in changes, "the key reported taken")
    finally:
        second.stop()
    assert changes == [Custody("key.in", TAG), Custody("key.out", TAG)]
    assert CustodyFile(tmp_path / "custody.json").held(spec) == []
