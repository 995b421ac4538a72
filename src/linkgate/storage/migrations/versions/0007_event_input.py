"""Decision events keep the link as typed when it has deception signals.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("decision_events") as batch:
        batch.add_column(sa.Column("input", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decision_events") as batch:
        batch.drop_column("input")
