"""Threat lists: imported lists (source, category, expiry, counts) and their entries.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "threat_lists",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_threat_lists"),
        sa.UniqueConstraint("name", name="uq_threat_lists_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "threat_list_entries",
        sa.Column(
            "list_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('domain', 'expression', 'full_hash')", name="ck_threat_list_entries_kind"
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["threat_lists.id"],
            name="fk_threat_list_entries_list_id_threat_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "seq", name="pk_threat_list_entries"),
    )


def downgrade() -> None:
    op.drop_table("threat_list_entries")
    op.drop_table("threat_lists")
