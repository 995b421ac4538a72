"""Console users, their sessions, and failed sign-ins (for lockouts).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("platform_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name="pk_console_users"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("client", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_console_sessions"),
    )
    op.create_index("ix_console_sessions_username", "console_sessions", ["username"], unique=False)
    op.create_index(
        "ix_console_sessions_expires_at", "console_sessions", ["expires_at"], unique=False
    )
    op.create_table(
        "console_login_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_login_failures"),
    )
    op.create_index("ix_console_login_failures_at", "console_login_failures", ["at"], unique=False)
    op.create_index(
        "ix_console_login_failures_username",
        "console_login_failures",
        ["username"],
        unique=False,
    )
    op.create_index(
        "ix_console_login_failures_client", "console_login_failures", ["client"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_console_login_failures_client", table_name="console_login_failures")
    op.drop_index("ix_console_login_failures_username", table_name="console_login_failures")
    op.drop_index("ix_console_login_failures_at", table_name="console_login_failures")
    op.drop_table("console_login_failures")
    op.drop_index("ix_console_sessions_expires_at", table_name="console_sessions")
    op.drop_index("ix_console_sessions_username", table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
