"""Key-cabinet readers: frame decoding, custody rules, and the real serial code over
pseudo-terminals (unplug and replug included)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.keyframes import (
    Custody,
    DoorToggle,
    Em4100Decoder,
    LineDecoder,
    SlotPresence,
    em4100_frame,
)
from devices.keyreader import KeyReader, ReaderSpec
from tests.fake_reader import TAG, FakeUsbReader
from tests.waiting import wait_until


def test_a_valid_frame_is_a_tag_and_its_checksum_is_the_xor_of_the_data() -> None:
    frame = em4100_frame(TAG)
    assert frame == b"\x02" + b"0A1B2C3D4E" + b"%02X" % (0x0A ^ 0x1B ^ 0x2C ^ 0x3D ^ 0x4E) + b"\x03"
    assert Em4100Decoder().feed(frame) == [TAG]


def test_split_and_concatenated_frames() -> None:
    d = Em4100Decoder()
    frame = em4100_frame(TAG)
    assert d.feed(frame[:5]) == []
    assert d.feed(frame[5:] + em4100_frame("1122334455") + frame[:3]) == [TAG, "1122334455"]
    assert d.feed(frame[3:]) == [TAG]
    assert d.garbage == 0


def test_noise_bad_checksums_and_half_frames_are_counted_and_dropped() -> None:
    d = Em4100Decoder()
    bad = bytearray(em4100_frame(TAG))
    bad[11] = ord("0") if bad[11] != ord("0") else ord("1")  # break the checksum
    half = em4100_frame(TAG)[:6]
    got = d.feed(b"\xff\x00noise" + bytes(bad) + half + em4100_frame("1122334455"))
    assert got == ["1122334455"]
    assert d.bad_checksums == 1 and d.garbage > 0


def test_line_readers() -> None:
    d = LineDecoder()
    assert d.feed(b"KEY-0042\r\nKEY-") == ["KEY-0042"]
    assert d.feed(b"0043\n\n\xff\xfe\r\nx\n") == ["KEY-0043"]
    assert d.garbage == 3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=12))
def test_random_bytes_never_crash_and_never_invent_a_key(chunks: list[bytes]) -> None:
    d = Em4100Decoder()
    stream = b"".join(chunks)
    tags = [t for c in chunks for t in d.feed(c)]
    for tag in tags:
        assert em4100_frame(tag) in stream


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["0A1B2C3D4E", "1122334455"]), min_size=1, max_size=5),
    st.lists(st.binary(max_size=20), min_size=6, max_size=6),
    st.integers(min_value=1, max_value=13),
)
def test_every_valid_frame_survives_noise_between_frames_and_any_split(
    tags: list[str], noise: list[bytes], cut: int
) -> None:
    stream = b""
    for i, tag in enumerate(tags):
        stream += noise[i].replace(b"\x02", b"") + em4100_frame(tag)
    d = Em4100Decoder()
    got = d.feed(stream[:cut]) + d.feed(stream[cut:])
    assert got == tags


def test_slot_presence_in_on_first_frame_out_after_silence() -> None:
    s = SlotPresence(gap=2.0)
    assert s.read(TAG, 0.0) == [Custody("key.in", TAG)]
    assert s.read(TAG, 0.5) == []  # repeated while it hangs there
    assert s.tick(2.4) == []
    assert s.tick(2.6) == [Custody("key.out", TAG)]
    assert s.tick(5.0) == []
    assert s.read("1122334455", 6.0) == [Custody("key.in", "1122334455")]
    assert s.read(TAG, 6.5) == [Custody("key.out", "1122334455"), Custody("key.in", TAG)]


def test_door_reader_toggles_per_pass_and_debounces_a_held_tag() -> None:
    d = DoorToggle(gap=1.0)
    assert d.read(TAG, 0.0) == [Custody("key.in", TAG)]
    assert d.read(TAG, 0.3) == [] and d.read(TAG, 0.9) == []  # held in front of the reader
    assert d.read(TAG, 5.0) == [Custody("key.out", TAG)]
    assert d.read(TAG, 9.0) == [Custody("key.in", TAG)]


@pytest.fixture
def usb(tmp_path: Path) -> FakeUsbReader:
    r = FakeUsbReader(tmp_path / "ttyKC1-07")
    yield r  # type: ignore[misc]
    r.close()


def test_real_serial_reader_over_a_pty_with_unplug_and_replug(usb: FakeUsbReader) -> None:
    changes: list[tuple[str, str, int | None]] = []
    ports: list[bool] = []
    lock = threading.Lock()

    def custody(spec: ReaderSpec, change: Custody) -> None:
        with lock:
            changes.append((change.kind, change.tag, spec.slot))

    spec = ReaderSpec(url=str(usb.path), cabinet="KC1", slot=7, gap_seconds=0.6)
    reader = KeyReader(spec, custody, lambda _s, is_open: ports.append(is_open), 0.1).start()
    try:
        wait_until(lambda: reader.port_open)
        frame = em4100_frame(TAG)
        usb.send(b"\x00\xffgarbage" + frame[:4])
        time.sleep(0.05)
        usb.send(frame[4:] + frame + frame)
        wait_until(lambda: changes == [("key.in", TAG, 7)])
        assert reader.garbage > 0
        wait_until(lambda: ("key.out", TAG, 7) in changes)  # silence: taken out

        usb.unplug()
        wait_until(lambda: not reader.port_open)
        usb.plug()
        wait_until(lambda: reader.port_open)
        assert ports[:3] == [True, False, True]
        usb.send(frame)
        wait_until(lambda: changes[-1] == ("key.in", TAG, 7))
        assert changes == [("key.in", TAG, 7), ("key.out", TAG, 7), ("key.in", TAG, 7)]
    finally:
        reader.stop()
