"""post search: full-text index of captions, places by coordinates, profile visits

Revision ID: 0024_post_search
Revises: 0023_post_options
Create Date: 2026-12-03 10:00:00.000000

Captions are searched by the database's own full-text engine: on PostgreSQL a GIN index
on `to_tsvector('english', caption)` (English stemming: "running" matches "run"); on
SQLite an external-content FTS5 table over posts with the porter tokenizer, kept in step
by triggers. Both are dialect-specific, so they live here only (see SEARCH_OBJECTS in
migrations/env.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_post_search"
down_revision = "0023_post_options"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = ("posts_search_insert", "posts_search_update", "posts_search_delete")


def upgrade() -> None:
    op.create_index("ix_posts_location_lat_lng", "posts", ["location_lat", "location_lng"])
    op.create_table(
        "profile_visits",
        sa.Column("viewer_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("viewer_id", "user_id", name=op.f("pk_profile_visits")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_posts_caption_fts ON posts USING gin (to_tsvector('english', caption))"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE posts_search USING fts5("
        "caption, content='posts', content_rowid='id', tokenize='porter unicode61')"
    )
    op.execute("INSERT INTO posts_search (posts_search) VALUES ('rebuild')")
    op.execute(
        "CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN "
        "INSERT INTO posts_search (rowid, caption) VALUES (new.id, new.caption); END"
    )
    op.execute(
        "CREATE TRIGGER posts_search_update AFTER UPDATE OF caption ON posts BEGIN "
        "INSERT INTO posts_search (posts_search, rowid, caption) "
        "VALUES ('delete', old.id, old.caption); "
        "INSERT INTO posts_search (rowid, caption) VALUES (new.id, new.caption); END"
    )
    op.execute(
        "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN "
        "INSERT INTO posts_search (posts_search, rowid, caption) "
        "VALUES ('delete', old.id, old.caption); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_caption_fts")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS posts_search")
    op.drop_table("profile_visits")
    op.drop_index("ix_posts_location_lat_lng", table_name="posts")
