"""Everything the soak runs, built from nothing in a working folder: printers and readers of
our own, the site configuration, the database with the cars at the bays, Mosquitto, the
core, the devices bridge, eight kiosks, the misbehaving tablet and the service desk. What
is built is undone in reverse by ``Plant.close`` (or at once if building fails)."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import sqlite3
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from bench.soak_client import MisbehavingTablet
from bench.soak_desk import Desk
from bench.soak_disk import CoreDisk
from bench.soak_printer import PrinterServer
from bench.soak_procs import BrokerProc, Proc, child_env, python
from bench.soak_readers import KeyHands, PtyReader
from bench.soak_site import (
    BAYS,
    BRIDGE,
    DESK_PRINTER,
    GAP_SECONDS,
    READER_TAGS,
    SHOP_PRINTER,
    SITE,
    TABLET,
    TABLET_TECH,
    SitePorts,
    kiosk_of,
    load_site,
    prepare_workshop,
    write_site,
)
from core.broker import MosquittoBroker, free_port
from core.config import SiteConfig
from core.store.database import make_engine


@dataclass
class Options:
    faults: int = 1000
    seconds: float | None = None  # the fault phase; default: 0.6 s a fault
    database: str = "sqlite"
    database_url: str | None = None  # an existing, empty database instead of a new one
    postgres: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    seed: str = "soak"
    drain_seconds: float = 300.0
    keep: bool = False  # keep the working folder (it is kept anyway when a count is off)

    @property
    def fault_seconds(self) -> float:
        return self.seconds if self.seconds is not None else 0.6 * self.faults


@dataclass
class CoreMemory:
    """The core's resident memory: at the start of the faults, at the end, the highest."""

    start_kb: int | None = None
    end_kb: int | None = None
    highest_kb: int = 0

    def sample(self, core: Proc) -> int | None:
        kb = core.rss_kb()
        if kb is not None:
            self.highest_kb = max(self.highest_kb, kb)
        return kb


@dataclass
class Keep:
    """Whether the working folder outlives the run (set when a count is off)."""

    folder: bool


@dataclass
class Processes:
    broker: BrokerProc
    core: Proc
    bridge: Proc
    kiosks: dict[str, Proc]
    tap_logs: dict[str, Path]
    web_port: int
    token: str


@dataclass
class Plant:
    opts: Options
    work: Path
    config: SiteConfig
    db_url: str
    engine: Engine
    jobs: dict[str, list[str]]
    printers: dict[str, PrinterServer]
    readers: list[PtyReader]
    disk: CoreDisk | None
    procs: Processes
    tablet: MisbehavingTablet
    hands: KeyHands
    desk: Desk
    undo: contextlib.ExitStack
    memory: CoreMemory = field(default_factory=CoreMemory)
    keep: Keep = field(default_factory=lambda: Keep(False))
    outboxes_deleted: int = 0

    @property
    def broker(self) -> BrokerProc:
        return self.procs.broker

    @property
    def core(self) -> Proc:
        return self.procs.core

    @property
    def bridge(self) -> Proc:
        return self.procs.bridge

    @property
    def kiosks(self) -> dict[str, Proc]:
        return self.procs.kiosks

    @property
    def tap_logs(self) -> dict[str, Path]:
        return self.procs.tap_logs

    def outbox_path(self, bay: str) -> Path:
        return self.work / "kiosks" / bay / f"{kiosk_of(bay)}.outbox.sqlite"

    @property
    def bridge_outbox(self) -> Path:
        return self.work / "bridge" / f"{BRIDGE}.outbox.sqlite"

    def processes(self) -> list[Proc | BrokerProc]:
        return [self.broker, self.core, self.bridge, *self.kiosks.values()]

    def close(self) -> None:
        self.undo.close()


# ------------------------------------------------------------------ the parts
def _devices(
    work: Path, undo: contextlib.ExitStack
) -> tuple[dict[str, PrinterServer], list[PtyReader]]:
    printers = {d: PrinterServer(d) for d in (DESK_PRINTER, SHOP_PRINTER)}
    for p in printers.values():
        p.listen()
        undo.callback(p.close)
    (work / "readers").mkdir(parents=True, exist_ok=True)
    readers = []
    for slot, tag in READER_TAGS.items():
        reader = PtyReader(work / "readers" / f"slot{slot}", slot, tag).start()
        undo.callback(reader.stop)
        readers.append(reader)
    return printers, readers


