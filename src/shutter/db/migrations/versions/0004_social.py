"""likes, comments, hashtags, locations, notifications and search indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:00:00.000000

Search indexes live only here (env.py leaves them out of `alembic check`): PostgreSQL gets
pg_trgm GIN indexes, SQLite an FTS5 trigram table kept in step with `users` by triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("location_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_posts_location_id_id", ["location_id", "id"], unique=False)
    op.create_table(
        "likes",
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_likes")),
    )
    op.create_index("ix_likes_post_id_id", "likes", ["post_id", "id"], unique=False)
    op.create_table(
        "comments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_post_id_parent_id_id", "comments", ["post_id", "parent_id", "id"])
    op.create_table(
        "hashtags",
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("post_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tag", name=op.f("pk_hashtags")),
    )
    op.create_table(
        "post_hashtags",
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tag", "post_id", name=op.f("pk_post_hashtags")),
    )
    op.create_index("ix_post_hashtags_post_id", "post_hashtags", ["post_id"])
    op.create_table(
        "locations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("post_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("name_key", name=op.f("uq_locations_name_key")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sort_id", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "uq_notifications_user_id_group_key",
        "notifications",
        ["user_id", "group_key"],
        unique=True,
    )
    op.create_index("ix_notifications_user_id_sort_id", "notifications", ["user_id", "sort_id"])
    op.create_table(
        "notification_actors",
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("notification_id", "actor_id", name=op.f("pk_notification_actors")),
    )
    _create_search_indexes()


def _create_search_indexes() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_users_username_trgm ON users USING gin (username gin_trgm_ops)")
        op.execute(
            "CREATE INDEX ix_users_display_name_trgm ON users "
            "USING gin (lower(display_name) gin_trgm_ops)"
        )
        op.execute("CREATE INDEX ix_hashtags_tag_prefix ON hashtags (tag text_pattern_ops)")
        op.execute(
            "CREATE INDEX ix_locations_name_key_trgm ON locations USING gin (name_key gin_trgm_ops)"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE users_search USING fts5(username, display_name, tokenize='trigram')"
    )
    op.execute(
        "INSERT INTO users_search (rowid, username, display_name) "
        "SELECT id, username, display_name FROM users"
    )
    op.execute(
        "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN "
        "INSERT INTO users_search (rowid, username, display_name) "
        "VALUES (new.id, new.username, new.display_name); END"
    )
    op.execute(
        "CREATE TRIGGER users_search_update AFTER UPDATE OF username, display_name ON users "
        "BEGIN DELETE FROM users_search WHERE rowid = old.id; "
        "INSERT INTO users_search (rowid, username, display_name) "
        "VALUES (new.id, new.username, new.display_name); END"
    )
    op.execute(
        "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN "
        "DELETE FROM users_search WHERE rowid = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index in (
            "ix_users_username_trgm",
            "ix_users_display_name_trgm",
            "ix_hashtags_tag_prefix",
            "ix_locations_name_key_trgm",
        ):
            op.execute(f"DROP INDEX IF EXISTS {index}")
    else:
        for trigger in ("users_search_insert", "users_search_update", "users_search_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS users_search")
    op.drop_table("notification_actors")
    op.drop_index("ix_notifications_user_id_sort_id", table_name="notifications")
    op.drop_index("uq_notifications_user_id_group_key", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("locations")
    op.drop_index("ix_post_hashtags_post_id", table_name="post_hashtags")
    op.drop_table("post_hashtags")
    op.drop_table("hashtags")
    op.drop_index("ix_comments_post_id_parent_id_id", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_likes_post_id_id", table_name="likes")
    op.drop_table("likes")
    with op.batch_alter_table("posts") as batch:
        batch.drop_index("ix_posts_location_id_id")
        batch.drop_column("location_id")
