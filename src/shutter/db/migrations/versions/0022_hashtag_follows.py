"""hashtag follows: the hashtags a user follows, pulled into their home feed

Revision ID: 0022_hashtag_follows
Revises: 0021_comment_likes
Create Date: 2026-12-01 06:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_hashtag_follows"
down_revision = "0021_comment_likes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hashtag_follows",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "tag", name=op.f("pk_hashtag_follows")),
    )
    op.create_index(
        "ix_hashtag_follows_user_id_id", "hashtag_follows", ["user_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_hashtag_follows_user_id_id", table_name="hashtag_follows")
    op.drop_table("hashtag_follows")
