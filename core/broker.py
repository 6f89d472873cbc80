"""A broker of our own for `pitboard run` and the tests: Mosquitto with the shipped
configuration when the binary is installed, otherwise the embedded amqtt (MQTT 3.1.1)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from core.certificates import Issued
from core.config import SiteConfig
from core.contract.acl import principals, render_acl

logger = logging.getLogger(__name__)

BROKER_CONFIG = Path(__file__).resolve().parents[1] / "broker_config"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def password_hash(password: str, iterations: int = 101) -> str:
    """Mosquitto 2's ``$7$`` PBKDF2-SHA512 format, as ``mosquitto_passwd`` writes it."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def read_credentials(directory: Path, name: str = "credentials.env") -> dict[str, str]:
    """The passwords written before, so regenerating keeps every device's password."""
    env = directory / name
    known: dict[str, str] = {}
    if env.exists():
        for line in env.read_text(encoding="utf-8").splitlines():
            user, _, pw = line.partition("=")
            if user and pw:
                known[user] = pw
    return known


def write_password_file(
    users: list[str],
    passwd: Path,
    env: Path,
    known: dict[str, str] | None = None,
    *,
    drop_others: bool = False,
) -> dict[str, str]:
    """A password for every one of ``users``: ``passwd`` for Mosquitto and ``env`` (user=
    password, mode 600) for the people who hand them on. Passwords already in ``env`` are
    kept; ``known`` ones take precedence. With ``drop_others`` a user written before but no
    longer in ``users`` (and not in ``known``) is left out: it can no longer sign in."""
    passwd.parent.mkdir(parents=True, exist_ok=True)
    env.parent.mkdir(parents=True, exist_ok=True)
    passwords = {**read_credentials(env.parent, env.name), **(known or {})}
    for user in users:
        passwords.setdefault(user, secrets.token_urlsafe(12))
    if drop_others:
        passwords = {u: p for u, p in passwords.items() if u in users or u in (known or {})}
    passwd.write_text(
        "".join(f"{u}:{password_hash(p)}\n" for u, p in passwords.items()), encoding="utf-8"
    )
    env.write_text("".join(f"{u}={p}\n" for u, p in passwords.items()), encoding="utf-8")
    os.chmod(env, 0o600)
    os.chmod(passwd, 0o600)
    return passwords


def write_credentials(
    config: SiteConfig, directory: Path, known: dict[str, str] | None = None
) -> dict[str, str]:
    """A password for every principal of the site: ``passwd`` for Mosquitto and a
    ``credentials.env`` (mode 600) for the people who set up the devices."""
    return write_password_file(
        principals(config), directory / "passwd", directory / "credentials.env", known
    )


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None


def launch_mosquitto(workdir: Path, conf: str, ports: list[int]) -> subprocess.Popen[bytes]:
    """``mosquitto`` with ``conf`` (written as ``workdir/mosquitto.conf``, its log beside
    it), once it listens on every one of ``ports``; when it does not, stopped and said."""
    binary = mosquitto_binary()
    if binary is None:
        raise FileNotFoundError("mosquitto is not installed")
    if os.geteuid() == 0:
        # Started by root (containers, CI): keep the user that owns our files. First, so
        # that no bridge's or listener's section follows it.
        conf = "user root\n" + conf
    (workdir / "mosquitto.conf").write_text(conf, encoding="utf-8")
    log = open(workdir / "mosquitto.log", "ab")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen([binary, "-c", str(workdir / "mosquitto.conf")], stdout=log, stderr=log)
    try:
        for port in ports:
            wait_for_port(port)
    except TimeoutError:
        stop_mosquitto(proc)
        raise RuntimeError(f"mosquitto did not start; see {workdir / 'mosquitto.log'}") from None
    return proc


def stop_mosquitto(proc: subprocess.Popen[bytes] | None) -> None:
    """Asked to stop; killed when it does not within five seconds."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class MosquittoBroker:
    """A child ``mosquitto`` from ``broker_config/`` on a loopback port."""

    kind = "mosquitto"
    protocol = "5"

    def __init__(
        self,
        config: SiteConfig,
        workdir: Path,
        port: int | None = None,
        passwords: dict[str, str] | None = None,
        tls: Issued | None = None,
        extra_conf: str = "",
    ) -> None:
        self.config = config
        # Settings beside the shipped ones, as a conf.d file would add (the group's bridge).
        self.extra_conf = extra_conf
        self.workdir = workdir
        self.port = port or free_port()
        self.passwords = passwords or {}
        self.proc: subprocess.Popen[bytes] | None = None
        # A second listener, encrypted, with the certificate the site's CA signed.
        self.tls = tls
        self.tls_port = free_port() if tls is not None else None

    def start(self) -> MosquittoBroker:
        self.workdir = self.workdir.resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.passwords = write_credentials(self.config, self.workdir, self.passwords)
        (self.workdir / "acl").write_text(render_acl(self.config), encoding="utf-8")
        base = (BROKER_CONFIG / "mosquitto.conf").read_text(encoding="utf-8")
        conf = base.replace("password_file passwd", f"password_file {self.workdir / 'passwd'}")
        conf = conf.replace("acl_file acl", f"acl_file {self.workdir / 'acl'}")
        conf += f"\nlistener {self.port} 127.0.0.1\n"
        if self.tls is not None:
            conf += (
                f"listener {self.tls_port} 127.0.0.1\n"
                f"cafile {self.tls.ca_cert}\ncertfile {self.tls.cert}\nkeyfile {self.tls.key}\n"
            )
        conf += self.extra_conf
        ports = [self.port] + ([self.tls_port] if self.tls_port is not None else [])
        self.proc = launch_mosquitto(self.workdir, conf, ports)
        return self

    def stop(self) -> None:
        stop_mosquitto(self.proc)
        self.proc = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


class AmqttBroker:
    """The embedded broker for demos where Mosquitto is not installed (no ACL enforced)."""

    kind = "amqtt"
    protocol = "3.1.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.passwords: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> AmqttBroker:
        self._thread = threading.Thread(target=self._main, name="amqtt", daemon=True)
        self._thread.start()
        self._started.wait(15)
        if self._error is not None:
            raise RuntimeError(f"embedded broker failed: {self._error}")
        if not self._started.is_set():
            raise RuntimeError("embedded broker did not start")
        # No probe connection: amqtt logs a harmless but alarming error for one; it was
        # listening once broker.start() returned.
        logger.warning(
            "embedded amqtt broker on port %s: demo only, the ACL is NOT enforced", self.port
        )
        return self

    def _main(self) -> None:
        from amqtt.broker import Broker

        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        cfg = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        broker = Broker(cfg, loop=loop)
        try:
            loop.run_until_complete(broker.start())
        except BaseException as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._broker = broker
        loop.run_forever()
        loop.run_until_complete(broker.shutdown())
        loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"
