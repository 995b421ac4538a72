"""Console sessions: a random id in the browser, its SHA-256 here, with a CSRF token.

A session ends at ``expires_at`` (set when it starts), after ``idle`` without
a request, when its user signs out, or when the user is disabled. Looking a
session up refreshes ``last_seen_at`` at most once a minute.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from linkgate.storage.schema import ConsoleSessionRow, ConsoleUserRow
from linkgate.storage.transactions import write_transaction
from linkgate.storage.types import as_utc, utcnow

#: ``last_seen_at`` is written at most this often per session.
SEEN_RESOLUTION: Final = timedelta(minutes=1)
_CLIENT_MAX: Final = 200


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A live session and the user behind it (role read afresh on every lookup)."""

    username: str
    role: str
    platform_id: str | None
    csrf_token: str
    created_at: datetime
    expires_at: datetime


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


class ConsoleSessionStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def create(self, username: str, client: str, lifetime: timedelta) -> tuple[str, str]:
        """Start a session: ``(session_id, csrf_token)``; only the id's hash is stored."""
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        now = as_utc(self._clock())
        with write_transaction(self._engine) as connection:
            connection.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at <= now))
            connection.execute(
                insert(ConsoleSessionRow).values(
                    id_hash=session_hash(session_id),
                    username=username,
                    csrf_token=csrf_token,
                    client=client[:_CLIENT_MAX],
                    created_at=now,
                    expires_at=now + lifetime,
                    last_seen_at=now,
                )
            )
        return session_id, csrf_token

    def lookup(self, session_id: str, idle: timedelta) -> ConsoleSession | None:
        """The live session with this id, or None (unknown, expired, idle, user disabled)."""
        digest = session_hash(session_id)
        stmt = (
            select(
                ConsoleSessionRow.username,
                ConsoleUserRow.role,
                ConsoleUserRow.platform_id,
                ConsoleSessionRow.csrf_token,
                ConsoleSessionRow.created_at,
                ConsoleSessionRow.expires_at,
                ConsoleSessionRow.last_seen_at,
            )
            .join(ConsoleUserRow, ConsoleUserRow.username == ConsoleSessionRow.username)
            .where(ConsoleSessionRow.id_hash == digest, ConsoleUserRow.disabled_at.is_(None))
        )
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        if row is None:
            return None
        now = as_utc(self._clock())
        fields = dict(row)
        last_seen = fields.pop("last_seen_at")
        if now >= fields["expires_at"] or now - last_seen >= idle:
            return None
        if now - last_seen >= SEEN_RESOLUTION:
            with write_transaction(self._engine) as connection:
                connection.execute(
                    update(ConsoleSessionRow)
                    .where(ConsoleSessionRow.id_hash == digest)
                    .values(last_seen_at=now)
                )
        return ConsoleSession(**fields)

    def delete(self, session_id: str) -> bool:
        with write_transaction(self._engine) as connection:
            result = connection.execute(
                delete(ConsoleSessionRow).where(
                    ConsoleSessionRow.id_hash == session_hash(session_id)
                )
            )
            return result.rowcount == 1

    def delete_for(self, username: str) -> int:
        """End every session of ``username``; returns how many there were."""
        with write_transaction(self._engine) as connection:
            result = connection.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.username == username)
            )
            return int(result.rowcount)
