"""Who may use the boards and the API: board sessions kept on the server with an idle and an
absolute lifetime, API tokens with a scope kept only as their hash, and every sign-in,
refusal and lock-out, session and token change as a line in the audit log."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from core.config import WebConfig
from core.domain.access import ApiToken, BoardSession, Scope
from core.store.access import access_line
from core.store.repository import AuditEntry

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "pb_"  # says what a leaked string is, to a person and to secret scanners
# Writing the time of every page opened would make a busy board a busy writer; a minute
# is as fine as the idle time needs.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    """A token's fingerprint: 256 random bits need no slow hash to resist guessing."""
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionKeeping(Protocol):
    """Where sessions, tokens and their audit lines are kept: the site's database
    (core/store/access.py), or the head office's dashboard's memory (hub/sessions.py)."""

    def add_session(
        self, session: BoardSession, line: AuditEntry, forget_before: datetime
    ) -> None: ...

    def session(self, session_id: str) -> BoardSession | None: ...

    def sessions(self, seen_after: datetime, started_after: datetime) -> list[BoardSession]: ...

    def touch(self, session_id: str, at: datetime) -> None: ...

    def end_session(self, session_id: str, at: datetime, line: AuditEntry) -> bool: ...

    def add_token(self, token: ApiToken, digest: str, line: AuditEntry) -> None: ...

    def token(self, digest: str) -> ApiToken | None: ...

    def token_by_id(self, token_id: str) -> ApiToken | None: ...

    def tokens(self) -> list[ApiToken]: ...

    def revoke_token(self, token_id: str, at: datetime, line: AuditEntry) -> bool: ...

    def note(self, line: AuditEntry) -> None: ...

    def log(self, limit: int) -> list[dict[str, Any]]: ...


class Access:
    def __init__(
        self,
        store: SessionKeeping,
        web: WebConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.clock = clock
        self.idle = timedelta(minutes=web.session_idle_minutes)
        self.longest = timedelta(hours=web.session_max_hours)

    # ----------------------------------------------------------------- sessions
    def open_session(self, user: str, role: str, address: str) -> str:
        """A new session for ``user``; its id is kept on the server, never in the browser."""
        now = self.clock()
        session = BoardSession(secrets.token_urlsafe(24), user, address, now, now)
        line = access_line(
            now, "session.started", f"{role}:{user}", {"user": user, "address": address}
        )
        self.store.add_session(session, line, forget_before=now - 2 * self.longest)
        return session.id

    def session(self, session_id: str, touch: bool = True) -> BoardSession | None:
        """The session if it is live; ``touch`` counts this as a use of it."""
        found = self.store.session(session_id) if session_id else None
        now = self.clock()
        if found is None or not found.live(now, self.idle, self.longest):
            return None
        if touch and now - found.seen_at >= TOUCH_EVERY:
            self.store.touch(session_id, now)
        return found

    def sessions(self) -> list[BoardSession]:
        """The live sessions, oldest first."""
        now = self.clock()
        return self.store.sessions(now - self.idle, now - self.longest)

    def end_session(self, session_id: str, by: str) -> bool:
        """End it now: the next request with it is refused. False if it had ended."""
        found = self.store.session(session_id)
        if found is None:
            return False
        now = self.clock()
        line = access_line(now, "session.ended", by, {"user": found.user, "address": found.address})
        ended = self.store.end_session(session_id, now, line)
        if ended:
            logger.info("board session of %s ended by %s", found.user, by)
        return ended

    # ----------------------------------------------------------------- tokens
    def create_token(self, name: str, scope: Scope, by: str) -> tuple[ApiToken, str]:
        """A new token and the token itself, which is shown this once and kept nowhere."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(secrets.token_hex(6), name, scope, self.clock())
        line = access_line(token.created_at, "token.created", by, _described(token))
        self.store.add_token(token, digest(secret), line)
        logger.info("API token %s (%s, %s) created by %s", token.id, name, scope, by)
        return token, secret

    def token(self, secret: str) -> ApiToken | None:
        """The live token this is, or None."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        return self.store.token(digest(secret))

    def tokens(self) -> list[ApiToken]:
        """Every token, revoked ones too, oldest first."""
        return self.store.tokens()

    def revoke_token(self, token_id: str, by: str) -> bool:
        """Refuse it from now on. False if there is no such live token."""
        found = self.store.token_by_id(token_id)
        if found is None:
            return False
        now = self.clock()
        line = access_line(now, "token.revoked", by, _described(found))
        revoked = self.store.revoke_token(token_id, now, line)
        if revoked:
            logger.info("API token %s (%s) revoked by %s", token_id, found.name, by)
        return revoked

    # ----------------------------------------------------------------- the log
    def note(self, type_: str, source: str, **payload: Any) -> None:
        """A line in the audit log, e.g. a refused sign-in."""
        self.store.note(access_line(self.clock(), type_, source, payload))

    def log(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest sign-in, session and token lines, newest first."""
        return self.store.log(limit)


def _described(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "scope": token.scope.value}
