"""Decision events' registrable domain; reports, credit events and share counts, blocks
and overrides, appeals, phase pauses, credit standings, the state head.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("decision_events") as batch:
        batch.add_column(sa.Column("domain", sa.Text(), nullable=True))
    op.create_table(
        "reports",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("reporter_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("platform", sa.Text(), nullable=True),
        sa.Column("link_kind", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("group_hash", sa.String(64), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("account_created_at", TS, nullable=True),
        sa.Column("inviter_hash", sa.String(64), nullable=True),
        sa.Column("base_weight", sa.Float(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("review_category", sa.String(32), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'upheld', 'rejected')", name="ck_reports_status"),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("reporter_hash", "url", name="uq_reports_reporter_hash_url"),
    )
    op.create_index("ix_reports_url_status", "reports", ["url", "status"])
    op.create_index("ix_reports_status_created_at", "reports", ["status", "created_at"])
    op.create_index("ix_reports_platform_created_at", "reports", ["platform", "created_at"])
    op.create_index(
        "ix_reports_reporter_hash_created_at", "reports", ["reporter_hash", "created_at"]
    )
    op.create_table(
        "credit_events",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("platform", sa.Text(), nullable=True),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("severity", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("voided_at", TS, nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credit_events"),
    )
    op.create_index("ix_credit_events_platform_at", "credit_events", ["platform", "at"])
    op.create_index("ix_credit_events_domain_at", "credit_events", ["domain", "at"])
    op.create_index("ix_credit_events_fingerprint", "credit_events", ["fingerprint"])
    op.create_table(
        "share_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "platform", "domain", name="pk_share_counts"),
    )
    op.create_table(
        "blocks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("treatment", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("lifted_at", TS, nullable=True),
        sa.Column("lifted_by", sa.Text(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("platform", sa.Text(), nullable=True),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("rung", sa.Integer(), nullable=True),
        sa.Column("evasion", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('url', 'path', 'domain', 'platform')", name="ck_blocks_scope"
        ),
        sa.CheckConstraint("status IN ('active', 'lifted')", name="ck_blocks_status"),
        sa.PrimaryKeyConstraint("id", name="pk_blocks"),
    )
    op.create_index("ix_blocks_status", "blocks", ["status"])
    op.create_index("ix_blocks_domain", "blocks", ["domain"])
    op.create_table(
        "overrides",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("lifted_at", TS, nullable=True),
        sa.Column("lifted_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "scope IN ('url', 'path', 'domain', 'platform')", name="ck_overrides_scope"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_overrides"),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("platform", sa.Text(), nullable=True),
        sa.Column("account_hash", sa.String(64), nullable=True),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.Text(), nullable=True),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("filed_by", sa.Text(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'granted', 'denied')", name="ck_appeals_status"),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
    )
    op.create_index("ix_appeals_status_due_at", "appeals", ["status", "due_at"])
    op.create_index("ix_appeals_platform", "appeals", ["platform"])
    op.create_table(
        "phase_pauses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("phase_id", sa.Text(), nullable=False),
        sa.Column("paused_at", TS, nullable=False),
        sa.Column("paused_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("resumed_at", TS, nullable=True),
        sa.Column("resumed_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_phase_pauses"),
    )
    op.create_index("ix_phase_pauses_phase_id", "phase_pauses", ["phase_id"])
    op.create_table(
        "credit_standings",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_credit_standings"),
    )

    state_head = op.create_table(
        "state_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_state_head_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_state_head"),
    )
    op.bulk_insert(state_head, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("state_head")
    op.drop_table("credit_standings")
    op.drop_index("ix_phase_pauses_phase_id", table_name="phase_pauses")
    op.drop_table("phase_pauses")
    op.drop_index("ix_appeals_platform", table_name="appeals")
    op.drop_index("ix_appeals_status_due_at", table_name="appeals")
    op.drop_table("appeals")
    op.drop_table("overrides")
    op.drop_index("ix_blocks_domain", table_name="blocks")
    op.drop_index("ix_blocks_status", table_name="blocks")
    op.drop_table("blocks")
    op.drop_table("share_counts")
    op.drop_index("ix_credit_events_fingerprint", table_name="credit_events")
    op.drop_index("ix_credit_events_domain_at", table_name="credit_events")
    op.drop_index("ix_credit_events_platform_at", table_name="credit_events")
    op.drop_table("credit_events")
    op.drop_index("ix_reports_reporter_hash_created_at", table_name="reports")
    op.drop_index("ix_reports_platform_created_at", table_name="reports")
    op.drop_index("ix_reports_status_created_at", table_name="reports")
    op.drop_index("ix_reports_url_status", table_name="reports")
    op.drop_table("reports")
    with op.batch_alter_table("decision_events") as batch:
        batch.drop_column("domain")
