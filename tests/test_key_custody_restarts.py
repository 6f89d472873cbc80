"""Key custody across a bridge restart: what the readers believed inside is kept on disk
and given back to them, so a key taken while the bridge was stopped is reported taken, and
a door pass after a restart toggles from what was inside (real serial code over a pty)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from core.domain.errors import DomainError
from core.domain.model import KeyState
from devices.custody_file import CustodyFile, reader_key
from devices.keyframes import Custody, DoorToggle, SlotPresence, em4100_frame
from devices.keyreader import KeyReader, ReaderSpec
from devices.state_file import NewerFileError
from tests.fake_reader import OTHER_TAG, TAG, FakeUsbReader
from tests.helpers import T0, domain_workshop, order
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
    (tmp_path / "custody.json").write_text(json.dumps({"version": 1, "readers": 5}))
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


def test_a_hook_that_last_saw_a_key_moved_meanwhile_cannot_take_it_out() -> None:
    """Moved to another hook while the bridge was stopped: the new hook's key.in comes
    first, then the old hook's key.out, which must not mark the key out."""
    ws = domain_workshop()
    ro = ws.check_in(order(key_tag=TAG), T0).ro
    ws.key_in(TAG, "KC1", 3, T0)
    ws.key_in(TAG, "KC1", 7, T0 + timedelta(minutes=1))  # found on hook 7 after the restart
    with pytest.raises(DomainError) as refused:
        ws.key_out(TAG, "KC1", 3, T0 + timedelta(minutes=2))  # hook 3's belief runs out
    assert refused.value.code == "key_elsewhere"
    key = ws.job(ro).key
    assert (key.state, key.cabinet, key.slot) == (KeyState.IN_CABINET, "KC1", 7)
    ws.key_out(TAG, "KC1", 7, T0 + timedelta(minutes=3), holder="T002")  # its own hook: out
    assert ws.job(ro).key.state is KeyState.OUT
    ws.key_in(TAG, "KC1", 7, T0 + timedelta(minutes=4))
    ws.key_out(TAG, "KC1", None, T0 + timedelta(minutes=5))  # a door reader knows no hook
    assert ws.job(ro).key.state is KeyState.OUT


def test_a_newer_file_is_left_as_it_is_and_stops_the_bridge(tmp_path: Path) -> None:
    path = tmp_path / "custody.json"
    newer = json.dumps({"version": 2, "readers": {"KC1 slot 7": [TAG]}, "more": 1})
    path.write_text(newer)
    with pytest.raises(NewerFileError):
        CustodyFile(path)
    assert path.read_text() == newer


def test_readers_no_longer_configured_are_dropped_and_a_failed_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]
    seven = ReaderSpec(url="/dev/ttyUSB0", cabinet="KC1", slot=7)
    eight = ReaderSpec(url="/dev/ttyUSB1", cabinet="KC1", slot=8)
    kept = CustodyFile(tmp_path / "custody.json")
    kept.keep(seven, [TAG])
    kept.keep(eight, [OTHER_TAG])
    rewired = CustodyFile(tmp_path / "custody.json", [seven])  # hook 8 taken off the bridge
    assert rewired.held(eight) == [] and rewired.held(seven) == [TAG]

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("devices.custody_file.os.replace", full_disk)
    rewired.keep(seven, [])
    assert rewired.held(seven) == [TAG], "believed only once on disk"
    assert [p.name for p in tmp_path.iterdir()] == ["custody.json"], "no temporary file left"
    monkeypatch.undo()
    rewired.keep(seven, [])
    assert CustodyFile(tmp_path / "custody.json").held(seven) == []
    assert "No space left" in caplog.text
