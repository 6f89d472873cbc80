"""The soak (bench/soak.py): its reconciliation counts every kind of loss it claims to,
its printer and key readers speak as real ones do to the real device code, and a short run
of the real processes under more than 50 faults loses nothing, applies nothing twice or
out of order, and prints and reports keys exactly as they happened."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.soak_kiosk import shift_step
from bench.soak_printer import PAPER_END, PAPER_OK, PAPER_STATUS, PrinterServer, Ticket
from bench.soak_readers import KeyChange, PtyReader, noise
from bench.soak_reconcile import (
    Applied,
    KeyReport,
    KeyWatch,
    PrintRecord,
    out_of_order,
    reconcile_keys,
    reconcile_prints,
    reconcile_sent,
    reconcile_taps,
)
from bench.soak_taplog import TapWriter, read
from core.contract.printing import KeyTag, PrintJob
from core.store.repository import Store
from devices.keyframes import Custody, Em4100Decoder, em4100_frame
from devices.keyreader import KeyReader, ReaderSpec
from devices.tickets import render
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def ts(s: float) -> str:
    return at(s).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ reconciliation
def test_out_of_order_counts_the_events_that_would_have_to_move() -> None:
    assert out_of_order([1, 2, 3, 4]) == 0
    assert out_of_order([2, 1, 3, 4]) == 1
    assert out_of_order([1, 4, 2, 3]) == 1
    assert out_of_order([4, 3, 2, 1]) == 3


def _tap_log(path: Path) -> None:
    """Taps 1–6 saved, 7 cut off by a kill (and later seen to have taken effect), 8 saved
    and then destroyed with its outbox, 9 cut off and redone as 10."""
    w = TapWriter(path)
    kinds = ["tech.signed_in", "job.started", "job.paused", "tech.signed_out"]
    for n in range(1, 7):
        w.write(kind="intent", n=n, k=n - 1, type=kinds[(n - 1) % 4])
        w.write(kind="saved", n=n, ts=ts(n), seq=n)
    w.write(kind="intent", n=7, k=6, type="job.started")
    w.write(kind="resolved", n=7, applied=True)
    w.write(kind="intent", n=8, k=7, type="job.paused")
    w.write(kind="saved", n=8, ts=ts(8), seq=8)
    w.write(kind="destroyed", n=8)
    w.write(kind="intent", n=9, k=8, type="tech.signed_out")
    w.write(kind="resolved", n=9, applied=False)
    w.write(kind="intent", n=10, k=8, type="tech.signed_out")
    w.write(kind="saved", n=10, ts=ts(10), seq=9)
    w.close()


def test_taps_are_reconciled_lost_twice_out_of_order_and_made_by_nobody(tmp_path: Path) -> None:
    path = tmp_path / "taps.jsonl"
    _tap_log(path)
    log = read(path)
    kinds = {n: t.type for n, t in log.taps.items()}

    def applied(n: int, seq: int) -> Applied:
        return Applied("kiosk-b01", seq, kinds[n], at(n), {})

    right = [applied(n, n) for n in range(1, 7)]
    right += [Applied("kiosk-b01", 7, "job.started", at(7.5), {}), applied(10, 8)]
    good = reconcile_taps("kiosk-b01", log, right, [(s, "applied", None) for s in range(1, 9)])
    assert (good.sent, good.applied_once, good.lost, good.twice) == (8, 8, 0, 0)
    assert (good.out_of_order, good.unexpected, good.refused) == (0, 0, 0)
    assert (good.cut_off, good.cut_off_applied, good.destroyed, good.destroyed_applied) == (
        2,
        1,
        1,
        0,
    )

    wrong = [applied(2, 1), applied(1, 2), applied(3, 3), applied(3, 4), applied(4, 5)]
    wrong += [Applied("kiosk-b01", 6, "job.resumed", at(99), {})]
    bad = reconcile_taps(
        "kiosk-b01", log, wrong, [(1, "applied", None), (2, "rejected", "illegal_transition")]
    )
    assert bad.lost == 4  # 5, 6, the cut-off 7 seen to take effect, 10
    assert bad.twice == 1 and bad.out_of_order == 1
    assert bad.unexpected == 1 and bad.refused == 1
    assert any("never applied" in p for p in bad.problems)


def test_a_client_numbering_its_own_events_is_held_to_its_numbers() -> None:
    sent = {
        1: ("tech.signed_in", at(1)),
        2: ("tech.signed_out", at(2)),
        3: ("tech.signed_in", at(3)),
    }
    ok = [Applied("tablet-b08", s, t, a, {}) for s, (t, a) in sent.items()]
    assert reconcile_sent("tablet-b08", sent, ok, []).applied_once == 3
    swapped = [ok[1], ok[0], ok[1]]
    bad = reconcile_sent("tablet-b08", sent, swapped, [])
    assert (bad.lost, bad.twice, bad.out_of_order) == (1, 1, 1)


def _print(pid: str, state: str = "done") -> PrintRecord:
    doc = KeyTag(ro=f"RO-{pid}", plate="京A12345", promised_at=T0, tag="5A0000C001", slot=3)
    job = PrintJob(print_id=pid, printer="printer-desk", doc=doc, zone="Asia/Shanghai")
    return PrintRecord(pid, "printer-desk", state, job.model_dump(mode="json"))


def test_prints_are_reconciled_against_the_paper() -> None:
    records = [_print(p) for p in "ABCDE"] + [_print("F", "pending")]
    paper = {r.print_id: render(KeyTag.model_validate(r.job["doc"]), 80, ZONE) for r in records}

    def ticket(data: bytes, cut: bool = False) -> Ticket:
        return Ticket("printer-desk", data, cut, 0.0)

    tickets = [
        ticket(paper["A"]),
        ticket(paper["B"]),
        ticket(paper["B"]),  # doubled
        ticket(b"\x1b@REPRINT\n" + paper["C"]),  # a second copy, headed as one
        ticket(paper["C"]),
        ticket(paper["E"][:100], cut=True),  # paper ended in it; printed again after
        ticket(paper["E"]),
        ticket(b"\x1b@nobody asked for this"),
    ]
    out = reconcile_prints(records, tickets, {"printer-desk": 80}, discarded=0)
    assert out.asked == 6
    assert out.on_paper_once == 2  # A and E
    assert out.doubled == 1 and out.marked_reprints == 1 and out.second_copies == 1
    assert out.lost == 2 and out.done_not_on_paper == 1 and out.not_done == 1  # D, F
    assert out.cut_short == 1 and out.unknown == 1


def test_key_events_are_judged_by_where_the_key_really_was() -> None:
    tag = "5A0000C001"
    changes = [
        KeyChange(100.0 + 10 * i, "key.in" if i % 2 == 0 else "key.out", tag, 1)
        for i in range(7)  # in at 100, out at 110, … in at 160
    ]
    reports = [
        KeyReport(100.2, "key.in", tag, 1),
        KeyReport(105.0, "key.out", tag, 1),  # false: the key hung there
        KeyReport(106.0, "key.in", tag, 1),  # the same again
        KeyReport(112.1, "key.out", tag, 1),
        KeyReport(120.3, "key.in", tag, 1),
        # 130's key.out never came, though the bridge ran and had read the key hanging
        KeyReport(140.3, "key.in", tag, 1),
        # 150's key.out: the reader was unplugged at once, back at 153: due by 156
        # 160's key.in: nobody read the line any more
    ]
    reading = [(90.0, 138.0), (141.0, 149.0)]
    unplugged = [(150.5, 153.0)]
    out = reconcile_keys(changes, reports, KeyWatch([(0.0, 154.0)], reading, unplugged, 2.0))
    assert (out.false, out.restated, out.missed, out.unseeable) == (1, 1, 1, 2)
    on = reconcile_keys(changes, reports, KeyWatch([(0.0, None)], reading, unplugged, 2.0))
    assert (on.missed, on.unseeable) == (2, 1), "a bridge that ran on would have seen 150's"


def test_a_key_taken_while_no_bridge_ran_is_seeable_by_the_next_run() -> None:
    """The bridge keeps what it believed across a restart: a key it read hanging and that
    was taken while it was stopped must be reported by the next run that lasts a gap."""
    tag = "5A0000C001"
    changes = [KeyChange(100.0, "key.in", tag, 1), KeyChange(125.0, "key.out", tag, 1)]
    reports = [KeyReport(100.2, "key.in", tag, 1)]  # the key.out never came
    reading = [(90.0, 120.0), (131.0, 200.0)]
    lasted = KeyWatch([(0.0, 120.0), (130.0, None)], reading, [], 2.0)
    out = reconcile_keys(changes, reports, lasted)
    assert (out.missed, out.unseeable) == (1, 0)
    cut_short = KeyWatch([(0.0, 120.0), (130.0, 133.0)], reading, [], 2.0)
    assert reconcile_keys(changes, reports, cut_short).unseeable == 1, "gone before a gap"
    never_read = KeyWatch([(0.0, 99.0), (130.0, None)], [(131.0, 200.0)], [], 2.0)
    assert reconcile_keys(changes, reports, never_read).unseeable == 1, "hung while none ran"
    # Taken while the bridge was down and hung back before a run found it gone: to the
    # bridge, which believes it on its hook all along, nothing happened (neither is due).
    back = [*changes, KeyChange(131.5, "key.in", tag, 1)]
    quick = KeyWatch([(0.0, 120.0), (130.0, None)], reading, [], 2.0)
    judged = reconcile_keys(back, reports, quick)
    assert (judged.missed, judged.unseeable) == (0, 2)


# ------------------------------------------------------------------ the kiosks' shift
@pytest.fixture
def shop(store: Store, tmp_path: Path) -> Iterator[Workshop]:
    w = demo_workshop(store, tmp_path)
    yield w
    w.close()


def test_every_step_of_the_soak_shift_is_taken_and_shows_on_the_bays_screen(
    shop: Workshop,
) -> None:
    """The kiosks' shift is never refused when applied in order, and the bay's screen tells
    whether a step took effect — what a kiosk killed mid-tap goes by when it comes back."""
    jobs = [shop.job("B03", plate=f"京A1234{n}") for n in range(3)]
    station = shop.station("B03")
    wait_until(lambda: station.state is not None, "the bay's screen")
    for k in range(1 + 4 * 4):  # every car started, then resumed once
        step = shift_step(k, "T003", jobs)
        assert station.state is not None
        assert not step.shown(station.state), f"step {k} ({step.type}) shows before it is taken"
        step.act(station)
        shop.settle("B03")
        wait_until(lambda: step.shown(station.state), f"step {k} ({step.type}) on the screen")  # noqa: B023
    assert not station.problems, [p.code for p in station.problems]


# ------------------------------------------------------------------ the printer
def _talk(port: int, *chunks: bytes, answers: int = 0) -> bytes:
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for chunk in chunks:
            s.sendall(chunk)
            if chunk.startswith(PAPER_STATUS) and answers:
                got += s.recv(1)
    return got


def test_the_printer_answers_its_paper_and_keeps_whole_tickets() -> None:
    printer = PrinterServer("printer-desk")
    printer.listen()
    try:
        assert _talk(printer.port, PAPER_STATUS, b"ticket one", answers=1) == PAPER_OK
        wait_until(lambda: len(printer.received()) == 1, "the first ticket")
        printer.paper = False
        assert _talk(printer.port, PAPER_STATUS, answers=1) == PAPER_END
        _talk(printer.port, b"sent regardless")
        wait_until(lambda: printer.discarded == 1, "the ticket without paper dropped")
        printer.paper = True
        printer.stall()
        _talk(printer.port, PAPER_STATUS + b"ticket two")
        wait_until(lambda: printer.connections == 4, "the stalled printer took the line")
        assert len(printer.received()) == 1, "a stalled printer reads nothing"
        printer.resume()
        wait_until(lambda: len(printer.received()) == 2, "the stalled ticket after all")
        printer.refuse()
        with pytest.raises(ConnectionRefusedError):
            _talk(printer.port, PAPER_STATUS)
        assert [t.data for t in printer.received()] == [b"ticket one", b"ticket two"]
    finally:
        printer.close()


# ------------------------------------------------------------------ the readers
def test_a_pty_reader_is_read_by_the_real_key_reader(tmp_path: Path) -> None:
    """Hang, take, noise and an unplug of an empty hook: exactly the two changes."""
    reader = PtyReader(tmp_path / "slot7", 7, "5A0000C001").start()
    seen: list[Custody] = []
    spec = ReaderSpec(url=str(reader.path), cabinet="KC1", slot=7, gap_seconds=1.0)
    key_reader = KeyReader(spec, lambda _s, c: seen.append(c)).start()
    try:
        wait_until(lambda: key_reader.port_open, "the port opened")
        reader.noisy = True
        reader.hang()
        wait_until(lambda: len(seen) == 1, "the key seen", timeout=10)
        wait_until(lambda: reader.reading, "the line being read", timeout=10)
        reader.take()
        wait_until(lambda: len(seen) == 2, "the key gone", timeout=10)
        reader.unplug()
        wait_until(lambda: not key_reader.port_open, "the reader gone", timeout=10)
        reader.plug()
        wait_until(lambda: key_reader.port_open, "the reader back", timeout=10)
        assert [(c.kind, c.tag) for c in seen] == [
            ("key.in", "5A0000C001"),
            ("key.out", "5A0000C001"),
        ]
        wait_until(lambda: key_reader.garbage > 0, "the noise read and thrown away")
    finally:
        key_reader.stop()
        reader.stop()


# ------------------------------------------------------------------ faults the bridge must see
def test_a_printer_that_hangs_up_is_not_reported_printed() -> None:
    """The printer takes the status request and closes the line without a word."""
    from devices.printers import NetworkPrinter, PrintError

    printer = PrinterServer("printer-desk")
    printer.listen()
    printer.hang_up = True
    try:
        with pytest.raises(PrintError):
            NetworkPrinter("127.0.0.1", printer.port, timeout=2.0).send(b"a ticket", "p1")
    finally:
        printer.close()


def test_a_ticket_cut_short_by_the_paper_is_not_reported_printed() -> None:
    from devices.printers import NetworkPrinter, PrintError

    printer = PrinterServer("printer-desk")
    printer.listen()
    printer.cut_next = True
    try:
        with pytest.raises(PrintError):
            NetworkPrinter("127.0.0.1", printer.port, timeout=2.0).send(b"a ticket " * 50, "p1")
    finally:
        printer.close()


def test_a_reader_unplugged_under_a_hanging_key_reports_nothing(tmp_path: Path) -> None:
    reader = PtyReader(tmp_path / "slot7", 7, "5A0000C001").start()
    seen: list[Custody] = []
    spec = ReaderSpec(url=str(reader.path), cabinet="KC1", slot=7, gap_seconds=1.0)
    key_reader = KeyReader(spec, lambda _s, c: seen.append(c)).start()
    try:
        reader.hang()
        wait_until(lambda: len(seen) == 1, "the key seen", timeout=10)
        reader.unplug()
        time.sleep(2.5)  # longer than the gap: a reader is out for a while
        reader.plug()
        wait_until(lambda: key_reader.port_open and key_reader.reopens >= 2, "back", timeout=10)
        assert [c.kind for c in seen] == ["key.in"], "the key hung there all along"
    finally:
        key_reader.stop()
        reader.stop()


# ------------------------------------------------------------------ the soak itself
def _soak(tmp_path: Path, *args: str) -> dict[str, object]:
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--faults", "60", "--seconds", "35",
         "--drain-seconds", "150", "--json", str(out), *args],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _check(figures: dict[str, object]) -> None:
    faults = figures["faults"]
    assert isinstance(faults, dict) and sum(faults.values()) >= 50
    assert len(faults) >= 8, f"few kinds of fault: {faults}"
    assert figures["zero_counts"] and not any(figures["zero_counts"].values())  # type: ignore[union-attr]
    kiosks = figures["kiosks"]
    assert (
        isinstance(kiosks, dict)
        and kiosks["sent"] > 100
        and kiosks["applied_once"] == kiosks["sent"]
    )
    extra = figures["extra"]
    assert isinstance(extra, dict) and extra["desk_check_ins"] >= 5, "the desk checked cars in"
    prints = figures["prints"]
    assert isinstance(prints, dict) and prints["asked"] > 72 and prints["lost"] == 0


@pytest.mark.slow
@pytest.mark.mosquitto
def test_a_short_soak_on_sqlite_loses_nothing(mosquitto_bin: str, tmp_path: Path) -> None:
    _check(_soak(tmp_path, "--database", "sqlite"))


@pytest.mark.slow
@pytest.mark.mosquitto
@pytest.mark.postgres
def test_a_short_soak_on_postgresql_loses_nothing(
    mosquitto_bin: str, postgres_url: str, tmp_path: Path
) -> None:
    _check(_soak(tmp_path, "--database", "postgresql", "--database-url", postgres_url))


def test_half_a_frame_of_the_soaks_noise_is_never_completed_by_what_follows() -> None:
    """The noise fault must never put a valid frame of the tag on the line, also not across
    writes: half a frame, then stray hex digits and an ETX (what the next burst may be)
    would be a key read from noise, counted against the bridge as a false key event."""
    tag = "5A0000C001"
    good = em4100_frame(tag)
    bursts = (noise(random.Random(seed), tag) for seed in range(2000))
    halves = {b for b in bursts if b.startswith(b"\x02") and len(b) < len(good)}
    assert halves, "the noise sends half frames"
    for half in halves:
        rest = good[len(half.rstrip(b"\xff")) :]  # hex digits and ETX, as strays are made of
        assert Em4100Decoder().feed(half + rest) == [], half
