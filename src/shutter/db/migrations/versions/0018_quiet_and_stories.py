"""quiet without blocking and stories: mutes, comment filters, close friends, highlights

Revision ID: 0018_quiet_and_stories
Revises: 0015_withheld_media
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_quiet_and_stories"
down_revision = "0017_saving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mutes",
        sa.Column("muter_id", sa.BigInteger(), nullable=False),
        sa.Column("muted_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("posts", sa.Boolean(), nullable=False),
        sa.Column("stories", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("muter_id", "muted_id", name=op.f("pk_mutes")),
    )
    op.create_index("ix_mutes_muter_id_id", "mutes", ["muter_id", "id"], unique=False)
    op.create_index("ix_mutes_muted_id", "mutes", ["muted_id"], unique=False)
    op.create_table(
        "comment_filters",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("words", sa.Text(), server_default="[]", nullable=False),
        sa.Column("followers_only", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_comment_filters")),
    )
    with op.batch_alter_table("comments") as batch:
        batch.add_column(
            sa.Column("hidden_by_filter", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("stories") as batch:
        batch.add_column(
            sa.Column("audience", sa.String(16), server_default="everyone", nullable=False)
        )
    op.create_table(
        "close_friends",
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "friend_id", name=op.f("pk_close_friends")),
    )
    op.create_index("ix_close_friends_friend_id", "close_friends", ["friend_id"], unique=False)
    op.create_table(
        "highlights",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_highlights")),
    )
    op.create_index("ix_highlights_owner_id_id", "highlights", ["owner_id", "id"], unique=False)
    op.create_table(
        "highlight_items",
        sa.Column("highlight_id", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("highlight_id", "story_id", name=op.f("pk_highlight_items")),
    )
    op.create_index("ix_highlight_items_story_id", "highlight_items", ["story_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_highlight_items_story_id", table_name="highlight_items")
    op.drop_table("highlight_items")
    op.drop_index("ix_highlights_owner_id_id", table_name="highlights")
    op.drop_table("highlights")
    op.drop_index("ix_close_friends_friend_id", table_name="close_friends")
    op.drop_table("close_friends")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("audience")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("hidden_by_filter")
    op.drop_table("comment_filters")
    op.drop_index("ix_mutes_muted_id", table_name="mutes")
    op.drop_index("ix_mutes_muter_id_id", table_name="mutes")
    op.drop_table("mutes")
