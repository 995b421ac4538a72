"""Console users: a username, a role and an argon2 password hash; disabled, never deleted.

The store keeps whatever hash it is given; hashing and checking passwords
happens in :mod:`linkgate.web.console.passwords`. A disabled user keeps its
row (the audit log names it) but can no longer sign in.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from linkgate.storage.schema import ConsoleUserRow
from linkgate.storage.transactions import write_transaction
from linkgate.storage.types import as_utc, utcnow

USERNAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)

_COLUMNS = (
    ConsoleUserRow.username,
    ConsoleUserRow.role,
    ConsoleUserRow.platform_id,
    ConsoleUserRow.created_at,
    ConsoleUserRow.created_by,
    ConsoleUserRow.disabled_at,
    ConsoleUserRow.last_login_at,
)


class UserExistsError(ValueError):
    """A user with that name is already there (disabled users keep their name)."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    username: str
    role: str
    platform_id: str | None
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    last_login_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def _user(row: RowMapping) -> ConsoleUser:
    return ConsoleUser(**row)


def check_username(username: str) -> str:
    """The username as stored (lowercase), or ValueError saying what a username may be."""
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise ValueError(
            "a username is 1 to 64 characters: a-z, 0-9, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


class ConsoleUserStore:
    """Creates, reads, disables console users and keeps their password hashes."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def create(
        self,
        username: str,
        password_hash: str,
        role: str,
        platform_id: str | None = None,
        created_by: str = "cli",
    ) -> ConsoleUser:
        """Add a user; :class:`UserExistsError` when the name is taken."""
        name = check_username(username)
        if not role:
            raise ValueError("a console user needs a role")
        now = as_utc(self._clock())
        try:
            with write_transaction(self._engine) as connection:
                connection.execute(
                    insert(ConsoleUserRow).values(
                        username=name,
                        password_hash=password_hash,
                        role=role,
                        platform_id=platform_id,
                        created_at=now,
                        created_by=created_by,
                        disabled_at=None,
                        last_login_at=None,
                    )
                )
        except IntegrityError:
            raise UserExistsError(f"user {name!r} already exists") from None
        return ConsoleUser(name, role, platform_id, now, created_by, None, None)

    def get(self, username: str) -> ConsoleUser | None:
        stmt = select(*_COLUMNS).where(ConsoleUserRow.username == username)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        return _user(row) if row is not None else None

    def credentials(self, username: str) -> tuple[ConsoleUser, str] | None:
        """The user and its password hash, or None when there is no such user."""
        stmt = select(*_COLUMNS, ConsoleUserRow.password_hash).where(
            ConsoleUserRow.username == username
        )
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        if row is None:
            return None
        fields = dict(row)
        password_hash = fields.pop("password_hash")
        return ConsoleUser(**fields), password_hash

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        with write_transaction(self._engine) as connection:
            result = connection.execute(
                update(ConsoleUserRow)
                .where(ConsoleUserRow.username == username)
                .values(password_hash=password_hash)
            )
            return result.rowcount == 1

    def record_login(self, username: str) -> None:
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(ConsoleUserRow)
                .where(ConsoleUserRow.username == username)
                .values(last_login_at=as_utc(self._clock()))
            )

    def disable(self, username: str) -> bool:
        """Disable a user; True when it was active, False when unknown or already disabled."""
        with write_transaction(self._engine) as connection:
            result = connection.execute(
                update(ConsoleUserRow)
                .where(ConsoleUserRow.username == username, ConsoleUserRow.disabled_at.is_(None))
                .values(disabled_at=as_utc(self._clock()))
            )
            return result.rowcount == 1

    def list(self) -> builtins.list[ConsoleUser]:
        """Every user, disabled ones included, by name."""
        stmt = select(*_COLUMNS).order_by(ConsoleUserRow.username)
        with self._engine.connect() as connection:
            return [_user(row) for row in connection.execute(stmt).mappings()]
