"""The group dashboard's sign-ins, kept in the hub process's memory: the site's sessions
(core/access.py) over a keeping that needs no table of the hub's store.

A restart of the hub signs head office out (a sign-in again, nothing lost); the sign-in
lines go to the log, and the newest stay here for as long as the process runs."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from core.access import Access
from core.config import WebConfig
from core.domain.access import ApiToken, BoardSession
from core.store.repository import AuditEntry

logger = logging.getLogger(__name__)

KEPT_LINES = 1000


class MemorySessions:
    """Sessions and sign-in lines in memory (the dashboard gives out no API tokens)."""

    def __init__(self) -> None:
        self._sessions: dict[str, BoardSession] = {}
        self._lines: deque[AuditEntry] = deque(maxlen=KEPT_LINES)
        self._lock = threading.Lock()

    def _note(self, line: AuditEntry) -> None:
        logger.info("group dashboard %s by %s: %s", line.type, line.source, line.payload)
        self._lines.append(line)

    def add_session(self, session: BoardSession, line: AuditEntry, forget_before: datetime) -> None:
        with self._lock:
            for old in [s for s in self._sessions.values() if s.started_at < forget_before]:
                del self._sessions[old.id]
            self._sessions[session.id] = session
            self._note(line)

    def session(self, session_id: str) -> BoardSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def sessions(self, seen_after: datetime, started_after: datetime) -> list[BoardSession]:
        with self._lock:
            live = [
                s
                for s in self._sessions.values()
                if s.ended_at is None and s.seen_at > seen_after and s.started_at > started_after
            ]
        return sorted(live, key=lambda s: (s.started_at, s.id))

    def touch(self, session_id: str, at: datetime) -> None:
        with self._lock:
            found = self._sessions.get(session_id)
            if found is not None:
                self._sessions[session_id] = dataclasses.replace(found, seen_at=at)

    def end_session(self, session_id: str, at: datetime, line: AuditEntry) -> bool:
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None or found.ended_at is not None:
                return False
            self._sessions[session_id] = dataclasses.replace(found, ended_at=at)
            self._note(line)
            return True

    def add_token(self, token: ApiToken, digest: str, line: AuditEntry) -> None:
        raise NotImplementedError("the group dashboard gives out no API tokens")

    def token(self, digest: str) -> ApiToken | None:
        return None

    def token_by_id(self, token_id: str) -> ApiToken | None:
        return None

    def tokens(self) -> list[ApiToken]:
        return []

    def revoke_token(self, token_id: str, at: datetime, line: AuditEntry) -> bool:
        return False

    def note(self, line: AuditEntry) -> None:
        with self._lock:
            self._note(line)

    def log(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            newest = list(self._lines)[::-1][:limit]
        return [
            {"at": x.at, "source": x.source, "type": x.type, "payload": x.payload} for x in newest
        ]


def memory_access(
    web: WebConfig, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Access:
    """The dashboard's sessions, with the site's idle and absolute lifetimes of [web]."""
    return Access(MemorySessions(), web, clock)
