"""Failed console sign-ins, by username and by client address, while they count.

Lockout arithmetic lives in :mod:`linkgate.web.console.lockout`; this store
only records failures and reads back their times. Rows older than the
retention given to :meth:`LoginFailureStore.add` are removed as new ones
arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from linkgate.storage.schema import LoginFailureRow
from linkgate.storage.transactions import write_transaction
from linkgate.storage.types import as_utc, utcnow

FIELD_MAX: Final = 64


class LoginFailureStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, username: str, client: str, retention: timedelta) -> datetime:
        """Record one failure now (and drop those older than ``retention``); returns its time."""
        now = as_utc(self._clock())
        with write_transaction(self._engine) as connection:
            connection.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - retention))
            connection.execute(
                insert(LoginFailureRow).values(
                    at=now, username=username[:FIELD_MAX], client=client[:FIELD_MAX]
                )
            )
        return now

    def since(
        self, moment: datetime, *, username: str | None = None, client: str | None = None
    ) -> list[datetime]:
        """Times of failures after ``moment`` for this username or client, oldest first."""
        if (username is None) == (client is None):
            raise ValueError("give exactly one of username and client")
        column = LoginFailureRow.username if username is not None else LoginFailureRow.client
        value = (username if username is not None else client or "")[:FIELD_MAX]
        stmt = (
            select(LoginFailureRow.at)
            .where(column == value, LoginFailureRow.at > as_utc(moment))
            .order_by(LoginFailureRow.at)
        )
        with self._engine.connect() as connection:
            return [at for (at,) in connection.execute(stmt)]

    def clear(self, username: str) -> int:
        """Forget a username's failures (after it signs in); returns how many."""
        with write_transaction(self._engine) as connection:
            result = connection.execute(
                delete(LoginFailureRow).where(LoginFailureRow.username == username[:FIELD_MAX])
            )
            return int(result.rowcount)
