"""This checkout beside an earlier commit: the tap → view and ingest benchmarks run in
turns, each version from its own tree, and their medians side by side.

    python3 tasks.py bench versus [--against b01de4d] [--this COMMIT] [--runs 3]
                                  [--ingest-seconds 8] [--only tap|ingest]
                                  [--normal-priority]

A single run says little on a machine doing other work: two runs of one version differ as
much as two versions do. Turns (earlier then this, this then earlier, …) spread whatever
else the machine does over both alike, and the median of each figure keeps one odd run from
deciding. As root, every benchmark process runs at real-time priority (``chrt -f 10``) so
the rest of the machine weighs on neither. The earlier commit is checked out into a
temporary worktree and removed afterwards (``--this``: the later one too, so this checkout
may change while they run); both use this checkout's virtual environment. The tap → view
benchmark's own process, the measuring client, runs with its collector off (see
``QUIET_CLIENT``). ``--only``: one of the two benchmarks, so that a turn is short and more
turns fit in the same time (on a machine whose speed drifts, closer turns compare better).
Each turn says what share of the machine's CPU time its host gave to others meanwhile
(steal, on a virtual machine). ``--normal-priority``: without ``chrt``, as the core runs at a
site (real-time priority changes how its threads and the broker's hand the processor over).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
#: The core before the reshape into one path (domain events, the batch step).
BEFORE_RESHAPE = "b01de4d"

#: (figure, pattern in a benchmark's output, which way is better)
_STATE = r"tap->bay/\{bay\}/state\s+n=\d+ p50=([\d.]+) ms p99=([\d.]+)"
_LOUNGE = r"tap->view/lounge\s+n=\d+ p50=([\d.]+) ms p99=([\d.]+)"
_SQLITE_CPU = r"SQLite synchronous=FULL\s+sustained.*core threads ([\d.]+ \+ [\d.]+) µs"
_PG_CPU = r"PostgreSQL\s+sustained.*core threads ([\d.]+ \+ [\d.]+) µs"
_SQLITE_SWITCHED = r"SQLite synchronous=FULL\s+sustained.*switched out ([\d.]+) times"
_PG_SWITCHED = r"PostgreSQL\s+sustained.*switched out ([\d.]+) times"
FIGURES: tuple[tuple[str, str, int, str], ...] = (
    ("raw round trip p50 ms", r"raw publish->subscribe\s+n=\d+ p50=([\d.]+)", 1, "lower"),
    ("tap->bay state p50 ms", _STATE, 1, "lower"),
    ("tap->bay state p99 ms", _STATE, 2, "lower"),
    ("tap->lounge p50 ms", _LOUNGE, 1, "lower"),
    ("tap->lounge p99 ms", _LOUNGE, 2, "lower"),
    ("ingest SQLite events/s", r"SQLite synchronous=FULL\s+sustained\s+(\d+)", 1, "higher"),
    ("ingest PostgreSQL events/s", r"PostgreSQL\s+sustained\s+(\d+)", 1, "higher"),
    ("SQLite core threads µs/event", _SQLITE_CPU, 1, "lower"),
    ("PostgreSQL core threads µs/event", _PG_CPU, 1, "lower"),
    ("SQLite threads switched/event", _SQLITE_SWITCHED, 1, "lower"),
    ("PostgreSQL threads switched/event", _PG_SWITCHED, 1, "lower"),
)


def figures(output: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for name, pattern, group, _ in FIGURES:
        match = re.search(pattern, output)
        if match:  # "a + b": the two threads' CPU, added up
            found[name] = sum(float(x) for x in match.group(group).split("+"))
    return found


def priority(realtime: bool) -> list[str]:
    if realtime and os.geteuid() == 0 and shutil.which("chrt"):
        return ["chrt", "-f", "10"]
    return []


#: Runs a benchmark module with the collector of its own process off. The tap → view
#: benchmark's process is the measuring client: its full collections (up to 100 ms as it
#: gathers what it received) would be counted in some tap's latency, of either version
#: alike. The core it measures is its own process, with its collector as it ships.
QUIET_CLIENT = (
    "import gc, runpy, sys; gc.disable(); "
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
)


def cpu_times() -> tuple[int, int] | None:
    """(all, stolen) jiffies of every core since boot, where the system says (Linux): on a
    virtual machine, time the host gave another guest is time a benchmark did not get."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields[:8]]
    return sum(ticks), ticks[7] if len(ticks) > 7 else 0


