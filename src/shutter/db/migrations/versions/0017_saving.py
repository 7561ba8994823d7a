"""saving: saved posts, private collections; the bell (post notifications) on a follow

Revision ID: 0017_saving
Revises: 0015_withheld_media
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_saving"
down_revision = "0015_withheld_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saves",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_saves")),
    )
    op.create_index("ix_saves_user_id_id", "saves", ["user_id", "id"], unique=False)
    op.create_index("ix_saves_post_id", "saves", ["post_id"], unique=False)
    op.create_table(
        "collections",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
    )
    op.create_index("ix_collections_user_id_id", "collections", ["user_id", "id"], unique=False)
    op.create_table(
        "collection_posts",
        sa.Column("collection_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "post_id", name=op.f("pk_collection_posts")),
    )
    op.create_index(
        "ix_collection_posts_collection_id_position",
        "collection_posts",
        ["collection_id", "position"],
        unique=False,
    )
    op.create_index(
        "ix_collection_posts_user_id_post_id",
        "collection_posts",
        ["user_id", "post_id"],
        unique=False,
    )
    op.create_index("ix_collection_posts_post_id", "collection_posts", ["post_id"], unique=False)
    with op.batch_alter_table("follows") as batch:
        batch.add_column(sa.Column("notify", sa.Boolean(), nullable=False, server_default="0"))
    op.create_index(
        "ix_follows_notify",
        "follows",
        ["followee_id", "follower_id"],
        unique=False,
        postgresql_where=sa.text("notify"),
        sqlite_where=sa.text("notify"),
    )


def downgrade() -> None:
    op.drop_index("ix_follows_notify", table_name="follows")
    with op.batch_alter_table("follows") as batch:
        batch.drop_column("notify")
    op.drop_index("ix_collection_posts_post_id", table_name="collection_posts")
    op.drop_index("ix_collection_posts_user_id_post_id", table_name="collection_posts")
    op.drop_index("ix_collection_posts_collection_id_position", table_name="collection_posts")
    op.drop_table("collection_posts")
    op.drop_index("ix_collections_user_id_id", table_name="collections")
    op.drop_table("collections")
    op.drop_index("ix_saves_post_id", table_name="saves")
    op.drop_index("ix_saves_user_id_id", table_name="saves")
    op.drop_table("saves")
