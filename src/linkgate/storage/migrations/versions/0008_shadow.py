"""Shadow policy: the revision in shadow, its decisions beside the live ones; share
events keep the preview title they were decided with (for replays).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("decision_events") as batch:
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
    op.create_table(
        "policy_shadow",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("started_by", sa.Text(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_policy_shadow_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_policy_shadow"),
    )
    op.create_table(
        "shadow_decisions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("live_revision", sa.String(16), nullable=False),
        sa.Column("shadow_revision", sa.String(16), nullable=False),
        sa.Column("platform", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("live_treatment", sa.String(32), nullable=False),
        sa.Column("shadow_treatment", sa.String(32), nullable=False),
        sa.Column("live_interstitial", sa.String(32), nullable=False),
        sa.Column("shadow_interstitial", sa.String(32), nullable=False),
        sa.Column("reasons_differing", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shadow_decisions"),
    )
    op.create_index(
        "ix_shadow_decisions_decided_at", "shadow_decisions", ["decided_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_shadow_decisions_decided_at", table_name="shadow_decisions")
    op.drop_table("shadow_decisions")
    op.drop_table("policy_shadow")
    with op.batch_alter_table("decision_events") as batch:
        batch.drop_column("title")
