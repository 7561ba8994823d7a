"""comment likes, a pinned comment per post

Revision ID: 0021_comment_likes
Revises: 0019_group_messages
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_comment_likes"
down_revision = "0019_group_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comment_likes",
        sa.Column("comment_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("comment_id", "user_id", name=op.f("pk_comment_likes")),
    )
    op.create_index("ix_comment_likes_user_id_id", "comment_likes", ["user_id", "id"])
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("like_count", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("pinned_comment_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("pinned_comment_id")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("like_count")
    op.drop_index("ix_comment_likes_user_id_id", table_name="comment_likes")
    op.drop_table("comment_likes")
