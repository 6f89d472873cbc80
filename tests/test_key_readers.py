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
from tests.fake_reader import OTHER_TAG, TAG, FakeUsbReader
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


@pytest.mark.parametrize("back", ["still there", "gone", "another tag"])
def test_a_slot_reader_that_is_down_changes_nothing_and_its_return_settles_custody(
    back: str,
) -> None:
    s = SlotPresence(gap=2.0)
    assert s.read(TAG, 0.0) == [Custody("key.in", TAG)]
    s.down(1.0)
    assert s.tick(1.0) == [] and s.tick(3600.0) == []  # an hour away, far past the gap
    s.up(3600.0)
    assert s.tick(3601.9) == []  # back: it gets a whole gap to see the tag again
    if back == "still there":
        assert s.read(TAG, 3601.5) == [] and s.tick(3603.0) == []
    elif back == "gone":
        assert s.tick(3602.1) == [Custody("key.out", TAG)]
    else:
        assert s.read(OTHER_TAG, 3600.5) == [
            Custody("key.out", TAG),
            Custody("key.in", OTHER_TAG),
        ]


def test_a_door_reader_that_is_down_changes_nothing() -> None:
    d = DoorToggle(gap=1.0)
    assert d.read(TAG, 0.0) == [Custody("key.in", TAG)]
    d.down(0.5)
    assert d.tick(100.0) == []
    d.up(100.0)
    assert d.read(TAG, 100.5) == [Custody("key.out", TAG)]


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


def test_a_reader_stopped_on_purpose_is_not_reported_down(
    usb: FakeUsbReader, caplog: pytest.LogCaptureFixture
) -> None:
    ports: list[bool] = []
    spec = ReaderSpec(url=str(usb.path), cabinet="KC1", slot=7)
    reader = KeyReader(spec, lambda _s, _c: None, lambda _s, is_open: ports.append(is_open), 0.1)
    reader.start()
    wait_until(lambda: reader.port_open)
    reader.stop()  # as the bridge stops, before the port goes (a Ctrl-C of `pitboard run`)
    usb.unplug()
    time.sleep(0.3)
    assert ports == [True] and reader.port_open
    assert "is down" not in caplog.text and "lost" not in caplog.text


