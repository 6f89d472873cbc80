"""``pitboard setup``: the production layout on one box from the site file, idempotently
(see docs/operations.md, "Deployment on one box").

Under ``--root`` (``/`` on the box itself; a folder for a trial or a test) it writes:

- ``etc/mosquitto/conf.d/pitboard.conf`` with a listener, and ``etc/mosquitto/pitboard/``
  with the password file, the ACL and ``credentials.env`` (every device's password, 0600);
- the database: a PostgreSQL role and database of the site's own (``--postgres``), its
  password generated and kept in ``etc/pitboard/core.env``; or SQLite in the data folder;
  migrated to the newest schema either way;
- ``etc/pitboard/``: the site file, ``core.env`` (MQTT and database passwords, the session
  secret), ``devices.env`` and ``kiosk-{bay}.env`` (each device's MQTT password), all 0600;
- ``etc/systemd/system/``: the core, the devices bridge, ``pitboard-kiosk@``, the nightly
  prune, with the paths of this install filled in.

Every path written into a file includes the root, so a layout set up under a folder runs
from there. A second run keeps every password, secret, database and row.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.config import SiteConfig

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = (
    "pitboard-core.service",
    "pitboard-devices.service",
    "pitboard-kiosk@.service",
    "pitboard-prune.service",
    "pitboard-prune.timer",
)
# What the shipped units name, replaced by this install's paths.
SHIPPED_BIN = "/opt/pitboard/.venv/bin/pitboard"
SHIPPED_ETC = "/etc/pitboard"
SHIPPED_HOME = "/var/lib/pitboard"
LOCAL_POSTGRES = "local"


class SetupError(Exception):
    """Something the setup cannot do, said for the person running it."""


@dataclass
class Layout:
    root: Path
    config: SiteConfig
    config_file: Path
    broker_port: int = 1883
    binary: str = SHIPPED_BIN
    user: str = "pitboard"
    units: Path = DEPLOY
    written: list[Path] = field(default_factory=list)

    def at(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    @property
    def etc(self) -> Path:
        return self.at(SHIPPED_ETC)

    @property
    def home(self) -> Path:
        return self.at(SHIPPED_HOME)

    @property
    def broker_dir(self) -> Path:
        return self.at("/etc/mosquitto/pitboard")

    @property
    def site_file(self) -> Path:
        return self.etc / "site.toml"

    @property
    def broker_url(self) -> str:
        return self.config.broker.url or f"mqtt://127.0.0.1:{self.broker_port}"

    def write(self, path: Path, text: str, mode: int = 0o644) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.chmod(path, mode)
        self.written.append(path)


# ----------------------------------------------------------------------- env files
def read_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.lstrip().startswith("#"):
                values[key.strip()] = value.strip()
    return values


def write_env(layout: Layout, name: str, values: dict[str, str], about: str) -> Path:
    path = layout.etc / name
    body = "".join(f"{k}={v}\n" for k, v in values.items())
    layout.write(
        path, f"# {about}\n# Written by `pitboard setup`; kept on every run.\n{body}", 0o600
    )
    return path


# ----------------------------------------------------------------------- broker
MOSQUITTO_CONF = """\
# Pitboard's broker settings, written by `pitboard setup` (Debian's mosquitto.conf reads
# this folder). Every device has its own user and password; the ACL lets each one reach
# only its own topics.
per_listener_settings false
allow_anonymous false
password_file {passwd}
acl_file {acl}
max_queued_messages 10000
max_inflight_messages 100
set_tcp_nodelay true
connection_messages true
listener {port} {address}
"""


def write_broker(layout: Layout, address: str) -> dict[str, str]:
    from core.broker import write_credentials
    from core.contract.acl import render_acl

    passwords = write_credentials(layout.config, layout.broker_dir)
    layout.written += [layout.broker_dir / "passwd", layout.broker_dir / "credentials.env"]
    acl = layout.broker_dir / "acl"
    layout.write(acl, render_acl(layout.config), 0o640)
    conf = MOSQUITTO_CONF.format(
        passwd=layout.broker_dir / "passwd", acl=acl, port=layout.broker_port, address=address
    )
    layout.write(layout.at("/etc/mosquitto/conf.d/pitboard.conf"), conf)
    _give_to(layout, "mosquitto", layout.broker_dir / "passwd", acl)
    return passwords


def unread_by_mosquitto(layout: Layout) -> str | None:
    """What to say when the broker's main file does not read the folder ours is in (Debian's
    does; an edited one may not, and Mosquitto would then run without our users and ACL)."""
    main = layout.at("/etc/mosquitto/mosquitto.conf")
    if not main.exists():
        return None
    folder = str(layout.at("/etc/mosquitto/conf.d")).rstrip("/")
    for line in main.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["include_dir"] and words[1:2] and words[1].rstrip("/") == folder:
            return None
    return f"warning: {main} does not read {folder}: add the line `include_dir {folder}`"


def _give_to(layout: Layout, user: str, *paths: Path) -> None:
    """On the box itself (root /, run as root), the files a service reads become its own."""
    if layout.root != Path("/") or os.geteuid() != 0:
        return
    for path in paths:
        shutil.chown(path, user, user)


# ----------------------------------------------------------------------- database
def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SetupError(f"{name!r}: a database name is lower-case letters, digits and _")
    return name


def default_db_name(cfg: SiteConfig) -> str:
    return "pitboard_" + re.sub(r"[^a-z0-9_]", "_", cfg.site.id.lower())[:50]


class Postgres:
    """The server the site's database is made on: through an admin URL, or ``local`` (psql
    as the ``postgres`` user on this machine, as Debian's package sets it up)."""

    def __init__(self, admin: str) -> None:
        self.admin = admin

    def run(self, sql: str, params: dict[str, str] | None = None) -> list[tuple[str, ...]]:
        if self.admin == LOCAL_POSTGRES:
            return self._psql(sql, params or {})
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                result = conn.execute(text(sql), params or {})
                return [tuple(str(v) for v in r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def _psql(self, sql: str, params: dict[str, str]) -> list[tuple[str, ...]]:
        for key, value in params.items():
            sql = sql.replace(f":{key}", "'" + value.replace("'", "''") + "'")
        command = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        out = subprocess.run(command, input=sql, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SetupError(f"psql: {out.stderr.strip()}")
        return [tuple(line.split("|")) for line in out.stdout.splitlines() if line]

    def url_for(self, name: str, password: str) -> str:
        from sqlalchemy.engine.url import make_url

        if self.admin == LOCAL_POSTGRES:
            host, port = "127.0.0.1", 5432
        else:
            admin = make_url(self.admin)
            host, port = admin.host or "127.0.0.1", admin.port or 5432
        return f"postgresql+psycopg://{name}:{password}@{host}:{port}/{name}"

    def ensure(self, name: str, password: str) -> None:
        """The role and its database, made if missing; the role's password set to ours."""
        name = _ident(name)
        have = self.run("SELECT 1 FROM pg_roles WHERE rolname = :n", {"n": name})
        verb = "ALTER" if have else "CREATE"
        # A password is no identifier: sent as a literal, quoted by the server's rules.
        quoted = self.run("SELECT quote_literal(:p)", {"p": password})[0][0]
        self.run(f'{verb} ROLE "{name}" LOGIN PASSWORD {quoted}')
        if not self.run("SELECT 1 FROM pg_database WHERE datname = :n", {"n": name}):
            self.run(
                f'CREATE DATABASE "{name}" OWNER "{name}" ENCODING \'UTF8\' TEMPLATE template0'
            )

    def drop(self, name: str) -> None:
        name = _ident(name)
        self.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.run(f'DROP ROLE IF EXISTS "{name}"')


def database_url(layout: Layout, core_env: dict[str, str], postgres: str | None, name: str) -> str:
    """The site's database URL: the site file's, a PostgreSQL database of its own, or SQLite."""
    from sqlalchemy.engine.url import make_url

    if layout.config.database.url:
        return layout.config.database.url
    if postgres is None:
        data = Path(layout.config.data_dir)
        data = data if data.is_absolute() else layout.home / data
        data.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{data / 'pitboard.sqlite3'}"
    server = Postgres(postgres)
    kept = core_env.get("PITBOARD_DATABASE_URL")
    password = make_url(kept).password if kept else None
    password = password or secrets.token_urlsafe(24)
    server.ensure(name, str(password))
    return server.url_for(name, str(password))


# ----------------------------------------------------------------------- units
def check_units(layout: Layout) -> None:
    missing = [name for name in UNITS if not (layout.units / name).is_file()]
    if missing:
        # An installed command has no checkout beside it: the units come from deploy/.
        raise SetupError(
            f"{layout.units} has no {missing[0]}: name the checkout's deploy/ folder with --units"
        )


def write_units(layout: Layout) -> list[Path]:
    units = []
    for name in UNITS:
        text = (layout.units / name).read_text(encoding="utf-8")
        text = text.replace(SHIPPED_BIN, layout.binary)
        text = text.replace(SHIPPED_ETC, str(layout.etc)).replace(SHIPPED_HOME, str(layout.home))
        text = text.replace("User=pitboard", f"User={layout.user}")
        if not layout.config.broker.url and name != "pitboard-prune.service":
            text = re.sub(
                r"^(ExecStart=\S+ (core|devices|kiosk) .*)$",
                rf"\1 --broker-url {layout.broker_url}",
                text,
                flags=re.M,
            )
        path = layout.at("/etc/systemd/system") / name
        layout.write(path, text)
        units.append(path)
    return units


# ----------------------------------------------------------------------- the whole
@dataclass(frozen=True)
class Options:
    postgres: str | None = None
    db_name: str | None = None
    broker_address: str = "0.0.0.0"


def set_up(layout: Layout, options: Options) -> str:
    """Everything but starting the services; returns the database URL."""
    from core.store.database import make_engine, migrate

    cfg = layout.config
    check_units(layout)  # before anything is written
    layout.etc.mkdir(parents=True, exist_ok=True)
    layout.home.mkdir(parents=True, exist_ok=True)
    if layout.config_file.resolve() != layout.site_file.resolve():
        layout.write(layout.site_file, layout.config_file.read_text(encoding="utf-8"), 0o640)
    passwords = write_broker(layout, options.broker_address)
    core_env = read_env(layout.etc / "core.env")
    url = database_url(layout, core_env, options.postgres, options.db_name or default_db_name(cfg))
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    core_values = {
        cfg.broker.password_env: passwords[cfg.broker.username],
        cfg.web.secret_env: core_env.get(cfg.web.secret_env) or secrets.token_urlsafe(32),
    }
    if options.postgres is not None and not cfg.database.url:
        core_values["PITBOARD_DATABASE_URL"] = url
    env_files = [write_env(layout, "core.env", core_values, "The core's secrets (0600).")]
    device = {"PITBOARD_DEVICE_PASSWORD": passwords[cfg.bridge.device]}
    env_files.append(write_env(layout, "devices.env", device, "The devices bridge's password."))
    # The bay PC's kiosk is the first device configured at its bay (as `pitboard kiosk`);
    # a console sent to by hand has no PC of its own.
    kiosks = [k for k in cfg.kiosks if not k.by_hand]
    for bay, kiosk in {k.bay: k.device for k in reversed(kiosks)}.items():
        mine = {"PITBOARD_DEVICE_PASSWORD": passwords[kiosk]}
        about = f"The password of {kiosk}, the kiosk of bay {bay}."
        env_files.append(write_env(layout, f"kiosk-{bay}.env", mine, about))
    write_units(layout)
    _make_user(layout)
    _give_to(layout, layout.user, layout.site_file, *env_files)
    return url


def _make_user(layout: Layout) -> None:
    if layout.root != Path("/") or os.geteuid() != 0:
        return
    known = subprocess.run(["id", "-u", layout.user], capture_output=True, check=False)
    if known.returncode != 0:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--home-dir",
                str(layout.home),
                "--shell",
                "/usr/sbin/nologin",
                layout.user,
            ],
            check=True,
        )
    shutil.chown(layout.home, layout.user, layout.user)


def what_to_start(layout: Layout, url: str) -> list[str]:
    from sqlalchemy.engine.url import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    bays = " ".join(
        f"pitboard-kiosk@{k.bay}" for k in [k for k in layout.config.kiosks if not k.by_hand][:2]
    )
    return [
        f"site {layout.config.site.id} set up under {layout.root}:",
        f"  broker    {layout.at('/etc/mosquitto/conf.d/pitboard.conf')} (port "
        f"{layout.broker_port}); passwords in {layout.broker_dir / 'credentials.env'}",
        f"  database  {shown} (migrated)",
        f"  secrets   {layout.etc}/core.env, devices.env, kiosk-<bay>.env (0600)",
        f"  units     {layout.at('/etc/systemd/system')}/pitboard-*",
        "to start them (deploy/setup.sh does, where systemd runs):",
        "  sudo systemctl daemon-reload",
        "  sudo systemctl restart mosquitto",
        "  sudo systemctl enable --now pitboard-core pitboard-devices pitboard-prune.timer",
        f"  on a bay PC: sudo systemctl enable --now {bays or 'pitboard-kiosk@B01'}",
        f"  check: curl http://127.0.0.1:{layout.config.web.port}/healthz",
    ]


def cmd_setup(cfg: SiteConfig, args: argparse.Namespace) -> int:
    if args.config == "demo":
        print("name the site file: pitboard setup --config site.toml", file=sys.stderr)
        return 2
    binary = args.bin or str(Path(sys.executable).with_name("pitboard"))
    layout = Layout(
        Path(args.root).resolve(),
        cfg,
        Path(args.config).resolve(),
        broker_port=args.broker_port,
        binary=binary,
        user=args.user,
        units=Path(args.units).resolve(),
    )
    options = Options(args.postgres, args.db_name, args.broker_address)
    try:
        url = set_up(layout, options)
    except SetupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(what_to_start(layout, url)))
    warning = unread_by_mosquitto(layout)
    if warning:
        print(warning, file=sys.stderr)
    return 0


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    with_config: Callable[[argparse.ArgumentParser], None],
    load: Callable[[str], SiteConfig],
) -> None:
    p = sub.add_parser(
        "setup",
        help="set up the production layout on this box: broker, database, secrets, units",
    )
    with_config(p)
    p.add_argument("--root", default="/", help="where to write (default /: this box)")
    p.add_argument(
        "--postgres",
        default=None,
        metavar="ADMIN_URL|local",
        help="make the site's own PostgreSQL role and database: `local` (psql as the "
        "postgres user) or an admin URL; default: the site file's [database] url, or SQLite",
    )
    p.add_argument("--db-name", default=None, help="role and database name (pitboard_{site})")
    p.add_argument("--broker-port", type=int, default=1883, help="Mosquitto's listener port")
    p.add_argument("--broker-address", default="0.0.0.0", help="address Mosquitto listens on (all)")
    p.add_argument("--bin", default=None, help="the installed pitboard command (this one)")
    p.add_argument("--user", default="pitboard", help="the services' user (made if missing)")
    p.add_argument(
        "--units",
        default=str(DEPLOY),
        help="the folder of the shipped systemd units (default: deploy/ of this checkout)",
    )
    p.set_defaults(func=lambda args: cmd_setup(load(args.config), args))
