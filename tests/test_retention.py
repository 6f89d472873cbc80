"""Retention: `pitboard prune` archives and removes the old inbox, audit and print rows on
both stores, keeps each device's place in its numbering, and goes on beside a running core."""

from __future__ import annotations

import gzip
import json
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select

from core.commands import CheckInCar, Dispatch
from core.config import ConfigError, RetentionConfig, parse_config
from core.engine import Core
from core.store.archive import Archive
from core.store.database import make_engine, migrate
from core.store.repository import Store
from core.store.retention import AUDIT, INBOX, PRINTS, Pruner, archived, cutoffs
from pitboard.cli import main
from tests.helpers import DEMO_SITE, Clock, FakeBus, Kiosk, demo_config, order, settle
from tests.waiting import wait_until

DAY = timedelta(days=1)
TABLES = (INBOX, AUDIT, PRINTS)
KEYS = {t.name: tuple(c.name for c in t.primary_key.columns) for t in TABLES}


def rows_of(store: Store, table: Table) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every row of the table, by key."""
    with store.engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(select(table))]
    return {tuple(r[k] for k in KEYS[table.name]): r for r in found}


def everything(store: Store) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    return {t.name: rows_of(store, t) for t in TABLES}


def the_archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "archive" / "demo", demo_config().zone)


def send(core: Core, bus: FakeBus, kiosk: Kiosk, clock: Clock, type_: str, **kw: Any) -> bytes:
    """One event from the device at the clock's time, waited for until answered."""
    answered = len(bus.acks(kiosk.device))
    topic, payload = kiosk.event(type_, ts=clock.now, **kw)
    core.on_message(topic, payload, token=None)
    settle(core, bus, answered + 1, kiosk.device)
    return payload


def print_ids(store: Store) -> list[str]:
    return sorted(key[1] for key in rows_of(store, PRINTS))


class Site:
    """A core on the test's store with a kiosk and a spare tablet at B03, and the bridge."""

    def __init__(self, core: Core, bus: FakeBus, clock: Clock) -> None:
        self.core, self.bus, self.clock = core, bus, clock
        self.kiosk = Kiosk("kiosk-b03", "B03")
        self.tablet = Kiosk("tablet-b03", "B03")
        self.bridge = Kiosk("bridge-1", None)  # type: ignore[arg-type]
        self.cars = 0

    def tap(self, type_: str, device: Kiosk | None = None, **kw: Any) -> bytes:
        return send(self.core, self.bus, device or self.kiosk, self.clock, type_, **kw)

    def printed(self, print_id: str) -> None:
        """The bridge reports the print printed."""
        printer = rows_of(self.core.store, PRINTS)[("demo", print_id)]["printer"]
        self.tap("print.done", self.bridge, tech=None, printer=printer, print_id=print_id)

    def car(self) -> tuple[str, list[str]]:
        """A car checked in (a job ticket and a key tag to print) and dispatched to B03."""
        self.cars += 1
        before = set(print_ids(self.core.store))
        job = self.core.run_command(
            CheckInCar(order(plate=f"京A{self.cars:05d}", key_tag=f"TAG{self.cars}")),
            "advisor:SA01",
        )
        self.core.run_command(Dispatch(job.ro, "B03"), "foreman:F1")
        return str(job.ro), sorted(set(print_ids(self.core.store)) - before)


@pytest.fixture
def site(core: Core, bus: FakeBus, clock: Clock) -> Site:
    return Site(core, bus, clock)


def a_year_on_the_floor(site: Site) -> None:
    """Days 0, 200 and 400 at bay B03, pruned on day 401. The spare tablet is last used on
    day 200; the first car's key tag never comes out of the printer."""
    ro, prints = site.car()
    site.tap("tech.signed_in")  # kiosk #1
    site.tap("job.started", job=ro)  # #2
    site.tap("job.started", job="RO-NOPE")  # #3, refused: in the inbox, not the audit log
    site.tap("tech.signed_in", site.tablet, tech="T002")  # tablet #1
    site.printed(prints[0])  # bridge #1: the job ticket; the key tag never comes out
    site.clock.advance(days=200)
    site.tap("job.paused", job=ro, reason="waiting_parts")  # kiosk #4
    site.tap("tech.signed_out", site.tablet, tech="T002")  # tablet #2, its last
    site.printed(prints[0])  # bridge #2: reported again, the print's time moves on
    site.clock.advance(days=200)
    site.tap("job.resumed", job=ro)  # kiosk #5
    _, prints2 = site.car()
    site.printed(prints2[0])  # bridge #3
    site.clock.advance(days=1)


def limits(now: datetime) -> dict[str, datetime | None]:
    """30 days of inbox and prints, a year of audit log."""
    return {
        "inbox": now - 30 * DAY,
        "audit_log": now - 365 * DAY,
        "prints": now - 30 * DAY,
    }


