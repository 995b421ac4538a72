"""API keys: shown once, stored only as a hash, checked in constant time.

A key reads ``lg_<key id>_<secret>``: the key id (12 hex digits) is public
and names the key in lists and the audit log; the secret is 32 random bytes
in unpadded base64url. Only the SHA-256 of the secret is stored. A fast hash
is right here: the secret is random, not a password, so there is nothing to
guess from the hash.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine, RowMapping

from linkgate.storage.schema import ApiKeyRow
from linkgate.storage.transactions import insert_for, write_transaction
from linkgate.storage.types import as_utc, utcnow

KEY_PREFIX = "lg_"
SECRET_BYTES = 32
#: ``last_used_at`` is written at most this often per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_KEY_RE = re.compile(r"lg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", re.ASCII)
_KEY_LENGTH = len(KEY_PREFIX) + 12 + 1 + 43
_UNKNOWN_KEY_HASH = hashlib.sha256(b"linkgate: no such key").hexdigest()
_CREATE_ATTEMPTS = 5

_COLUMNS = (
    ApiKeyRow.id.label("key_id"),
    ApiKeyRow.role,
    ApiKeyRow.platform_id,
    ApiKeyRow.label,
    ApiKeyRow.created_at,
    ApiKeyRow.revoked_at,
    ApiKeyRow.last_used_at,
)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What linkgate knows about a key (never its secret)."""

    key_id: str
    role: str
    platform_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _record(row: RowMapping) -> KeyRecord:
    return KeyRecord(**row)


def secret_hash(secret: str) -> str:
    """The stored form of a key's secret: SHA-256, lowercase hex."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse_key(full_key: object) -> tuple[str, str] | None:
    """``(key_id, secret)`` of a well-formed key, or None for anything else."""
    if not isinstance(full_key, str) or len(full_key) != _KEY_LENGTH:
        return None
    match = _KEY_RE.fullmatch(full_key)
    if match is None:
        return None
    return match.group(1), match.group(2)


class KeyStore:
    """Creates, checks, lists and revokes API keys."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def create(self, role: str, platform_id: str | None = None, label: str = "") -> tuple[str, str]:
        """A new key: ``(key_id, full_key)``; the full key is not stored, so show it now."""
        if not role:
            raise ValueError("an API key needs a role")
        now = as_utc(self._clock())
        for _ in range(_CREATE_ATTEMPTS):
            key_id = secrets.token_hex(6)
            secret = base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES))
            secret_text = secret.rstrip(b"=").decode("ascii")
            with write_transaction(self._engine) as connection:
                stmt = insert_for(connection, ApiKeyRow).values(
                    id=key_id,
                    secret_hash=secret_hash(secret_text),
                    role=role,
                    platform_id=platform_id,
                    label=label,
                    created_at=now,
                    revoked_at=None,
                    last_used_at=None,
                )
                inserted = connection.execute(
                    stmt.on_conflict_do_nothing(index_elements=["id"]).returning(ApiKeyRow.id)
                ).first()
            if inserted is not None:
                return key_id, f"{KEY_PREFIX}{key_id}_{secret_text}"
        raise RuntimeError("could not find a free API key id")

    def authenticate(self, full_key: str) -> KeyRecord | None:
        """The record of an active key whose secret matches, else None (never raises on input)."""
        parsed = parse_key(full_key)
        if parsed is None:
            return None
        key_id, secret = parsed
        stmt = select(*_COLUMNS, ApiKeyRow.secret_hash).where(ApiKeyRow.id == key_id)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        offered = secret_hash(secret)
        if row is None:
            hmac.compare_digest(offered, _UNKNOWN_KEY_HASH)
            return None
        fields = dict(row)
        stored = fields.pop("secret_hash")
        if not hmac.compare_digest(offered, stored):
            return None
        record = KeyRecord(**fields)
        if record.revoked_at is not None:
            return None
        now = as_utc(self._clock())
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
            self._touch(key_id, now)
            record = KeyRecord(**{**fields, "last_used_at": now})
        return record

    def _touch(self, key_id: str, now: datetime) -> None:
        stale = now - LAST_USED_RESOLUTION
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(ApiKeyRow)
                .where(
                    ApiKeyRow.id == key_id,
                    or_(ApiKeyRow.last_used_at.is_(None), ApiKeyRow.last_used_at <= stale),
                )
                .values(last_used_at=now)
            )

    def get(self, key_id: str) -> KeyRecord | None:
        with self._engine.connect() as connection:
            row = (
                connection.execute(select(*_COLUMNS).where(ApiKeyRow.id == key_id))
                .mappings()
                .first()
            )
        return _record(row) if row is not None else None

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; True when it was active, False when unknown or already revoked."""
        now = as_utc(self._clock())
        with write_transaction(self._engine) as connection:
            result = connection.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return result.rowcount == 1

    def list(self) -> builtins.list[KeyRecord]:
        """Every key, revoked ones included, oldest first."""
        stmt = select(*_COLUMNS).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        with self._engine.connect() as connection:
            return [_record(row) for row in connection.execute(stmt).mappings()]
