"""Enforcement actions against sender accounts.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_actions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("account_hash", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("lifted_at", TS, nullable=True),
        sa.Column("lifted_by", sa.Text(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('warn', 'restrict_links', 'ban', 'permanent_ban')",
            name="ck_account_actions_action",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_account_actions"),
    )
    op.create_index("ix_account_actions_account_hash", "account_actions", ["account_hash"])
    op.create_index("ix_account_actions_lifted_at", "account_actions", ["lifted_at"])


def downgrade() -> None:
    op.drop_index("ix_account_actions_lifted_at", table_name="account_actions")
    op.drop_index("ix_account_actions_account_hash", table_name="account_actions")
    op.drop_table("account_actions")
