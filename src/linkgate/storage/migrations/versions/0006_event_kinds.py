"""Decision events also record continues past the interstitial and preview fetches.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # 0001 named this constraint "ck_decision_events_kind", which the naming
    # convention turned into ck_decision_events_ck_decision_events_kind: drop it by
    # that same name; the new one is named by the convention ("kind").
    with op.batch_alter_table("decision_events") as batch:
        batch.drop_constraint("ck_decision_events_kind", type_="check")
        batch.create_check_constraint("kind", "kind IN ('share', 'open', 'continue', 'preview')")


def downgrade() -> None:
    op.execute("DELETE FROM decision_events WHERE kind IN ('continue', 'preview')")
    with op.batch_alter_table("decision_events") as batch:
        batch.drop_constraint(op.f("ck_decision_events_kind"), type_="check")
        batch.create_check_constraint("ck_decision_events_kind", "kind IN ('share', 'open')")