def test_prune_removes_what_is_older_than_the_limits_and_keeps_the_rest(
    site: Site, store: Store, tmp_path: Path
) -> None:
    a_year_on_the_floor(site)
    before = everything(store)
    cut = limits(site.clock.now)
    done = Pruner(store.engine, "demo", the_archive(tmp_path), batch_rows=2).run(cut)

    after = everything(store)
    for table in TABLES:
        name, clock = table.name, _clock(table.name)
        gone = {k: r for k, r in before[name].items() if k not in after[name]}
        assert after[name].items() <= before[name].items()  # nothing changed, nothing added
        assert gone, f"nothing of {name} was old enough: the history is wrong"
        assert all(r[clock] < cut[name] for r in gone.values()), f"{name}: a newer row went"
        stayed_old = [r for r in after[name].values() if r[clock] < cut[name]]
        assert all(_must_stay(name, r, before[name]) for r in stayed_old)
        assert all(not _must_stay(name, r, before[name]) for r in gone.values())
        assert sum(d.rows for d in done if d.table == name) == len(gone)
    # Each device's latest event stays however old; the never-printed print too.
    assert sorted(k[1:] for k in after["inbox"]) == [
        ("bridge-1", 3),
        ("kiosk-b03", 5),
        ("tablet-b03", 2),  # its latest, 201 days old
    ]
    assert [d.kept for d in done] == [1, 0, 1]  # the tablet's latest; the print never printed


def test_the_archive_holds_exactly_what_was_removed_readable_back(
    site: Site, store: Store, tmp_path: Path
) -> None:
    a_year_on_the_floor(site)
    before = everything(store)
    archive = the_archive(tmp_path)
    done = Pruner(store.engine, "demo", archive, batch_rows=2).run(limits(site.clock.now))

    after = everything(store)
    for table in TABLES:
        name = table.name
        removed = [r for k, r in sorted(before[name].items()) if k not in after[name]]
        back = sorted(archived(archive, table), key=lambda r: tuple(r[k] for k in KEYS[name]))
        assert back == removed
    # Compressed JSON Lines, a file per table and month of the workshop's calendar.
    files = sorted(p.name for p in archive.folder.glob("*.jsonl.gz"))
    assert files == sorted({f.name for d in done for f in d.files})
    assert "inbox-2026-11.jsonl.gz" in files and "audit_log-2026-11.jsonl.gz" in files
    with gzip.open(archive.folder / "inbox-2026-11.jsonl.gz", "rt", encoding="utf-8") as f:
        first = json.loads(f.readline())
    assert first["site"] == "demo" and first["received_at"].endswith("+00:00")
    # Who did what, and the prints' contents: for the user that runs the prune only.
    assert stat.S_IMODE(archive.folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE((archive.folder / f).stat().st_mode) for f in files} == {0o600}


def test_a_batch_in_the_archive_twice_is_read_once(
    site: Site, store: Store, tmp_path: Path
) -> None:
    """A prune whose commit's answer was lost leaves its batch archived and may write it
    again the next night."""
    a_year_on_the_floor(site)
    before = everything(store)
    archive = the_archive(tmp_path)
    Pruner(store.engine, "demo", archive).run(limits(site.clock.now))
    removed = [r for k, r in sorted(before["inbox"].items()) if k not in rows_of(store, INBOX)]
    archive.append("inbox", removed[:2], "received_at")
    back = archived(archive, INBOX)
    assert sorted(back, key=lambda r: (r["source"], r["seq"])) == removed


def test_a_dry_run_changes_nothing_and_counts_what_a_prune_removes(
    site: Site, store: Store, tmp_path: Path
) -> None:
    a_year_on_the_floor(site)
    before = everything(store)
    archive = the_archive(tmp_path)
    pruner = Pruner(store.engine, "demo", archive, batch_rows=2)
    said = pruner.run(limits(site.clock.now), dry_run=True)

    assert everything(store) == before
    assert not archive.folder.exists()
    done = pruner.run(limits(site.clock.now))
    assert [(d.rows, d.months, d.kept) for d in said] == [(d.rows, d.months, d.kept) for d in done]
    assert all(d.rows for d in done)


