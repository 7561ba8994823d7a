"""blocks, and media attached to stories

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("story_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_blocks")),
    )
    op.create_index(
        "ix_blocks_blocked_id_blocker_id", "blocks", ["blocked_id", "blocker_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_blocks_blocked_id_blocker_id", table_name="blocks")
    op.drop_table("blocks")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("story_id")
