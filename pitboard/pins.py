"""Kiosk PINs in the site file: set one as a hash, or turn the plain PINs of an older file
into hashes, keeping the file's layout and comments (tomlkit)."""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from core.secret_hash import hash_secret

MAX_LENGTH = 12


class PinError(Exception):
    """A PIN or a site file the command cannot use, in words for the person at the keyboard."""


def min_length(path: Path) -> int:
    """The site's shortest PIN (``[sign_in] pin_min_length``), read without validating the
    rest: a file with plain PINs in it does not validate yet."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    value = raw.get("sign_in", {}).get("pin_min_length", 4)
    return max(4, int(value))


def check_pin(pin: str, shortest: int) -> None:
    if not pin.isdigit() or not pin.isascii():
        raise PinError("a PIN is digits only (the kiosk's keypad has nothing else)")
    if not shortest <= len(pin) <= MAX_LENGTH:
        raise PinError(f"a PIN here has {shortest} to {MAX_LENGTH} digits")
    if len(set(pin)) == 1:
        raise PinError("a PIN of one digit repeated is the first anyone tries")


def _technicians(doc: tomlkit.TOMLDocument) -> list[Table]:
    techs = doc.get("technicians")
    if not isinstance(techs, AoT):
        raise PinError("the file has no [[technicians]] tables")
    return list(techs)


def _write(path: Path, doc: tomlkit.TOMLDocument) -> None:
    """The whole file or nothing: a kiosk reading it meanwhile sees the old or the new."""
    text = tomlkit.dumps(doc)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PinError(f"{path}: cannot read: {exc.strerror}") from None
    except tomlkit.exceptions.ParseError as exc:
        raise PinError(f"{path}: not valid TOML: {exc}") from None


def _put(table: Table, pin_hash: str) -> None:
    if "pin" in table and "pin_hash" not in table:
        # In the plain PIN's place: a key added anew would land after the comments that
        # introduce the next table. tomlkit renames a key only through this method.
        try:
            table.value._replace("pin", "pin_hash", tomlkit.item(pin_hash))
            return
        except AttributeError:  # a tomlkit without it: the key goes last
            pass
    if "pin" in table:
        del table["pin"]
    table["pin_hash"] = pin_hash


def set_pin(path: Path, tech: str, pin: str, hasher: Callable[[str], str] = hash_secret) -> None:
    """Write ``tech``'s PIN into the site file as a hash (a plain one is removed)."""
    check_pin(pin, min_length(path))
    doc = _load(path)
    table = next((t for t in _technicians(doc) if t.get("id") == tech), None)
    if table is None:
        raise PinError(f"{path}: no technician {tech!r}")
    _put(table, hasher(pin))
    _write(path, doc)


def hash_plain_pins(path: Path, hasher: Callable[[str], str] = hash_secret) -> list[str]:
    """Every plain ``pin`` of the file replaced by its hash; returns whose."""
    doc = _load(path)
    done: list[str] = []
    for table in _technicians(doc):
        plain: Any = table.get("pin")
        if plain is None:
            continue
        _put(table, hasher(str(plain)))
        done.append(str(table.get("id", "?")))
    if done:
        _write(path, doc)
    return done