def test_after_a_prune_a_restarted_core_applies_no_repeat_and_goes_on_numbering(
    site: Site, store: Store, bus: FakeBus, clock: Clock, tmp_path: Path
) -> None:
    ro, _ = site.car()
    sent = [
        site.tap("tech.signed_in"),
        site.tap("job.started", job=ro),
        site.tap("job.started", job="RO-NOPE"),  # refused
        site.tap("job.paused", job=ro, reason="waiting_parts"),
    ]
    clock.advance(days=40)
    site.core.stop()
    Pruner(store.engine, "demo", the_archive(tmp_path)).run(limits(clock.now))
    applied = store.audit_events("kiosk-b03")
    work = store.load_job(ro).segments

    core = Core(demo_config(), store, bus, clock)
    core.start()
    try:
        # Every old tap again (the start twice): #1 – #3 have no row left, #4 has.
        for payload in (*sent, sent[1]):
            core.on_message("pitboard/demo/dev/kiosk-b03/event", payload, token=None)
        other = json.loads(sent[3]) | {"data": {"reason": "tool"}}  # #4 for another tap
        core.on_message("pitboard/demo/dev/kiosk-b03/event", json.dumps(other).encode(), None)
        settle(core, bus, len(sent) + 6)
        acks = bus.acks("kiosk-b03")[len(sent) :]
        assert [a["result"] for a in acks] == ["duplicate"] * 5 + ["rejected"]
        assert acks[-1]["error"]["code"] == "seq_taken" and acks[-1]["next_seq"] == 5
        assert store.audit_events("kiosk-b03") == applied
        assert store.load_job(ro).segments == work
        assert [seq for seq, _, _ in store.inbox_results("kiosk-b03")] == [4]  # only the latest

        send(core, bus, site.kiosk, clock, "job.resumed", job=ro)
        last = bus.acks("kiosk-b03")[-1]
        assert (last["seq"], last["result"]) == (5, "applied")
        assert store.audit_events("kiosk-b03")[-1] == (5, "job.resumed")
    finally:
        core.stop()


def test_a_prune_beside_a_committing_core_loses_nothing(
    site: Site, store: Store, clock: Clock, tmp_path: Path, db_url: str
) -> None:
    ro, _ = site.car()
    site.tap("tech.signed_in")
    site.tap("job.started", job=ro)
    for _ in range(60):
        site.tap("job.paused", job=ro, reason="waiting_parts")
        site.tap("job.resumed", job=ro)
    clock.advance(days=400)
    old = everything(store)
    archive = the_archive(tmp_path)
    taps = Taps(site, ro)

    def between_batches(_table: str, _rows: int) -> None:
        # The core commits at least one more tap before the prune's next transaction.
        seen = taps.answered
        wait_until(lambda: taps.answered > seen, "a tap committed between two batches")

    with taps.running():
        # Its own engine and connections, as `pitboard prune` in a process of its own.
        engine = make_engine(db_url)
        pruner = Pruner(engine, "demo", archive, batch_rows=10, progress=between_batches)
        done = pruner.run(limits(clock.now))
        engine.dispose()
    assert sum(d.rows for d in done) > 200  # the old taps and their audit lines
    assert taps.results == ["applied"] * len(taps.results)  # none lost, none applied twice

    new_taps = list(range(123, 123 + len(taps.results)))
    assert [seq for seq, _, _ in store.inbox_results("kiosk-b03")] == new_taps
    assert [seq for seq, _ in store.audit_events("kiosk-b03")] == new_taps
    now = everything(store)
    for table in TABLES:  # every old row in the archive or still here, and only once
        back = {tuple(r[k] for k in KEYS[table.name]): r for r in archived(archive, table)}
        kept = {k: r for k, r in now[table.name].items() if k in old[table.name]}
        assert not back.keys() & kept.keys()
        assert back | kept == old[table.name]


