"""linkgate's tables, as SQLAlchemy 2 typed declarative classes.

The Alembic migrations in ``migrations/versions`` create exactly these
tables (a test compares the two). Every timestamp is a :class:`UTCDateTime`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linkgate.storage.types import UTCDateTime

#: The ``prev_hash`` of the first audit entry.
GENESIS_HASH = "0" * 64

#: A 64-bit integer that is SQLite's row id when it is the primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class PlatformRow(Base):
    """A platform's registry entry, edited through the console or API."""

    __tablename__ = "platforms"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(Text)


class PolicyRevisionRow(Base):
    """One revision of a policy; the live one is the latest published."""

    __tablename__ = "policy_revisions"

    revision: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    preset: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by: Mapped[str | None] = mapped_column(Text)


class GroupSettingRow(Base):
    """What a group's owner chose for links in the group."""

    __tablename__ = "group_settings"

    group_id: Mapped[str] = mapped_column(Text, primary_key=True)
    setting: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(Text)


class MemberSettingRow(Base):
    """A member's own preference inside a group."""

    __tablename__ = "member_settings"

    group_id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, primary_key=True)
    opt_out: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class ApiKeyRow(Base):
    """An API key: only the SHA-256 of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class DecisionEventRow(Base):
    """A decision that was shown (``share``) or followed (``open``), pseudonymised."""

    __tablename__ = "decision_events"
    __table_args__ = (CheckConstraint("kind IN ('share', 'open')", name="kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(Text, index=True)
    link_kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    treatment: Mapped[str] = mapped_column(String(32))
    interstitial: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    category: Mapped[str | None] = mapped_column(String(64))
    policy_revision: Mapped[str] = mapped_column(String(16))
    sender_hash: Mapped[str | None] = mapped_column(String(64))
    viewer_hash: Mapped[str | None] = mapped_column(String(64))
    group_hash: Mapped[str | None] = mapped_column(String(64))


class AuditRow(Base):
    """One audit entry, chained to the one before by ``prev_hash``."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The last audit entry's ``seq`` and ``hash``, updated with every append.

    It lets ``verify`` notice rows removed from the end of the log, which the
    chain alone cannot show. There is exactly one row, ``id = 1``.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class ConsoleUserRow(Base):
    """A person who signs in to the console; only an argon2 hash of the password is kept."""

    __tablename__ = "console_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class ConsoleSessionRow(Base):
    """A signed-in console session; the cookie carries the id, the table only its SHA-256."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]


class LoginFailureRow(Base):
    """A failed console sign-in, kept while it counts towards a lockout."""

    __tablename__ = "console_login_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
