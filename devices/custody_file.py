"""What the bridge's key readers believe is in the cabinet, kept on disk across restarts.

A slot's reader knows a key was taken only because the tag it read stopped coming; a door
reader knows a pass goes out only because the key was inside. Started afresh, a bridge
knew neither: a key taken while it was stopped stayed "in its slot" for good, and the next
pass of a key that was inside at the door was taken for one going in. Kept here after every
change and given back to the readers at start, a slot whose key does not answer within its
gap is reported taken, and a door pass toggles from what was inside.

``custody.json`` in the bridge's state directory: ``{"version": 1, "readers": {key: [tag,
…]}}``, written whole (a temporary file put in place). A file it cannot read is named in
the log and custody starts afresh, as before it was kept; one written by a newer Pitboard
is left as it is and the bridge does not start. Readers no longer configured (a cabinet
renamed, a hook re-wired) are dropped at start: deleting the file resets custody.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from devices.keyreader import ReaderSpec
from devices.state_file import NewerFileError

logger = logging.getLogger(__name__)

VERSION = 1


def reader_key(spec: ReaderSpec) -> str:
    """A reader's name in the file: its cabinet and slot, or its cabinet's door by port."""
    where = f"slot {spec.slot}" if spec.mode == "slot" else f"door {spec.url}"
    return f"{spec.cabinet} {where}"


class CustodyFile:
    def __init__(self, path: Path, readers: list[ReaderSpec] | None = None) -> None:
        """``readers``: the configured ones; what the file holds of any other is dropped."""
        self.path = path
        self._lock = threading.Lock()
        self._held = self._load()
        if readers is not None:
            known = {reader_key(r) for r in readers}
            gone = sorted(set(self._held) - known)
            if gone:
                logger.info("key custody of readers no longer configured dropped: %s", gone)
                self._held = {k: tags for k, tags in self._held.items() if k in known}

    def held(self, spec: ReaderSpec) -> list[str]:
        """The tags the reader last believed inside (none: nothing known)."""
        with self._lock:
            return list(self._held.get(reader_key(spec), []))

    def keep(self, spec: ReaderSpec, tags: list[str]) -> None:
        """The reader now believes ``tags`` inside: on disk before this returns."""
        with self._lock:
            key = reader_key(spec)
            if self._held.get(key, []) == tags:
                return
            held = {**self._held, key: list(tags)}
            try:
                self._write(held)
            except OSError:  # tried again at the next change, with this one in it
                logger.exception("key custody could not be kept in %s", self.path)
                return
            self._held = held

    def _load(self) -> dict[str, list[str]]:
        if not self.path.exists():
            return {}
        try:
            body = json.loads(self.path.read_text("utf-8"))
            version = body.get("version")
            if isinstance(version, int) and version > VERSION:
                raise NewerFileError(
                    f"{self.path} is key custody of version {version}, newer than the {VERSION} "
                    "this Pitboard knows; it was left untouched: run the newer Pitboard with it"
                )
            if version != VERSION:
                raise ValueError(f"version {version!r}, this bridge knows {VERSION}")
            readers = body["readers"]
            return {str(k): [str(t) for t in tags] for k, tags in readers.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning(
                "key custody in %s cannot be read (%s): the readers start afresh", self.path, exc
            )
            return {}

    def _write(self, held: dict[str, list[str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": VERSION, "readers": held}, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
