"""Where a tap's ack spends its time, read off the wire: a packet capture of loopback taken
while the thousand-kiosk benchmark runs, split at each hop of every tap.

    tcpdump -i lo -w /tmp/taps.pcap tcp &
    chrt -f 10 python3 tasks.py bench many_kiosks
    kill %1
    python3 tasks.py bench wire_hops /tmp/taps.pcap

A tap crosses the loopback four times: the kiosk's event into the broker, the broker's copy
out to the core, the core's ack into the broker, the broker's copy out to the kiosk. The
times between them are the broker's (in and out) and the core's, each taken by the kernel
as the packets passed, so neither process's own clock or scheduling is in them. Packets are
matched by the device and sequence number they carry (``dev/{device}/event`` and
``dev/{device}/ack`` with ``"seq":N``); the broker's port is the one most packets use.
"""

from __future__ import annotations

import argparse
import re
import struct
from collections import Counter, defaultdict
from pathlib import Path

from bench.common import percentile

#: Link-layer header lengths by pcap link type: Ethernet (what ``-i lo`` gives), Linux
#: cooked captures v1 and v2 (``-i any``).
LINK_HEADER = {1: 14, 113: 16, 276: 20}
_TOPIC = re.compile(rb"pitboard/[\w-]+/dev/([\w-]+)/(event|ack)")
_SEQ = re.compile(rb'"seq":\s*(\d+)')

Packet = tuple[float, int, int, bytes]  # time, source port, destination port, TCP payload
HOPS = ("kiosk->broker", "broker->core", "core->broker", "broker->kiosk")


def packets(capture: bytes) -> list[Packet]:
    """The TCP segments with a payload in a classic (microsecond) pcap file, IPv4 only."""
    magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", capture[:24])
    if magic != 0xA1B2C3D4:
        raise SystemExit("not a little-endian microsecond pcap file (tcpdump -w writes one)")
    skip = LINK_HEADER.get(link)
    if skip is None:
        raise SystemExit(f"pcap link type {link} is not one this reads ({sorted(LINK_HEADER)})")
    out: list[Packet] = []
    at = 24
    while at + 16 <= len(capture):
        sec, usec, length, _ = struct.unpack("<IIII", capture[at : at + 16])
        frame = capture[at + 16 : at + 16 + length]
        at += 16 + length
        ip = frame[skip:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:  # IPv4 carrying TCP
            continue
        tcp = ip[(ip[0] & 15) * 4 :]
        source, dest = struct.unpack(">HH", tcp[:4])
        payload = tcp[(tcp[12] >> 4) * 4 :]
        if payload:
            out.append((sec + usec / 1e6, source, dest, payload))
    return out


def hops(capture: list[Packet]) -> dict[tuple[str, int], dict[str, float]]:
    """For every tap seen on the wire, when each of its four crossings happened (the first
    packet of each, a retransmission not counted again)."""
    ports: Counter[int] = Counter()
    for _, source, dest, _ in capture:
        ports.update((source, dest))
    broker = ports.most_common(1)[0][0] if ports else 0
    seen: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for at, _, dest, payload in capture:
        for m in _TOPIC.finditer(payload):
            seq = _SEQ.search(payload, m.end())
            if seq is None:
                continue
            into_broker = dest == broker
            if m.group(2) == b"event":
                hop = HOPS[0] if into_broker else HOPS[1]
            else:
                hop = HOPS[2] if into_broker else HOPS[3]
            seen[(m.group(1).decode(), int(seq.group(1)))].setdefault(hop, at)
    return seen


def spans(seen: dict[tuple[str, int], dict[str, float]]) -> dict[str, list[float]]:
    """Milliseconds spent in the broker on the way in, in the core, in the broker on the way
    out, and from the event's packet to the ack's, over the taps seen at all four hops."""
    out: dict[str, list[float]] = {
        "broker, in": [],
        "core": [],
        "broker, out": [],
        "event -> ack": [],
    }
    for times in seen.values():
        if len(times) < len(HOPS):
            continue
        t = [times[h] * 1000 for h in HOPS]
        out["broker, in"].append(t[1] - t[0])
        out["core"].append(t[2] - t[1])
        out["broker, out"].append(t[3] - t[2])
        out["event -> ack"].append(t[3] - t[0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("capture", type=Path, help="a pcap file written by tcpdump -w")
    args = parser.parse_args()
    found = spans(hops(packets(args.capture.read_bytes())))
    taps = len(found["core"])
    if not taps:
        raise SystemExit("no tap was seen at all four hops (was the benchmark running?)")
    print(f"{taps} taps seen at all four hops; times in ms between the packets")
    for name, values in found.items():
        print(
            f"{name:14s} p50={percentile(values, 50):.3f} p90={percentile(values, 90):.3f}"
            f" p99={percentile(values, 99):.3f}"
        )


if __name__ == "__main__":
    main()
