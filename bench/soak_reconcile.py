"""Every device's events against the core's inbox and audit log, every print against what
the printers put on paper, every key event against where the keys really were.

Pure functions over what was read: the tap logs, the tablet's record, the printers' paper,
the readers' log of keys hung up and taken, and the core's database (bench/soak_read.py).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.soak_printer import Ticket
from bench.soak_readers import KeyChange
from bench.soak_taplog import TapLog
from core.contract.printing import PrintJob
from devices.tickets import render


@dataclass(frozen=True)
class Applied:
    """An event as the core's audit log has it, in the order applied."""

    source: str
    seq: int
    type: str
    at: datetime
    data: dict[str, object]


@dataclass
class EventFigures:
    """One device's (or a group's) events, reconciled."""

    sent: int = 0  # taps saved / events published, each to be applied exactly once
    applied_once: int = 0
    lost: int = 0
    twice: int = 0
    out_of_order: int = 0
    refused: int = 0
    unexpected: int = 0  # applied, but no device made it
    cut_off: int = 0  # taps cut off by a kill before the outbox had them
    cut_off_applied: int = 0
    destroyed: int = 0  # taps waiting in an outbox that was deleted
    destroyed_applied: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: EventFigures) -> None:
        for f in fields(self):
            if f.type == "int":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.problems += other.problems


def out_of_order(order: Sequence[int]) -> int:
    """How many would have to move for ``order`` to rise: its length less its longest
    strictly rising run (not necessarily adjacent)."""
    tails: list[int] = []
    for x in order:
        i = bisect.bisect_left(tails, x)
        tails[i : i + 1] = [x]
    return len(order) - len(tails)


def _refused(inbox: Iterable[tuple[int, str, str | None]]) -> list[str]:
    return [f"#{seq} {code}" for seq, result, code in inbox if result == "rejected"]


def _match_taps(
    log: TapLog, applied: list[Applied]
) -> tuple[Counter[int], list[int], list[Applied]]:
    """How often each tap was applied, the taps in the order first applied, and the applied
    events no tap accounts for."""
    index = log.by_ts()
    hits: Counter[int] = Counter()
    order: list[int] = []
    unmatched: list[Applied] = []
    for a in applied:
        tap = index.get((a.type, a.at))
        if tap is None:
            unmatched.append(a)
            continue
        hits[tap.n] += 1
        if hits[tap.n] == 1:  # a second application counts as twice, not as a move
            order.append(tap.n)
    for tap in sorted(log.taps.values(), key=lambda t: t.n):
        if tap.saved or tap.resolved is False:
            continue
        # Cut off before its time was known: it may have become the next event of its type.
        same = next((a for a in unmatched if a.type == tap.type), None)
        if same is not None:
            unmatched.remove(same)
            hits[tap.n] += 1
    return hits, order, unmatched


def reconcile_taps(
    device: str, log: TapLog, applied: list[Applied], inbox: list[tuple[int, str, str | None]]
) -> EventFigures:
    """A kiosk's tap log against the core: every saved tap applied once, in tap order."""
    out = EventFigures()
    hits, order, unmatched = _match_taps(log, applied)
    for tap in log.taps.values():
        n = hits[tap.n]
        out.sent += tap.must_apply
        out.applied_once += tap.must_apply and n == 1
        out.twice += n > 1
        out.cut_off += tap.uncertain
        out.cut_off_applied += tap.uncertain and n == 1
        out.destroyed += tap.destroyed
        out.destroyed_applied += tap.destroyed and n == 1
        if tap.must_apply and n == 0:
            out.lost += 1
            out.problems.append(f"{device}: tap {tap.n} ({tap.type} at {tap.ts}) never applied")
        if n > 1:
            out.problems.append(f"{device}: tap {tap.n} ({tap.type} at {tap.ts}) applied {n}×")
    out.out_of_order = out_of_order(order)
    out.unexpected = len(unmatched)
    out.problems += [f"{device}: #{a.seq} {a.type} at {a.at} tapped by no one" for a in unmatched]
    refused = _refused(inbox)
    out.refused = len(refused)
    out.problems += [f"{device}: refused {r}" for r in refused]
    if out.out_of_order:
        out.problems.append(f"{device}: {out.out_of_order} taps applied out of order")
    return out


def reconcile_sent(
    device: str,
    sent: dict[int, tuple[str, datetime]],
    applied: list[Applied],
    inbox: list[tuple[int, str, str | None]],
) -> EventFigures:
    """A client that numbers its own events: each number applied once, in order, as sent."""
    out = EventFigures(sent=len(sent))
    seqs = Counter(a.seq for a in applied)
    for a in applied:
        if sent.get(a.seq) != (a.type, a.at):
            out.unexpected += 1
            out.problems.append(f"{device}: #{a.seq} {a.type} at {a.at} was not sent so")
    for seq in sent:
        n = seqs[seq]
        out.applied_once += n == 1
        out.lost += n == 0
        out.twice += n > 1
        if n != 1:
            out.problems.append(f"{device}: #{seq} applied {n}×")
    out.out_of_order = out_of_order(list(dict.fromkeys(a.seq for a in applied)))
    refused = _refused(inbox)
    out.refused = len(refused)
    out.problems += [f"{device}: refused {r}" for r in refused]
    return out