def stolen_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str:
    if before is None or after is None or after[0] <= before[0]:
        return "n/a"
    return f"{100 * (after[1] - before[1]) / (after[0] - before[0]):.0f} %"


def run_benchmark(
    tree: Path,
    module: str,
    args: list[str],
    quiet: bool = False,
    ours: bool = False,
    realtime: bool = True,
) -> str:
    """``module`` of ``tree`` against that tree's core; ``ours``: this checkout's file of
    the module (written to run against earlier cores) with the tree's bench helpers."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if ours:
        start = [str(HERE / (module.replace(".", "/") + ".py"))]
    else:
        start = ["-c", QUIET_CLIENT, module] if quiet else ["-m", module]
    command = [*priority(realtime), sys.executable, *start, *args]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{module} in {tree} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def one_turn(
    tree: Path,
    ingest_seconds: int,
    postgres: str | None,
    only: str | None = None,
    realtime: bool = True,
) -> dict[str, float]:
    out = ""
    if only in (None, "tap"):
        out += run_benchmark(tree, "bench.tap_to_view", [], quiet=True, realtime=realtime)
    if only in (None, "ingest"):
        ingest = ["--seconds", str(ingest_seconds)]
        if postgres:
            ingest += ["--postgres", postgres]
        out += run_benchmark(tree, "bench.ingest", ingest, ours=True, realtime=realtime)
    return figures(out)


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    parent = Path(tempfile.mkdtemp(prefix="pitboard-versus-"))
    tree = parent / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(tree), revision], cwd=HERE, check=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=HERE, check=False)
        shutil.rmtree(parent, ignore_errors=True)


def report(revision: str, runs: dict[str, list[dict[str, float]]]) -> None:
    """The medians, and the median of each turn's ratio: a turn's two runs are minutes
    apart, so where the machine's speed drifts over the whole run, the ratio within a turn
    carries less of the drift than the ratio of the medians."""
    print(f"\nmedians of {len(runs['this'])} turns each ({revision} = before):")
    print(f"{'figure':30s} {'before':>10s} {'this':>10s} {'this/before':>12s} {'per turn':>9s}")
    for name, _, _, better in FIGURES:
        pairs = [
            (b[name], n[name])
            for b, n in zip(runs["before"], runs["this"], strict=False)
            if name in b and name in n
        ]
        if not pairs:
            continue
        b = statistics.median(p[0] for p in pairs)
        n = statistics.median(p[1] for p in pairs)
        turns = statistics.median(p[1] / p[0] for p in pairs)
        print(f"{name:30s} {b:10.2f} {n:10.2f} {n / b:12.3f} {turns:9.3f}  {better} is better")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default=BEFORE_RESHAPE, help="the earlier commit")
    parser.add_argument(
        "--this", default=None, help="a commit to measure instead of this checkout's files"
    )
    parser.add_argument("--runs", type=int, default=3, help="turns of each version")
    parser.add_argument("--ingest-seconds", type=int, default=8)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL for the ingest runs")
    parser.add_argument("--only", choices=["tap", "ingest"], default=None)
    parser.add_argument(
        "--normal-priority",
        action="store_true",
        help="run the benchmarks at the priority of any process, not real-time as root",
    )
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "this": []}
    mine = checkout(args.this) if args.this else nullcontext(HERE)
    with checkout(args.against) as before, mine as this:
        for turn in range(args.runs):
            pair = [("before", before), ("this", this)]
            # Each version goes first in every other turn: whatever favours the first (or
            # the second) run of a turn weighs on both alike.
            for label, tree in pair if turn % 2 == 0 else pair[::-1]:
                began = cpu_times()
                found = one_turn(
                    tree, args.ingest_seconds, args.postgres, args.only, not args.normal_priority
                )
                runs[label].append(found)
                shown = ", ".join(f"{k} {v:g}" for k, v in found.items())
                stolen = stolen_share(began, cpu_times())
                print(f"turn {turn + 1} {label}: {shown} (CPU stolen: {stolen})", flush=True)
    report(args.against, runs)


if __name__ == "__main__":
    main()