class ReaderClock:
    """The reader's clock, moved by the test; counts how often the reader has read it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.reads += 1
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def wait_read(self, times: int = 3) -> None:
        """Until the reader has looked at the time (and so acted on it) ``times`` more times."""
        start = self.reads
        wait_until(lambda: self.reads >= start + times, "the reader looking at its clock")


class Changes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[tuple[str, str]] = []

    def __call__(self, _spec: ReaderSpec, change: Custody) -> None:
        with self._lock:
            self._seen.append((change.kind, change.tag))

    @property
    def seen(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._seen)


GAP = 2.0
NOISE = b"\x00\xff\x02\x30\x31garbage\x02" + em4100_frame(TAG)[:7]  # with half a frame


@pytest.mark.parametrize("goes", ["unplugged", "line dropped"])
@pytest.mark.parametrize("back", ["still there", "gone", "another tag"])
def test_a_reader_that_is_down_invents_nothing_and_what_it_reads_back_settles_custody(
    usb: FakeUsbReader, goes: str, back: str
) -> None:
    clock = ReaderClock()
    changes = Changes()
    spec = ReaderSpec(url=str(usb.path), cabinet="KC1", slot=7, gap_seconds=GAP)
    reader = KeyReader(spec, changes, reopen_every=0.05, clock=clock).start()
    custody = reader.custody
    assert isinstance(custody, SlotPresence)
    try:
        wait_until(lambda: reader.port_open, "the reader open")
        usb.send(NOISE)
        usb.hang(TAG)
        wait_until(lambda: changes.seen == [("key.in", TAG)], "the key on its hook")

        usb.unplug(keep_path=goes == "line dropped")  # while the key hangs there
        wait_until(lambda: not reader.port_open, "the reader down")
        clock.advance(30 * GAP)  # a long outage, far past the gap
        clock.wait_read()
        assert changes.seen == [("key.in", TAG)], "a dead reader invents nothing"

        if back == "gone":
            usb.take()
        elif back == "another tag":
            usb.hang(OTHER_TAG)
        usb.plug()
        wait_until(lambda: reader.port_open, "the reader back")
        usb.send(NOISE)  # what a reader sends as it powers up
        if back == "still there":
            for _ in range(2):  # read again and again, so well past a gap since its return
                clock.advance(0.75 * GAP)
                wait_until(lambda: custody.last_seen == clock.now, "the tag read again")
            clock.wait_read()
            assert changes.seen == [("key.in", TAG)]
            usb.take()  # and it still tells a key taken afterwards
            clock.wait_read(5)  # the frames already on the line are read
            clock.advance(GAP + 0.1)
            wait_until(lambda: len(changes.seen) > 1, "the key taken")
            assert changes.seen == [("key.in", TAG), ("key.out", TAG)]
        elif back == "gone":
            clock.advance(GAP - 0.1)  # back, and silent for less than a gap: not yet out
            clock.wait_read()
            assert changes.seen == [("key.in", TAG)]
            clock.advance(0.2)
            wait_until(lambda: len(changes.seen) > 1, "the key out")
            assert changes.seen == [("key.in", TAG), ("key.out", TAG)]
        else:
            wait_until(lambda: len(changes.seen) >= 3, "the other key")
            assert changes.seen == [("key.in", TAG), ("key.out", TAG), ("key.in", OTHER_TAG)]
        assert reader.garbage > 0
    finally:
        reader.stop()


def test_the_bridge_status_and_the_dispatch_board_show_a_reader_that_is_down(
    tmp_path: Path,
) -> None:
    from datetime import timedelta

    from board.dispatch_model import board_model
    from core.contract.messages import DeviceStatus, dump
    from core.display.texts import texts_for
    from core.engine import Core
    from core.mqtt import BrokerAddress
    from core.store.database import make_engine, migrate, sqlite_url
    from core.store.repository import Store
    from devices.bridge import Bridge
    from tests.helpers import FakeBus, demo_config

    cfg = demo_config(data_dir=str(tmp_path))
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    core = Core(cfg, Store(engine, "demo"), FakeBus())
    core.start()
    usb = FakeUsbReader(tmp_path / "ttyKC1-03")
    spec = ReaderSpec(url=str(usb.path), cabinet="KC1", slot=3)
    bridge = Bridge(cfg, BrokerAddress("127.0.0.1", 1), None, tmp_path / "bridge", [spec])
    bridge.start()  # no broker on port 1: the readers run regardless

    def status() -> DeviceStatus:
        # What the bridge's link publishes, retained, on dev/bridge-1/status.
        shown = DeviceStatus(online=True, kind="bridge", outbox=0, **bridge._status())
        core.on_message("pitboard/demo/dev/bridge-1/status", dump(shown), None)
        return shown

    def board() -> str:
        view = core.dispatch_view
        if view is None or not any(d.device == "bridge-1" for d in view.devices):
            return ""
        hour = timedelta(hours=1)
        window = (view.updated_at - hour, view.updated_at + hour)
        panels = board_model(view, "zh", texts_for("zh"), window, cfg.zone).panels
        return "".join([*panels["panel.devices"].values(), *panels["panel.alerts"].values()])

    try:
        wait_until(lambda: bridge._status()["readers"][str(usb.path)]["open"], "reader open")
        assert status().problem is None
        assert "读卡器" not in wait_until(board, "the bridge on the board")

        usb.unplug()
        wait_until(lambda: not bridge._status()["readers"][str(usb.path)]["open"], "reader down")
        down = status()
        assert down.online and down.problem == "reader_down"
        assert (down.model_extra or {})["readers"] == {
            str(usb.path): {"cabinet": "KC1", "slot": 3, "open": False, "garbage": 0}
        }
        wait_until(lambda: "读卡器断开" in board(), "the reader down on the board")
        row = next(d for d in core.dispatch_view.devices if d.device == "bridge-1")  # type: ignore[union-attr]
        assert row.problem == "reader_down"

        usb.plug()
        wait_until(lambda: bridge._status()["readers"][str(usb.path)]["open"], "reopened")
        assert status().problem is None
        wait_until(lambda: "读卡器断开" not in board(), "the board clear again")
    finally:
        bridge.stop()
        usb.close()
        core.stop()
        engine.dispose()