def reconcile_device_events(
    device: str, applied: list[Applied], inbox: list[tuple[int, str, str | None]]
) -> EventFigures:
    """The bridge's own events (what it saw is checked against the printers and readers):
    none applied twice, in the order numbered, none refused, no number skipped."""
    out = EventFigures(sent=len(inbox))
    seen = Counter((a.type, a.at, repr(sorted(a.data.items()))) for a in applied)
    out.twice = sum(n - 1 for n in seen.values() if n > 1)
    out.applied_once = len(seen)
    out.out_of_order = out_of_order([a.seq for a in applied])
    seqs = [seq for seq, _, _ in inbox]
    out.lost = (max(seqs) - len(seqs)) if seqs else 0
    refused = _refused(inbox)
    out.refused = len(refused)
    out.problems += [f"{device}: refused {r}" for r in refused]
    if out.twice or out.out_of_order or out.lost:
        out.problems.append(
            f"{device}: {out.twice} applied twice, {out.out_of_order} out of order, "
            f"{out.lost} numbers missing in the inbox"
        )
    return out


# ------------------------------------------------------------------ prints
@dataclass(frozen=True)
class PrintRecord:
    print_id: str
    printer: str
    state: str
    job: dict[str, object]


@dataclass
class PrintFigures:
    asked: int = 0
    on_paper_once: int = 0
    lost: int = 0
    doubled: int = 0
    marked_reprints: int = 0  # copies headed as a reprint
    second_copies: int = 0  # prints with a whole copy and a reprint after it
    not_done: int = 0  # the core still waits for it
    done_not_on_paper: int = 0  # reported printed, but no whole copy came out
    cut_short: int = 0  # partial tickets (paper ended, connection cut): reprinted after
    unknown: int = 0  # tickets that are no print the core asked for
    discarded: int = 0  # sent to a printer without paper
    problems: list[str] = field(default_factory=list)


def _expected(record: PrintRecord, widths: Mapping[str, int]) -> bytes:
    job = PrintJob.model_validate(record.job)
    return render(job.doc, widths[record.printer], ZoneInfo(job.zone))


def _copies(
    tickets: list[Ticket], expected: dict[str, tuple[str, bytes]], out: PrintFigures
) -> tuple[Counter[str], Counter[str]]:
    """Whole copies of each print: as rendered, and after a reprint heading."""
    by_bytes = {(printer, data): pid for pid, (printer, data) in expected.items()}
    plain: Counter[str] = Counter()
    marked: Counter[str] = Counter()
    for t in tickets:
        pid = None if t.cut else by_bytes.get((t.printer, t.data))
        if pid is not None:
            plain[pid] += 1
            continue
        heads = [
            p for p, (pr, data) in expected.items() if pr == t.printer and t.data.endswith(data)
        ]
        if heads and not t.cut:
            marked[heads[0]] += 1
        elif t.cut or any(
            pr == t.printer and data.startswith(t.data) for pr, data in expected.values()
        ):
            out.cut_short += 1
        else:
            out.unknown += 1
            out.problems.append(f"{t.printer}: a ticket of {len(t.data)} bytes matches no print")
    return plain, marked


def reconcile_prints(
    records: list[PrintRecord], tickets: list[Ticket], widths: Mapping[str, int], discarded: int
) -> PrintFigures:
    out = PrintFigures(asked=len(records), discarded=discarded)
    expected = {r.print_id: (r.printer, _expected(r, widths)) for r in records}
    plain, marked = _copies(tickets, expected, out)
    for r in records:
        copies = plain[r.print_id] + marked[r.print_id]
        out.on_paper_once += plain[r.print_id] == 1 and marked[r.print_id] == 0
        out.marked_reprints += marked[r.print_id]
        out.second_copies += plain[r.print_id] > 0 and marked[r.print_id] > 0
        out.not_done += r.state != "done"
        if copies == 0:
            out.lost += 1
            out.done_not_on_paper += r.state == "done"
            out.problems.append(f"{r.printer}: print {r.print_id} ({r.state}) not on paper")
        if plain[r.print_id] > 1:
            out.doubled += 1
            out.problems.append(f"{r.printer}: print {r.print_id} came out {copies}×")
    return out


# ------------------------------------------------------------------ keys
@dataclass(frozen=True)
class KeyReport:
    at: float
    kind: str
    tag: str
    slot: int


@dataclass
class KeyFigures:
    changes: int = 0
    reported: int = 0
    false: int = 0  # an event saying the opposite of where the key was
    restated: int = 0  # the same again (a bridge started again reads the key once more)
    missed: int = 0  # a change the bridge was there to see, never reported
    unseeable: int = 0  # made while no bridge was running to see it
    problems: list[str] = field(default_factory=list)

    def add(self, other: KeyFigures) -> None:
        for f in fields(self):
            if f.type == "int":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.problems += other.problems