def _database(
    opts: Options, work: Path, undo: contextlib.ExitStack, keep: Callable[[], bool]
) -> tuple[str, CoreDisk | None]:
    """The core's database: SQLite on a disk of its own that can be filled, or a new
    PostgreSQL database (dropped at the end)."""
    if opts.database_url:
        return opts.database_url, None
    if opts.database == "sqlite":
        disk = CoreDisk(work / "coredisk").mount()

        def unmount() -> None:
            if keep() and disk.mounted:  # the database outlives its disk in the kept folder
                for f in disk.path.glob("core.db*"):
                    shutil.copy(f, work / f.name)
            disk.unmount()

        undo.callback(unmount)
        folder = disk.path if disk.mounted else work
        return f"sqlite:///{folder / 'core.db'}", disk
    name = f"pitboard_soak_{int(time.time())}_{secrets.token_hex(3)}"
    admin = create_engine(opts.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    undo.callback(drop)
    return opts.postgres.rsplit("/", 1)[0] + "/" + name, None


def _stopping(undo: contextlib.ExitStack, proc: Proc) -> Proc:
    def stop() -> None:
        if proc.alive:
            proc.terminate()
            proc.wait(20)

    undo.callback(stop)
    return proc


def _api_token(config: Path, db_url: str) -> str:
    """A token the service desk's calls carry (the dealer system's, scope write), made in
    the site's database before the core starts, as `pitboard token create` does."""
    from core.domain.access import Scope
    from pitboard.tokens import site_access

    with site_access(load_site(config), db_url) as (access, _):
        return access.create_token("soak-desk", Scope.WRITE, by="soak")[1]


def _core(config: Path, broker: MosquittoBroker, db_url: str, work: Path) -> tuple[Proc, int, str]:
    token, web_port = _api_token(config, db_url), free_port()
    env = child_env(
        PITBOARD_MQTT_PASSWORD=broker.passwords["core"],
        PITBOARD_SESSION_SECRET=secrets.token_urlsafe(32),
    )
    argv = python(
        "pitboard", "core", "--config", str(config), "--broker-url", broker.url,
        "--database-url", db_url, "--web-port", str(web_port),
    )  # fmt: skip
    return Proc("core", argv, env, work / "core.log"), web_port, token


def _bridge(config: Path, broker: MosquittoBroker, work: Path) -> Proc:
    env = child_env(PITBOARD_DEVICE_PASSWORD=broker.passwords[BRIDGE])
    argv = python(
        "pitboard", "devices", "--config", str(config), "--broker-url", broker.url,
        "--state-dir", str(work / "bridge"),
    )  # fmt: skip
    return Proc("bridge", argv, env, work / "bridge.log")


def _kiosk(
    work: Path, config: Path, broker: MosquittoBroker, bay: str, jobs: list[str], seed: str
) -> tuple[Proc, Path]:
    device = kiosk_of(bay)
    state = work / "kiosks" / bay
    state.mkdir(parents=True, exist_ok=True)
    tap_log = state / "taps.jsonl"
    env = child_env(PITBOARD_DEVICE_PASSWORD=broker.passwords[device])
    argv = python(
        "bench.soak_kiosk", str(config), bay, str(broker.port), str(state), str(tap_log),
        ",".join(jobs), f"{seed}-{bay}",
    )  # fmt: skip
    return Proc(device, argv, env, state / "kiosk.log"), tap_log


def _processes(
    work: Path, config: Path, db_url: str, jobs: dict[str, list[str]], seed: str,
    undo: contextlib.ExitStack,
) -> Processes:  # fmt: skip
    """Mosquitto, the core (waited for), the bridge and a kiosk at every bay."""
    broker = BrokerProc(MosquittoBroker(load_site(config), work / "broker"))
    broker.start()
    undo.callback(broker.stop)
    core, web_port, token = _core(config, broker.broker, db_url, work)
    _stopping(undo, core).start()
    wait_for(lambda: _answers(f"http://127.0.0.1:{web_port}/healthz"), "the core's start", 90)
    bridge = _stopping(undo, _bridge(config, broker.broker, work))
    bridge.start()
    kiosks, tap_logs = {}, {}
    for bay in BAYS:
        kiosk, tap_logs[bay] = _kiosk(work, config, broker.broker, bay, jobs[bay], seed)
        kiosks[bay] = _stopping(undo, kiosk)
        kiosk.start()
    return Processes(broker, core, bridge, kiosks, tap_logs, web_port, token)


def wait_for(check: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: {what} did not happen within {timeout:.0f} s")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).read()
        return True
    except OSError:
        return False


def _tapped(tap_log: Path) -> bool:
    return tap_log.exists() and '"saved"' in tap_log.read_text(encoding="utf-8")


def build(opts: Options) -> Plant:
    """Everything started, every kiosk having tapped once."""
    work = Path(tempfile.mkdtemp(prefix="pitboard-soak-"))
    keep = Keep(opts.keep)
    with contextlib.ExitStack() as undo:
        undo.callback(lambda: None if keep.folder else shutil.rmtree(work, ignore_errors=True))
        printers, readers = _devices(work, undo)
        config_path = write_site(
            work,
            SitePorts(printers[DESK_PRINTER].port, printers[SHOP_PRINTER].port),
            {r.slot: r.path for r in readers},
        )
        config = load_site(config_path)
        db_url, disk = _database(opts, work, undo, lambda: keep.folder)
        jobs = prepare_workshop(config, db_url)
        procs = _processes(work, config_path, db_url, jobs, opts.seed, undo)
        tablet = MisbehavingTablet(
            procs.broker.broker.port, SITE, TABLET, BAYS[-1], TABLET_TECH,
            procs.broker.broker.passwords[TABLET], opts.seed,
        )  # fmt: skip
        undo.callback(tablet.stop)
        engine = make_engine(db_url)
        undo.callback(engine.dispose)
        hands = KeyHands(readers, GAP_SECONDS, opts.seed).start()
        undo.callback(hands.stop)
        desk = Desk(procs.web_port, procs.token, engine, SITE, opts.seed).start()
        undo.callback(desk.stop)
        wait_for(lambda: all(_tapped(p) for p in procs.tap_logs.values()), "every kiosk's tap", 90)
        plant = Plant(
            opts=opts, work=work, config=config, db_url=db_url, engine=engine, jobs=jobs,
            printers=printers, readers=readers, disk=disk, procs=procs, tablet=tablet,
            hands=hands, desk=desk, undo=undo.pop_all(), keep=keep,
        )  # fmt: skip
        return plant


def outbox_count(path: Path) -> int | None:
    """Events waiting in a device's outbox file; None if it cannot be read just now."""
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(path, timeout=1.0)
        try:
            return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return None
