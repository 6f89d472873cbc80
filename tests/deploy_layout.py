"""A layout written by `pitboard setup` (or deploy/setup.sh) under a folder, brought up
without systemd: Mosquitto from the written configuration, and each service from what its
unit names (ExecStart, WorkingDirectory, EnvironmentFile), as systemd would start it."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import signal
import subprocess
from pathlib import Path

from pitboard.site_setup import read_env
from tests.helpers import child_env


def unit(root: Path, name: str, instance: str | None = None) -> dict[str, str]:
    """The [Service] section of a unit setup wrote; a template's ``%i`` filled in when an
    instance is named."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(root / "etc/systemd/system" / name)
    service = dict(parser["Service"])
    if instance is None:
        return service
    return {k: v.replace("%i", instance) for k, v in service.items()}


def start_mosquitto(binary: str, root: Path) -> subprocess.Popen[bytes]:
    conf = (root / "etc/mosquitto/conf.d/pitboard.conf").read_text(encoding="utf-8")
    if os.geteuid() == 0:
        # Started by root here, Mosquitto would turn into its own user, which cannot read
        # the test's folder (on the box `pitboard setup` gives it its files).
        conf += "user root\n"
    run = root / "run-mosquitto.conf"
    run.write_text(conf, encoding="utf-8")
    log = open(root / "mosquitto.log", "ab")  # noqa: SIM115 - owned by the child
    return subprocess.Popen([binary, "-c", str(run)], stdout=log, stderr=log)


def start_as_unit(
    root: Path,
    name: str,
    *extra: str,
    instance: str | None = None,
    drop: tuple[str, ...] = (),
    as_user: bool = False,
    logs: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The unit's ExecStart (and ``extra`` arguments), in its working directory, with its
    environment file; ``drop`` names variables of the test's environment it must not see.
    ``as_user``: as the unit's User=, with the HOME systemd gives it."""
    service = unit(root, name, instance)
    env = child_env(**read_env(Path(service["environmentfile"].lstrip("-"))))
    for key in drop:
        env.pop(key, None)
    command = [*shlex.split(service["execstart"]), *extra]
    if as_user:
        user = service["user"]
        env.update(HOME=service["workingdirectory"], USER=user, LOGNAME=user)
        command = ["runuser", "-u", user, "--", *command]
    log_name = f"{name.replace('@', '@' + (instance or ''))}.log"
    log = open((logs or root) / log_name, "ab")  # noqa: SIM115 - owned by the child
    return subprocess.Popen(
        command,
        cwd=service["workingdirectory"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def expand(value: str, env: dict[str, str]) -> str:
    """Compose's variables: ${VAR}, ${VAR:-default}, ${VAR:?error}."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)
