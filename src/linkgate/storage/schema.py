"""linkgate's tables, as SQLAlchemy 2 typed declarative classes.

The Alembic migrations in ``migrations/versions`` create exactly these
tables (a test compares the two). Every timestamp is a :class:`UTCDateTime`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
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
    __table_args__ = (
        CheckConstraint("kind IN ('share', 'open', 'continue', 'preview')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(Text)
    input: Mapped[str | None] = mapped_column(Text)
    """The link as typed, kept when it has deception signals its canonical form hides."""
    title: Mapped[str | None] = mapped_column(Text)
    """The link preview's title a share was decided with, when there was one."""
    platform: Mapped[str | None] = mapped_column(Text, index=True)
    domain: Mapped[str | None] = mapped_column(Text)
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


class PolicyShadowRow(Base):
    """The policy revision in shadow: decided beside the live one, never enforced.

    At most one row, ``id = 1``; no row means no shadow.
    """

    __tablename__ = "policy_shadow"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    started_by: Mapped[str] = mapped_column(Text)


class ShadowDecisionRow(Base):
    """A live decision and the shadow policy's decision of the same request."""

    __tablename__ = "shadow_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    """``share`` or ``open``, as in the decision log."""
    live_revision: Mapped[str] = mapped_column(String(16))
    shadow_revision: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    live_treatment: Mapped[str] = mapped_column(String(32))
    shadow_treatment: Mapped[str] = mapped_column(String(32))
    live_interstitial: Mapped[str] = mapped_column(String(32))
    shadow_interstitial: Mapped[str] = mapped_column(String(32))
    reasons_differing: Mapped[dict[str, Any]]
    """``{"live": [...], "shadow": [...]}``: reason codes only one of the two gave."""


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


class ReportRow(Base):
    """A user's complaint against a link; one per reporter and canonical link."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_hash", "url"),
        CheckConstraint("status IN ('pending', 'upheld', 'rejected')", name="status"),
        Index("ix_reports_url_status", "url", "status"),
        Index("ix_reports_status_created_at", "status", "created_at"),
        Index("ix_reports_platform_created_at", "platform", "created_at"),
        Index("ix_reports_reporter_hash_created_at", "reporter_hash", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]
    reporter_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    input: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(Text)
    link_kind: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    group_hash: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    account_created_at: Mapped[datetime | None]
    inviter_hash: Mapped[str | None] = mapped_column(String(64))
    base_weight: Mapped[float] = mapped_column(Float)
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(Text)
    review_category: Mapped[str | None] = mapped_column(String(32))
    review_note: Mapped[str | None] = mapped_column(Text)


class CreditEventRow(Base):
    """An upheld report or a recorded violation counted against a platform and a domain."""

    __tablename__ = "credit_events"
    __table_args__ = (
        Index("ix_credit_events_platform_at", "platform", "at"),
        Index("ix_credit_events_domain_at", "domain", "at"),
        Index("ix_credit_events_fingerprint", "fingerprint"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]
    platform: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32))
    report_id: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(Text)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)


class ShareCountRow(Base):
    """Links shared per UTC day, per platform and registrable domain ('' when none)."""

    __tablename__ = "share_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    platform: Mapped[str] = mapped_column(Text, primary_key=True)
    domain: Mapped[str] = mapped_column(Text, primary_key=True)
    shares: Mapped[int] = mapped_column(BigInteger)


class BlockRow(Base):
    """A block on a URL, path, domain or platform, from reports, a violation or an operator."""

    __tablename__ = "blocks"
    __table_args__ = (
        CheckConstraint("scope IN ('url', 'path', 'domain', 'platform')", name="scope"),
        CheckConstraint("status IN ('active', 'lifted')", name="status"),
        Index("ix_blocks_status", "status"),
        Index("ix_blocks_domain", "domain"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    treatment: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(Text)
    lift_reason: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    rung: Mapped[int | None] = mapped_column(Integer)
    evasion: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[dict[str, Any]]


class OverrideRow(Base):
    """An operator's audited allow, always with an expiry."""

    __tablename__ = "overrides"
    __table_args__ = (
        CheckConstraint("scope IN ('url', 'path', 'domain', 'platform')", name="scope"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(Text)


class AppealRow(Base):
    """A platform's (or an account's) appeal against a block, an event or an action."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'granted', 'denied')", name="status"),
        Index("ix_appeals_status_due_at", "status", "due_at"),
        Index("ix_appeals_platform", "platform"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str | None] = mapped_column(Text)
    account_hash: Mapped[str | None] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime]
    filed_by: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class PhasePauseRow(Base):
    """A rollout phase paused (automatically or by an operator) until resumed."""

    __tablename__ = "phase_pauses"
    __table_args__ = (Index("ix_phase_pauses_phase_id", "phase_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    phase_id: Mapped[str] = mapped_column(Text)
    paused_at: Mapped[datetime]
    paused_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    stats: Mapped[dict[str, Any]]
    resumed_at: Mapped[datetime | None]
    resumed_by: Mapped[str | None] = mapped_column(Text)


class CreditStandingRow(Base):
    """The last band seen for a platform or domain, so band changes are audited once."""

    __tablename__ = "credit_standings"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class StateHeadRow(Base):
    """A counter bumped with every change that affects decisions (blocks, overrides,
    credit events, phase pauses), so replicas notice cheaply. One row, ``id = 1``."""

    __tablename__ = "state_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class AccountActionRow(Base):
    """An enforcement action against a sender account (by pseudonym)."""

    __tablename__ = "account_actions"
    __table_args__ = (
        CheckConstraint(
            "action IN ('warn', 'restrict_links', 'ban', 'permanent_ban')", name="action"
        ),
        Index("ix_account_actions_account_hash", "account_hash"),
        Index("ix_account_actions_lifted_at", "lifted_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_hash: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    rung: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(Text)
    lift_reason: Mapped[str | None] = mapped_column(Text)


class ThreatListRow(Base):
    """An imported threat list: where it came from, its category and expiry, its counts."""

    __tablename__ = "threat_lists"
    # Ids are never reused, so a replaced list is a different list to a reloading replica.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    source: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    entry_count: Mapped[int] = mapped_column(Integer)
    rejected_count: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]]


class ThreatListEntryRow(Base):
    """One entry of a threat list: a domain, a lookup expression or a hex full hash."""

    __tablename__ = "threat_list_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('domain', 'expression', 'full_hash')", name="kind"),
    )

    list_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("threat_lists.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)


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