class Taps:
    """The kiosk pausing and resuming as fast as its answers come, on a thread of its own."""

    def __init__(self, site: Site, ro: str) -> None:
        self.site, self.ro = site, ro
        self.results: list[str] = []
        self._stop = threading.Event()

    @property
    def answered(self) -> int:
        return len(self.results)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.answered % 2 == 0:
                self.site.tap("job.paused", job=self.ro, reason="tool")
            else:
                self.site.tap("job.resumed", job=self.ro)
            self.results.append(self.site.bus.acks("kiosk-b03")[-1]["result"])

    @contextmanager
    def running(self) -> Iterator[None]:
        thread = threading.Thread(target=self._run, name="taps", daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(30)


def _clock(table: str) -> str:
    return {"inbox": "received_at", "audit_log": "recorded_at", "prints": "updated_at"}[table]


def _must_stay(table: str, row: dict[str, Any], rows: dict[Any, dict[str, Any]]) -> bool:
    """An old row that is kept: a device's latest event, a print not printed yet."""
    if table == "inbox":
        return row["seq"] == max(r["seq"] for r in rows.values() if r["source"] == row["source"])
    if table == "prints":
        return row["state"] != "done"
    return False


def test_an_archive_that_cannot_be_written_removes_nothing(
    site: Site, store: Store, tmp_path: Path
) -> None:
    a_year_on_the_floor(site)
    before = everything(store)
    archive = the_archive(tmp_path)
    archive.file("inbox", "2026-11").mkdir(parents=True)  # in the way of the month's file
    with pytest.raises(IsADirectoryError):
        Pruner(store.engine, "demo", archive, batch_rows=2).run(limits(site.clock.now))
    assert everything(store) == before
    assert [p.name for p in archive.folder.glob("*.jsonl.gz")] == ["inbox-2026-11.jsonl.gz"]


# ---------------------------------------------------------------- the site's limits
def site_file(**retention: object) -> str:
    """The demo site's file with these [retention] settings in place of its own."""
    text = DEMO_SITE.read_text(encoding="utf-8")
    head, rest = text.split("[retention]", 1)
    header, *lines = rest.splitlines(keepends=True)
    lines = [line for line in lines if line.split(" =")[0] not in retention]
    said = [f"{key} = {json.dumps(value)}\n" for key, value in retention.items()]
    return head + "[retention]" + header + "".join(said + lines)


def test_retention_limits_from_the_site_file() -> None:
    defaults = RetentionConfig(inbox_days=30, audit_years=3, prints_days=30, archive_dir=None)
    assert RetentionConfig() == defaults == demo_config().retention
    assert demo_config().archive_dir == Path("var") / "archive"
    cfg = parse_config(site_file(inbox_days=14, audit_years=0, archive_dir="/srv/a"))
    now = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert cutoffs(cfg.retention, now) == {
        "inbox": datetime(2028, 2, 15, 12, 0, tzinfo=UTC),
        "audit_log": None,  # 0: kept for ever
        "prints": datetime(2028, 1, 30, 12, 0, tzinfo=UTC),
    }
    assert cfg.archive_dir == Path("/srv/a")
    three_years = cutoffs(demo_config().retention, now)["audit_log"]
    assert three_years == datetime(2025, 2, 28, 12, 0, tzinfo=UTC)
    with pytest.raises(ConfigError, match=r"retention.inbox_days: .*greater than or equal to 0"):
        parse_config(site_file(inbox_days=-1))
    with pytest.raises(ConfigError, match=r"retention.audit_days: unknown setting"):
        parse_config(site_file(audit_days=400))


# ---------------------------------------------------------------- the command
def test_pitboard_prune_says_what_it_would_remove_then_removes_it(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    store, bus = Store(engine, "demo"), FakeBus()
    start = datetime.now(UTC) - timedelta(days=10)
    month = start.astimezone(demo_config().zone).strftime("%Y-%m")  # of the older taps
    clock = Clock(start)
    core = Core(demo_config(), store, bus, clock)
    core.start()
    site = Site(core, bus, clock)
    ro, prints = site.car()
    site.tap("tech.signed_in")
    site.tap("job.started", job=ro)
    site.printed(prints[0])
    clock.now = datetime.now(UTC)
    site.tap("job.paused", job=ro, reason="tool")
    core.stop()
    path = tmp_path / "site.toml"
    text = site_file(inbox_days=7, prints_days=7)
    path.write_text(text.replace('data_dir = "var"', f'data_dir = "{tmp_path}"'), encoding="utf-8")
    before = everything(store)

    def prune(*more: str) -> list[str]:
        assert main(["prune", "--config", str(path), "--database-url", db_url, *more]) == 0
        return capsys.readouterr().out.splitlines()

    said = prune("--dry-run")
    assert everything(store) == before
    assert _line(said, "inbox").endswith(f"2 to remove ({month} 2)")
    assert "1 older kept: each device's latest event" in said[said.index(_line(said, "inbox")) + 1]
    assert _line(said, "prints").endswith(f"1 to remove ({month} 1)")
    assert _line(said, "audit_log").endswith("nothing to remove")
    assert said[-1] == "dry run: nothing was changed"

    done = prune("--archive", str(tmp_path / "elsewhere"))
    assert _line(done, "inbox").endswith(f"2 removed ({month} 2)")
    assert _line(done, "prints").endswith(f"1 removed ({month} 1)")
    folder = tmp_path / "elsewhere" / "demo"
    assert sorted(p.name for p in folder.glob("*.jsonl.gz")) == [
        f"inbox-{month}.jsonl.gz",
        f"prints-{month}.jsonl.gz",
    ]
    assert f"  {'':<10} → {folder / ('inbox-' + month + '.jsonl.gz')}" in done
    assert len(rows_of(store, INBOX)) == len(before["inbox"]) - 2
    again = prune()
    assert all(_line(again, t).endswith("nothing to remove") for t in ("inbox", "prints"))
    engine.dispose()


def _line(lines: list[str], table: str) -> str:
    return next(line for line in lines if line.startswith(f"  {table} "))
