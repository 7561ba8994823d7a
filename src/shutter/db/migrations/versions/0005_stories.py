"""stories and who has seen them; media looked up by object key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LIVE = "deleted_at IS NULL"
_RETAINED = "deleted_at IS NOT NULL AND media_deleted_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("media_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("media_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_index("ix_stories_author_id_id", "stories", ["author_id", "id"], unique=False)
    op.create_index(
        "ix_stories_expiring",
        "stories",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text(_LIVE),
        sqlite_where=sa.text(_LIVE),
    )
    op.create_index(
        "ix_stories_media_retained",
        "stories",
        ["deleted_at"],
        unique=False,
        postgresql_where=sa.text(_RETAINED),
        sqlite_where=sa.text(_RETAINED),
    )
    op.create_table(
        "story_views",
        sa.Column("story_id", sa.BigInteger(), nullable=False),
        sa.Column("viewer_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("story_id", "viewer_id", name=op.f("pk_story_views")),
    )
    op.create_index("ix_story_views_story_id_id", "story_views", ["story_id", "id"], unique=False)
    op.create_index("ix_media_original_key", "media", ["original_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_media_original_key", table_name="media")
    op.drop_index("ix_story_views_story_id_id", table_name="story_views")
    op.drop_table("story_views")
    op.drop_index(
        "ix_stories_media_retained",
        table_name="stories",
        postgresql_where=sa.text(_RETAINED),
        sqlite_where=sa.text(_RETAINED),
    )
    op.drop_index(
        "ix_stories_expiring",
        table_name="stories",
        postgresql_where=sa.text(_LIVE),
        sqlite_where=sa.text(_LIVE),
    )
    op.drop_index("ix_stories_author_id_id", table_name="stories")
    op.drop_table("stories")
