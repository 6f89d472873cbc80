"""The soak's workshop: eight bays with a kiosk each, a spare tablet, two network printers
and two key-cabinet readers on pseudo-terminals, written as a site configuration the real
processes read; and the cars at the bays, stored before the core starts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import Nowhere
from core.commands import CheckInCar, Dispatch
from core.config import SiteConfig, load_config
from core.domain.model import Customer, Operation, Vehicle
from core.domain.workshop import CheckIn
from core.engine import Core
from core.store.database import make_engine, migrate
from core.store.repository import Store

SITE = "soak"
ZONE = "Asia/Shanghai"
BAYS = [f"B{n:02d}" for n in range(1, 9)]
TABLET = "tablet-b08"
TABLET_TECH = "T009"
BRIDGE = "bridge-1"
DESK_PRINTER = "printer-desk"
SHOP_PRINTER = "printer-shop"
JOBS_PER_BAY = 3
# The keys hanging over the two readers: the key tags of two cars at the bays.
READER_TAGS = {1: "5A0000C001", 2: "5A0000C002"}
GAP_SECONDS = 2.0


def kiosk_of(bay: str) -> str:
    return f"kiosk-{bay.lower()}"


def tech_of(bay: str) -> str:
    return f"T{int(bay[1:]):03d}"


@dataclass(frozen=True)
class SitePorts:
    desk_printer: int
    shop_printer: int


def _shift_end() -> str:
    """Half a day away, so no clock is paused by the workshop during a run."""
    later = datetime.now(ZoneInfo(ZONE)) + timedelta(hours=12)
    return later.strftime("%H:%M")


def _header(data_dir: Path) -> list[str]:
    return [
        f'data_dir = "{data_dir}"',
        "",
        "[site]",
        f'id = "{SITE}"',
        'name = "耐久试验车间 Soak"',
        f'timezone = "{ZONE}"',
        'desk_phone = "010-12345678"',
        f'shift_ends = ["{_shift_end()}"]',
        'opens_at = "00:00"',
        "",
        "[broker]",
        'username = "core"',
        "",
        "[bridge]",
        f'device = "{BRIDGE}"',
        "",
        "[[teams]]",
        'id = "A"',
        'name = "机修一组"',
    ]


def _people_and_kiosks() -> list[str]:
    lines: list[str] = []
    for bay in BAYS:
        lines += ["", "[[bays]]", f'id = "{bay}"', f'name = "{bay}"', 'team = "A"']
    techs = [(tech_of(b), f"{int(b[1:]):04d}") for b in BAYS] + [(TABLET_TECH, "0009")]
    for tech, pin in techs:
        lines += ["", "[[technicians]]", f'id = "{tech}"', f'name = "技师{tech}"']
        lines += ['team = "A"', f'pin = "1{pin}"']
    for device, bay in [(kiosk_of(b), b) for b in BAYS] + [(TABLET, BAYS[-1])]:
        lines += ["", "[[kiosks]]", f'device = "{device}"', f'bay = "{bay}"']
    return lines


def _devices(ports: SitePorts, readers: dict[int, Path]) -> list[str]:
    lines: list[str] = []
    for device, port, width, role in (
        (DESK_PRINTER, ports.desk_printer, 80, "desk"),
        (SHOP_PRINTER, ports.shop_printer, 58, "workshop"),
    ):
        lines += ["", "[[printers]]", f'device = "{device}"', f'url = "tcp://127.0.0.1:{port}"']
        lines += [f"width = {width}", f'role = "{role}"']
    lines += ["", "[[key_cabinets]]", 'id = "KC1"', 'name = "前台钥匙柜"', "slots = 40"]
    for slot, path in sorted(readers.items()):
        lines += ["", "[[key_cabinets.readers]]", f'url = "{path}"', 'protocol = "em4100"']
        lines += ['mode = "slot"', f"slot = {slot}", f"gap_seconds = {GAP_SECONDS}"]
    return lines


def site_toml(data_dir: Path, ports: SitePorts, readers: dict[int, Path]) -> str:
    lines = _header(data_dir) + _people_and_kiosks() + _devices(ports, readers)
    return "\n".join(lines) + "\n"


def write_site(workdir: Path, ports: SitePorts, readers: dict[int, Path]) -> Path:
    path = workdir / "site.toml"
    path.write_text(site_toml(workdir / "data", ports, readers), encoding="utf-8")
    return path


def _check_in(n: int, key_tag: str, key_slot: int | None) -> CheckIn:
    return CheckIn(
        vehicle=Vehicle(plate=f"京S{10000 + n:05d}", model="别克 GL8", colour="白"),
        customer=Customer(name="客户", phone="13800000000"),
        operations=(Operation("M010", "小保养", 1.0),),
        promised_at=datetime.now(UTC) + timedelta(hours=6),
        key_tag=key_tag,
        key_slot=key_slot,
        public_token=secrets.token_urlsafe(16),
    )


def prepare_workshop(config: SiteConfig, db_url: str) -> dict[str, list[str]]:
    """Three cars dispatched to every bay, through the command path; the first two cars'
    keys are the ones hanging over the readers. Returns each bay's repair orders."""
    engine = make_engine(db_url)
    migrate(engine)
    core = Core(config, Store(engine, config.site.id), Nowhere())
    core.start()
    jobs: dict[str, list[str]] = {bay: [] for bay in BAYS}
    try:
        for n in range(JOBS_PER_BAY * len(BAYS)):
            bay = BAYS[n % len(BAYS)]
            slot = n + 1 if n + 1 in READER_TAGS else None
            tag = READER_TAGS[slot] if slot is not None else f"5B{n:08X}"
            job = core.run_command(CheckInCar(_check_in(n, tag, slot)), "advisor:soak")
            core.run_command(Dispatch(job.ro, bay), "foreman:soak")
            jobs[bay].append(str(job.ro))
    finally:
        core.stop()
        engine.dispose()
    return jobs


def load_site(path: Path) -> SiteConfig:
    return load_config(path)
