"""The wire breakdown of a tap's ack (bench/wire_hops.py) reads a capture as tcpdump writes
it: a tap's four crossings found by device and number, the broker told by its port."""

from __future__ import annotations

import struct

import pytest

from bench.wire_hops import hops, packets, spans

BROKER, KIOSK, CORE = 1883, 50001, 50002


def frame(source: int, dest: int, payload: bytes) -> bytes:
    """An Ethernet frame of IPv4 carrying TCP from ``source`` to ``dest`` (loopback)."""
    tcp = struct.pack(">HHIIBBHHH", source, dest, 0, 0, 5 << 4, 0x18, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, bytes(4), bytes(4))
    return bytes(12) + b"\x08\x00" + ip + tcp


def capture(records: list[tuple[float, bytes]], link: int = 1) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link)
    for at, data in records:
        sec, usec = int(at), round((at - int(at)) * 1e6)
        out += struct.pack("<IIII", sec, usec, len(data), len(data)) + data
    return out


EVENT = b'0pitboard/demo/dev/kiosk-b03/event{"v":1,"source":"kiosk-b03","seq":7}'
ACK = b'0pitboard/demo/dev/kiosk-b03/ack{"v":1,"seq":7,"result":"applied"}'


def test_a_taps_four_crossings_give_the_brokers_and_the_cores_time() -> None:
    records = [
        (100.000000, frame(KIOSK, BROKER, EVENT)),
        (100.000080, frame(BROKER, CORE, EVENT)),
        (100.001000, frame(BROKER, KIOSK, b"\x40\x02\x00\x01")),  # a PUBACK: no tap in it
        (100.001280, frame(CORE, BROKER, ACK)),
        (100.001370, frame(BROKER, KIOSK, ACK)),
        (100.002000, frame(BROKER, CORE, EVENT)),  # sent again: the first copy counts
    ]
    found = spans(hops(packets(capture(records))))
    got = {name: [round(v, 3) for v in values] for name, values in found.items()}
    assert got == {
        "broker, in": [0.08],
        "core": [1.2],
        "broker, out": [0.09],
        "event -> ack": [1.37],
    }


def test_a_tap_missing_a_crossing_is_left_out() -> None:
    records = [
        (5.0, frame(KIOSK, BROKER, EVENT)),
        (5.0001, frame(BROKER, CORE, EVENT)),
        (5.0002, frame(BROKER, CORE, b"pitboard/demo/dev/kiosk-b04/event{}")),  # no number
    ]
    assert spans(hops(packets(capture(records))))["core"] == []


def test_a_capture_of_another_kind_is_refused_in_words() -> None:
    with pytest.raises(SystemExit, match="link type 228"):
        packets(capture([], link=228))
    with pytest.raises(SystemExit, match="pcap"):
        packets(b"\x0a\x0d\x0d\x0a" + bytes(40))  # pcapng
