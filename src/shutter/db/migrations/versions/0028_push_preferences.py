"""push preferences: which kinds of notification reach a person's browsers by Web Push,
and whether a direct message's words may travel in the push

Revision ID: 0028_push_preferences
Revises: 0024_post_search
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_push_preferences"
down_revision = "0025_markers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_preferences",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("muted_kinds", sa.String(length=500), server_default="", nullable=False),
        sa.Column("message_text", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_push_preferences")),
    )
    op.create_index(
        "ix_push_subscriptions_session_id", "push_subscriptions", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_push_subscriptions_session_id", table_name="push_subscriptions")
    op.drop_table("push_preferences")
