"""The board sessions and API tokens of one site, and their lines in the audit log.

Each change and its audit line go in one transaction. These tables are not the workshop's:
they are written here, beside the core's single writer, so a sign-in never waits behind a
batch of taps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.engine import Connection

from core.domain.access import ApiToken, BoardSession, Scope

from .repository import AuditEntry, audit_row
from .tables import ApiTokenRow, AuditRow, BoardSessionRow

ACCESS = "access"  # the audit log's kind for sign-ins, sessions and tokens


def access_line(at: datetime, type_: str, source: str, payload: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        at=at, kind=ACCESS, source=source, seq=None, type=type_, job=None, bay=None, payload=payload
    )


def _session(row: Any) -> BoardSession:
    return BoardSession(
        id=row.id,
        user=row.user_id,
        address=row.address,
        started_at=row.started_at,
        seen_at=row.seen_at,
        ended_at=row.ended_at,
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        scope=Scope(row.scope),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class AccessStore:
    def __init__(self, engine: Engine, site: str) -> None:
        self.engine = engine
        self.site = site

    def _note(self, conn: Connection, line: AuditEntry) -> None:
        conn.execute(insert(AuditRow), [audit_row(self.site, line, line.at)])

    # ----------------------------------------------------------------- sessions
    def add_session(self, session: BoardSession, line: AuditEntry, forget_before: datetime) -> None:
        """A new session; sessions begun before ``forget_before`` are long over: dropped."""
        s = BoardSessionRow
        with self.engine.begin() as conn:
            conn.execute(delete(s).where(s.site == self.site, s.started_at < forget_before))
            conn.execute(
                insert(s).values(
                    site=self.site,
                    id=session.id,
                    user_id=session.user,
                    address=session.address,
                    started_at=session.started_at,
                    seen_at=session.seen_at,
                    ended_at=None,
                )
            )
            self._note(conn, line)

    def session(self, session_id: str) -> BoardSession | None:
        s = BoardSessionRow
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s).where(s.site == self.site, s.id == session_id)
            ).one_or_none()
        return None if row is None else _session(row)

    def sessions(self, seen_after: datetime, started_after: datetime) -> list[BoardSession]:
        """Sessions not ended, seen after and begun after the given times, oldest first."""
        s = BoardSessionRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s)
                .where(
                    s.site == self.site,
                    s.ended_at.is_(None),
                    s.seen_at > seen_after,
                    s.started_at > started_after,
                )
                .order_by(s.started_at, s.id)
            )
            return [_session(r) for r in rows]

    def touch(self, session_id: str, at: datetime) -> None:
        s = BoardSessionRow
        with self.engine.begin() as conn:
            conn.execute(
                update(s).where(s.site == self.site, s.id == session_id).values(seen_at=at)
            )

    def end_session(self, session_id: str, at: datetime, line: AuditEntry) -> bool:
        """End it (with its audit line) if it has not ended yet."""
        s = BoardSessionRow
        with self.engine.begin() as conn:
            ended = conn.execute(
                update(s)
                .where(s.site == self.site, s.id == session_id, s.ended_at.is_(None))
                .values(ended_at=at)
            ).rowcount
            if ended:
                self._note(conn, line)
        return bool(ended)

    # ----------------------------------------------------------------- tokens
    def add_token(self, token: ApiToken, digest: str, line: AuditEntry) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(ApiTokenRow).values(
                    site=self.site,
                    id=token.id,
                    name=token.name,
                    scope=token.scope.value,
                    digest=digest,
                    created_at=token.created_at,
                    revoked_at=None,
                )
            )
            self._note(conn, line)

    def token(self, digest: str) -> ApiToken | None:
        """The live token with that digest."""
        t = ApiTokenRow
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t).where(t.site == self.site, t.digest == digest, t.revoked_at.is_(None))
            ).one_or_none()
        return None if row is None else _token(row)

    def token_by_id(self, token_id: str) -> ApiToken | None:
        t = ApiTokenRow
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.site == self.site, t.id == token_id)).one_or_none()
        return None if row is None else _token(row)

    def tokens(self) -> list[ApiToken]:
        t = ApiTokenRow
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.site == self.site).order_by(t.created_at, t.id))
            return [_token(r) for r in rows]

    def revoke_token(self, token_id: str, at: datetime, line: AuditEntry) -> bool:
        """Revoke it (with its audit line) if it is live."""
        t = ApiTokenRow
        with self.engine.begin() as conn:
            revoked = conn.execute(
                update(t)
                .where(t.site == self.site, t.id == token_id, t.revoked_at.is_(None))
                .values(revoked_at=at)
            ).rowcount
            if revoked:
                self._note(conn, line)
        return bool(revoked)

    # ----------------------------------------------------------------- the log
    def note(self, line: AuditEntry) -> None:
        with self.engine.begin() as conn:
            self._note(conn, line)

    def log(self, limit: int) -> list[dict[str, Any]]:
        """The newest access lines, newest first."""
        a = AuditRow
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(a.at, a.source, a.type, a.payload)
                .where(a.site == self.site, a.kind == ACCESS)
                .order_by(a.id.desc())
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]