Life = tuple[float, float | None]
Span = tuple[float, float]  # a time the reader's line was read off (bench/soak_readers.py)
# A frame is read a moment after the reader sent it (bench/soak_readers.py keeps what is
# unread up to 0.75 s): a key.in is judged by where the key was this long before the report.
FRAME_AGE = 1.0


def _overlap(spans: list[Span], start: float, end: float) -> float:
    return max((min(b, end) - max(a, start) for a, b in spans), default=0.0)


# A reader plugged back is reopened by the bridge within this long (it tries every second).
REOPEN = 1.0
# A bridge must have run this long past a key.out's due time to be said to have missed it.
MARGIN = 2.0
# A belief read this long before a bridge was killed is on disk (its event and the custody
# file written within a moment of the frame).
KEPT = 2.0


def _out_due(at: float, unplugged: list[Span], gap: float) -> float:
    """When a key taken at ``at`` is due to be reported: a gap of silence after it, or
    after the reader is back if it was unplugged before then."""
    due = at + gap
    for start, end in sorted(unplugged):
        if start <= due and end > due - gap - REOPEN:
            due = end + REOPEN + gap
    return due


def _seeable(change: KeyChange, before: float, after: float, where: KeyWatch) -> bool:
    """Whether a running bridge read the line while it could see the change: a key hung
    up between ``change.at`` and the next change (``after``); a key taken by a bridge that
    read it hanging (since ``before``) and ran on until the change was due; or, the bridge
    keeping what it believed across a restart (devices/custody_file.py), taken while no
    bridge ran or before a restart, when a later bridge ran a gap past its start."""
    if change.kind == "key.in":
        return _overlap(where.reading, change.at, after) >= 1.0
    due = _out_due(change.at, where.unplugged, where.gap)
    for start, end in where.lives:
        if end is not None and end < due + MARGIN:
            continue
        if _overlap(where.reading, max(start, before), change.at - FRAME_AGE) >= FRAME_AGE:
            return True
    return _seen_by_a_later_run(change, before, after, due, where)


def _seen_by_a_later_run(
    change: KeyChange, before: float, after: float, due: float, where: KeyWatch
) -> bool:
    """A run that read the key hanging kept it believed (at least ``KEPT`` before it ended,
    so the belief was surely on disk); a later run that lasted past its own start, the
    reopen and the gap reports it gone."""
    read_by = [  # the ends of the runs that read it hanging
        end
        for start, end in where.lives
        if end is not None
        and _overlap(where.reading, max(start, before), min(end - KEPT, change.at) - FRAME_AGE)
        >= FRAME_AGE
    ]
    if not read_by:
        return False
    for start, end in where.lives:
        if start < min(read_by):
            continue
        own_due = max(due, _out_due(start + REOPEN, where.unplugged, where.gap))
        if own_due + MARGIN > after:
            return False  # hung back before this run could find it gone
        if end is None or end >= own_due + MARGIN:
            return True
    return False


def _change_shown(changes: list[KeyChange], times: list[float], r: KeyReport) -> int | None:
    """The change a report agrees with (the key's place at the report, or for a key.in a
    moment before), as an index into ``changes``; -1 before the first; None: it agrees
    with none of them."""
    moments = (r.at, r.at - FRAME_AGE) if r.kind == "key.in" else (r.at,)
    for at in moments:
        i = bisect.bisect_right(times, at) - 1
        present = i >= 0 and changes[i].kind == "key.in"
        if (r.kind == "key.in") == present and (i < 0 or r.tag == changes[i].tag):
            return i
    return None


@dataclass(frozen=True)
class KeyWatch:
    """What was there to see one hook: the bridge's runs, when its reader's line was read,
    when the reader was unplugged, and the silence that means a key is gone."""

    lives: list[Life]
    reading: list[Span]
    unplugged: list[Span]
    gap: float


def reconcile_keys(
    changes: list[KeyChange], reports: list[KeyReport], where: KeyWatch
) -> KeyFigures:
    """One hook: what the readers told the core against when the key was hung and taken."""
    out = KeyFigures(changes=len(changes), reported=len(reports))
    times = [c.at for c in changes]
    reported: set[int] = set()
    for r in reports:
        i = _change_shown(changes, times, r)
        if i is None:
            out.false += 1
            out.problems.append(f"slot {r.slot}: {r.kind} {r.tag} at {r.at:.3f} is false")
        elif i >= 0 and i not in reported:
            reported.add(i)
        else:
            out.restated += 1
    # What the bridge believes hangs there, kept across its restarts: a key it believes on
    # the hook that was taken and hung back unseen is no change to it (neither is reported).
    believed_in = False
    for i, c in enumerate(changes):
        if i in reported:
            believed_in = c.kind == "key.in"
            continue
        before = changes[i - 1].at if i > 0 else 0.0
        after = changes[i + 1].at if i + 1 < len(changes) else float("inf")
        hidden = (c.kind == "key.in") == believed_in
        if not hidden and _seeable(c, before, after, where):
            out.missed += 1
            out.problems.append(f"slot {c.slot}: {c.kind} {c.tag} at {c.at:.3f} never reported")
        else:
            out.unseeable += 1
    return out
